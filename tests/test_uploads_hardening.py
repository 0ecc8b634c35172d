"""Uploads against path tricks, disguised files and oversized requests.

The two upload points, supervision evidence and the survey-sheet import, keep files only
under names the app makes (a random name with the extension of the type read from the
content); the name a browser sends is shown, never used as a path. The requests here
are written by hand (multipart bodies with the file name exactly as an attacker would
send it), since the test client would strip the path from a file name itself.
"""

import email.message
import re
from io import BytesIO
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from ledgers.survey_sheet import COLUMNS
from risks.models import Risk
from supervision.models import Evidence
from tests.supervision_helpers import find, inspect

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BOUNDARY = "----quanfu-upload-test"
STORED_EVIDENCE = re.compile(r"supervision/evidence/\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|webp|pdf)")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def multipart(file_field: str, filename: str, content: bytes, **fields) -> bytes:
    """A multipart/form-data body with the file name sent verbatim."""
    parts = []
    for name, value in fields.items():
        parts += [f"--{BOUNDARY}".encode(),
                  f'Content-Disposition: form-data; name="{name}"'.encode(), b"",
                  str(value).encode()]
    parts += [f"--{BOUNDARY}".encode(),
              b'Content-Disposition: form-data; name="' + file_field.encode()
              + b'"; filename="' + filename.encode("utf-8", "surrogateescape") + b'"',
              b"Content-Type: application/octet-stream", b"", content,
              f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(parts)


def post_file(client, url, file_field, filename, content, **fields):
    return client.generic("POST", url, multipart(file_field, filename, content, **fields),
                          content_type=f"multipart/form-data; boundary={BOUNDARY}")


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


# Supervision evidence ---------------------------------------------------------------------

@pytest.fixture
def finding(supervisor_a, street):
    return find(supervisor_a, inspect(supervisor_a, street.community_a))


def evidence_url(finding):
    return reverse("supervision:evidence_add", args=[finding.pk])


@pytest.mark.parametrize("filename,shown", [
    ("../../../../etc/passwd.png", "passwd.png"),
    ("..\\..\\windows\\system32\\evil.png", "evil.png"),
    ("/var/lib/quanfu/media/supervision/evidence/overwrite.png", "overwrite.png"),
    ("photo\x00.php.png", "photo.php.png"),
    ("a" * 400 + ".png", None),
])
def test_evidence_is_stored_under_a_name_of_ours_whatever_name_it_is_sent_with(
        client, supervisor_a, finding, media, filename, shown):
    client.force_login(supervisor_a)
    response = post_file(client, evidence_url(finding), "file", filename, PNG)
    assert response.status_code == 302, response.content[:500]
    evidence = Evidence.objects.get()
    assert STORED_EVIDENCE.fullmatch(evidence.file.name), evidence.file.name
    assert files_under(media) == [f"media/{evidence.file.name}"]
    assert "/" not in evidence.original_name and "\\" not in evidence.original_name
    assert "\x00" not in evidence.original_name and len(evidence.original_name) <= 200
    if shown:
        assert evidence.original_name == shown


@pytest.mark.parametrize("filename,content", [
    ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("report.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00 a Windows executable"),
    ("empty.png", b""),
])
def test_a_file_that_is_not_what_its_name_says_is_refused_and_not_kept(
        client, supervisor_a, finding, media, filename, content):
    client.force_login(supervisor_a)
    response = post_file(client, evidence_url(finding), "file", filename, content)
    assert response.status_code == 400
    assert not Evidence.objects.exists()
    assert files_under(media) == []


def test_evidence_over_its_size_limit_is_refused(client, supervisor_a, finding, media,
                                                 settings):
    settings.SUPERVISION_EVIDENCE_MAX_BYTES = 1024
    client.force_login(supervisor_a)
    response = post_file(client, evidence_url(finding), "file", "big.png", PNG + b"\x00" * 2048)
    assert response.status_code == 400
    assert "file" in response.context["evidence_form"].errors
    assert not Evidence.objects.exists() and files_under(media) == []


def test_a_request_over_the_upload_ceiling_is_not_read_to_its_end(client, supervisor_a,
                                                                   finding, media, settings):
    """quanfu.uploads stops reading: the file never reaches a temporary file or the form."""
    settings.UPLOAD_MAX_BYTES = 4096
    client.force_login(supervisor_a)
    response = post_file(client, evidence_url(finding), "file", "huge.png",
                         PNG + b"\x00" * 200_000)
    assert response.status_code == 400
    assert "file" in response.context["evidence_form"].errors
    assert not Evidence.objects.exists() and files_under(media) == []


def test_the_ceiling_leaves_ordinary_uploads_alone(client, supervisor_a, finding, settings):
    settings.UPLOAD_MAX_BYTES = 4096
    client.force_login(supervisor_a)
    response = post_file(client, evidence_url(finding), "file", "ok.png", PNG)
    assert response.status_code == 302 and Evidence.objects.count() == 1


def test_evidence_is_downloaded_as_an_attachment_that_cannot_be_sniffed_into_a_page(
        client, supervisor_a, finding):
    """A name that tries to smuggle a second filename parameter into the header stays one
    quoted name."""
    client.force_login(supervisor_a)
    sneaky = 'evil&quot;; filename=&quot;page.html.png'
    assert post_file(client, evidence_url(finding), "file", sneaky, PNG).status_code == 302
    evidence = Evidence.objects.get()
    response = client.get(reverse("supervision:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    header = email.message.Message()
    header["Content-Disposition"] = response["Content-Disposition"]
    assert header.get_content_disposition() == "attachment"
    assert header.get_filename() == evidence.original_name == 'evil"; filename="page.html.png'


# Survey sheets ------------------------------------------------------------------------------

def sheet_with_an_error() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in COLUMNS])
    sheet.append(["" for _column in COLUMNS])  # a row with nothing in it: errors
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("filename", ["../../../../etc/passwd", "sheet.xlsx.exe",
                                      "..\\..\\sheet.xlsm", "sheet\x00.xlsx.sh"])
def test_a_survey_sheet_with_a_strange_name_or_type_is_refused_and_nothing_kept(
        client, officer_a, categories, media, filename):
    client.force_login(officer_a)
    response = post_file(client, reverse("ledgers:survey_import"), "sheet", filename,
                         b"#!/bin/sh\nrm -rf /\n")
    assert response.status_code == 400
    assert not Risk.objects.exists()
    assert files_under(media) == []


def test_the_marked_copy_of_a_bad_sheet_is_kept_under_a_name_of_ours(client, officer_a,
                                                                     categories, media):
    client.force_login(officer_a)
    response = post_file(client, reverse("ledgers:survey_import"), "sheet",
                         "../../../../tmp/../evil.xlsx", sheet_with_an_error())
    assert response.status_code == 400
    name = response.context["marked_copy"]
    assert re.fullmatch(r"[0-9a-f]{32}\.xlsx", name)
    assert files_under(media) == [f"media/ledger_imports/{officer_a.pk}/{name}"]


@pytest.mark.parametrize("name", [
    "..%2F..%2Fsecret.xlsx", "%2e%2e%2fsecret.xlsx", "..%5C..%5Csecret.xlsx",
    "secret%00.xlsx", "x" * 300 + ".xlsx", "..", "....xlsx", "secret.xlsx%00.png",
])
def test_marked_copies_cannot_be_reached_by_path_tricks(client, officer_a, media, name):
    """Files next to the user's folder and in another user's folder stay out of reach."""
    (media / "media" / "ledger_imports").mkdir(parents=True)
    (media / "media" / "ledger_imports" / "secret.xlsx").write_bytes(b"PK secret")
    (media / "media" / "secret.xlsx").write_bytes(b"PK secret")
    client.force_login(officer_a)
    response = client.get(f"/ledgers/import/marked/{name}")
    assert response.status_code == 404


def test_another_users_marked_copy_is_not_found(client, officer_a, colleague_a, media):
    folder = media / "media" / "ledger_imports" / str(colleague_a.pk)
    folder.mkdir(parents=True)
    (folder / "0123456789abcdef0123456789abcdef.xlsx").write_bytes(b"PK colleague")
    client.force_login(officer_a)
    response = client.get(reverse("ledgers:marked_copy",
                                  args=["0123456789abcdef0123456789abcdef.xlsx"]))
    assert response.status_code == 404
