"""Photos and files on a matter (现场照片与材料, issue 19): a grid worker's photo keeps
neither the place it was taken nor the phone that took it, is shrunk and gets a thumbnail;
what is not a photo or a PDF by its content is refused, whatever its name and type say;
an upload over the ceiling never reaches the disk; files are kept under names of ours,
fetched only through the matter's scope, as attachments that cannot be sniffed into a page,
each download logged; the report form takes several photos with the report, all or none.
"""

import email.message
import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.choices import AuditAction
from audit.models import AccessLog, AuditEntry
from quanfu.errors import Forbidden, RuleBroken
from risks import attachments, services
from risks.models import Attachment, Risk, RiskEvent
from risks.timeline import timeline_entries

CONTRACT_FIELDS = {"id", "name", "content_type", "size", "sha256", "uploaded_by",
                   "uploaded_at", "url"}
STORED_NAME = re.compile(r"risks/attachments/\d{4}/\d{2}/[0-9a-f]{32}(-thumb)?\.(jpg|png|webp|pdf)")
GPS_IFD, EXIF_MAKE, EXIF_MODEL, EXIF_ORIENTATION = 0x8825, 0x010F, 0x0110, 0x0112
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploading")
    (tmp_path / "uploading").mkdir()
    return tmp_path


@pytest.fixture
def matter(report, grid_worker_a1, roster_a1):
    return report(grid_worker_a1)


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def phone_photo(size=(3000, 2000), *, orientation=6) -> bytes:
    """A JPEG as a phone writes it: the place (GPS), the maker and model, and an
    orientation saying "turn me a quarter" (the pixels lie on their side)."""
    image = Image.new("RGB", size, (30, 120, 200))
    image.paste((220, 40, 40), (0, 0, size[0] // 3, size[1] // 3))  # a red corner
    exif = Image.Exif()
    exif[EXIF_MAKE] = "Apple"
    exif[EXIF_MODEL] = "iPhone 15 Pro"
    exif[EXIF_ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (36.0, 40.0, 12.5), 3: "E", 4: (117.0, 1.0, 30.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"owner: Zhang San")
    return buffer.getvalue()


def small_png(colour=(0, 160, 0)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def png_bomb(side=30_000) -> bytes:
    """A few dozen bytes whose header promises a 30,000 × 30,000 picture (900 million
    pixels): decoding it would take gigabytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def api_url(matter, *rest):
    return f"/api/v1/risks/{matter.pk}/attachments/" + "".join(f"{part}/" for part in rest)


def post_file(api, matter, name, content, content_type="image/jpeg"):
    return api.post(api_url(matter), {"file": upload(name, content, content_type)},
                    format="multipart")


def stored_bytes(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


# What is kept of a photo ------------------------------------------------------------------

def test_a_phone_photo_is_kept_without_its_place_and_device(api, grid_worker_a1, matter,
                                                            media):
    api.force_authenticate(grid_worker_a1)
    response = post_file(api, matter, "IMG_0001.jpg", phone_photo())
    assert response.status_code == 201, response.content
    item = Attachment.objects.get(risk=matter)
    kept = stored_bytes(item.file)
    stored = Image.open(io.BytesIO(kept))
    assert stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info
    assert "comment" not in stored.info and "icc_profile" not in stored.info
    for trace in (b"Apple", b"iPhone", b"Zhang San", b"GPS", b"Exif"):
        assert trace not in kept
    # turned upright by its orientation, then shrunk to 2560 px on its long side
    assert stored.size == (1707, 2560)
    red_corner = stored.getpixel((stored.width - 50, 50))
    assert red_corner[0] > 180 and red_corner[2] < 100
    assert item.sha256 == hashlib.sha256(kept).hexdigest() == response.json()["sha256"]
    assert item.size == len(kept) and item.content_type == "image/jpeg"


def test_a_photo_keeps_a_small_thumbnail(grid_worker_a1, matter):
    item = services.attach_file(matter, upload("现场.jpg", phone_photo()), actor=grid_worker_a1)
    thumbnail = Image.open(io.BytesIO(stored_bytes(item.thumbnail)))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == 320
    assert not thumbnail.getexif()
    assert item.thumbnail.size < 30_000


def test_files_are_kept_under_names_of_ours(grid_worker_a1, matter, media):
    item = services.attach_file(matter, upload("../../etc/张三家门口.jpg", phone_photo()),
                                actor=grid_worker_a1)
    assert STORED_NAME.fullmatch(item.file.name) and STORED_NAME.fullmatch(item.thumbnail.name)
    assert item.original_name == "张三家门口.jpg"
    assert files_under(media) == sorted([f"media/{item.file.name}",
                                         f"media/{item.thumbnail.name}"])


def test_a_png_stays_a_png_and_a_pdf_is_kept_as_sent(grid_worker_a1, matter):
    png = services.attach_file(matter, upload("截图.png", small_png(), "image/png"),
                               actor=grid_worker_a1)
    pdf = services.attach_file(matter, upload("调解协议.pdf", PDF, "application/pdf"),
                               actor=grid_worker_a1)
    assert png.content_type == "image/png" and png.file.name.endswith(".png")
    assert Image.open(io.BytesIO(stored_bytes(png.file))).format == "PNG" and png.thumbnail
    assert pdf.content_type == "application/pdf" and not pdf.thumbnail
    assert stored_bytes(pdf.file) == PDF and pdf.sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_photos_lose_their_metadata_too(grid_worker_a1, matter, kind):
    from PIL import PngImagePlugin

    exif = Image.Exif()
    exif[EXIF_MAKE] = "Xiaomi"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (36.0, 40.0, 12.5)})
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Zhang San")
    buffer = io.BytesIO()
    extra = {"pnginfo": text} if kind == "PNG" else {"xmp": b"<x:xmpmeta>Zhang San</x:xmpmeta>"}
    Image.new("RGBA", (900, 600), (0, 90, 200, 180)).save(buffer, kind, exif=exif.tobytes(),
                                                            **extra)
    item = services.attach_file(matter, upload(f"shot.{kind.lower()}", buffer.getvalue(),
                                               f"image/{kind.lower()}"), actor=grid_worker_a1)
    kept = stored_bytes(item.file)
    stored = Image.open(io.BytesIO(kept))
    assert stored.format == kind and stored.mode == "RGBA"  # transparency kept
    assert not stored.getexif() and b"Xiaomi" not in kept and b"Zhang San" not in kept


# What is refused --------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(document.cookie)'/>",
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"GIF89a\x01\x00\x01\x00 a GIF is not taken either",
    b"MZ\x90\x00 a Windows executable",
])
def test_a_page_or_drawing_sent_as_a_jpeg_is_refused_and_nothing_kept(
        api, grid_worker_a1, matter, media, content):
    api.force_authenticate(grid_worker_a1)
    response = post_file(api, matter, "photo.jpg", content, "image/jpeg")
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Attachment.objects.exists() and files_under(media / "media") == []


def test_a_broken_photo_is_refused_with_a_clear_message(api, grid_worker_a1, matter, media):
    api.force_authenticate(grid_worker_a1)
    response = post_file(api, matter, "photo.jpg", b"\xff\xd8\xff\xe0" + b"<html>" * 50)
    assert response.status_code == 400
    assert response.json() == {"file": ["照片无法读取：请重新发送 JPEG、PNG 或 WebP 格式的照片。"]}
    assert not Attachment.objects.exists() and files_under(media / "media") == []


def test_a_decompression_bomb_is_refused_before_it_is_decoded(grid_worker_a1, matter, media):
    with pytest.raises(RuleBroken) as refused:
        services.attach_file(matter, upload("bomb.png", png_bomb(), "image/png"),
                             actor=grid_worker_a1)
    assert refused.value.field == "file" and "50" in str(refused.value.message)
    assert not Attachment.objects.exists() and files_under(media / "media") == []


def test_a_file_over_its_limit_is_refused(api, grid_worker_a1, matter, media, settings):
    settings.RISK_ATTACHMENT_MAX_BYTES = 1024
    api.force_authenticate(grid_worker_a1)
    response = post_file(api, matter, "IMG.jpg", phone_photo((400, 300)))
    assert response.status_code == 400 and "file" in response.json()
    assert not Attachment.objects.exists() and files_under(media / "media") == []


def test_an_upload_over_the_ceiling_never_reaches_the_disk(api, grid_worker_a1, matter, media,
                                                           settings):
    """quanfu.uploads stops reading the request: no temporary file, nothing in MEDIA_ROOT,
    and the answer says why (not merely that the file is missing)."""
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    big = phone_photo() + b"\x00" * (400 * 1024)
    api.force_authenticate(grid_worker_a1)
    response = post_file(api, matter, "IMG_big.jpg", big)
    assert response.status_code == 400
    assert "一次发送的文件" in response.json()["file"][0]
    assert not Attachment.objects.exists()
    assert files_under(media) == []  # neither MEDIA_ROOT nor the temporary upload folder


def test_files_over_the_ceiling_on_the_page_are_refused_with_the_reason(client, grid_worker_a1,
                                                                        matter, media,
                                                                        settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:attachment_add", args=[matter.pk]), {
        "file": [upload("大.jpg", phone_photo() + b"\x00" * 300_000)]})
    assert response.status_code == 400
    assert "一次发送的文件" in response.context["attachment_form"].errors["file"][0]
    assert not Attachment.objects.exists() and files_under(media) == []


def test_a_refused_file_among_several_keeps_none_of_them(client, grid_worker_a1, matter,
                                                         media):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:attachment_add", args=[matter.pk]), {
        "file": [upload("a.jpg", phone_photo((600, 400))),
                 upload("b.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")]})
    assert response.status_code == 400
    assert "file" in response.context["attachment_form"].errors
    assert not Attachment.objects.exists() and files_under(media / "media") == []


def test_files_written_before_a_failure_are_removed(grid_worker_a1, matter, media,
                                                    monkeypatch):
    def broken_event(item, actor):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_attached_event", broken_event)
    with pytest.raises(RuntimeError):
        services.attach_file(matter, upload("现场.jpg", phone_photo((600, 400))),
                             actor=grid_worker_a1)
    assert not Attachment.objects.exists() and files_under(media / "media") == []


# Who may add files ------------------------------------------------------------------------

def test_those_who_see_the_matter_and_may_note_it_add_files(matter, grid_worker_a1, officer_a,
                                                            section_staff, supervisor_a):
    for person in (grid_worker_a1, officer_a):
        services.attach_file(matter, upload("现场.png", small_png(), "image/png"), actor=person)
    assert matter.attachments.count() == 2
    for outsider in (supervisor_a, section_staff):  # reads it; no note, not its section
        with pytest.raises(Forbidden):
            services.attach_file(matter, upload("x.png", small_png(), "image/png"),
                                 actor=outsider)
    assert matter.attachments.count() == 2


def test_a_written_off_or_void_matter_takes_no_more_files(matter, officer_a, media):
    void = services.reject_risk(matter, actor=officer_a, note="经核实不属于风险隐患。")
    with pytest.raises(RuleBroken) as refused:
        services.attach_file(void, upload("现场.png", small_png(), "image/png"),
                             actor=officer_a)
    assert refused.value.field == "file" and "作废" in str(refused.value.message)
    assert not Attachment.objects.exists() and files_under(media / "media") == []


def test_the_reporting_client_adds_photos_to_its_own_matter(api, report, api_client_user,
                                                            officer_a, street):
    own = report(api_client_user)
    other = report(officer_a)
    api.force_authenticate(api_client_user)
    assert post_file(api, own, "现场.png", small_png(), "image/png").status_code == 201
    assert post_file(api, other, "现场.png", small_png(), "image/png").status_code == 403
    assert other.attachments.count() == 0


def test_an_officer_of_another_community_finds_nothing(api, client, matter, grid_worker_a1,
                                                       officer_b):
    item = services.attach_file(matter, upload("现场.jpg", phone_photo((600, 400))),
                                actor=grid_worker_a1)
    logged = AccessLog.objects.count()
    api.force_authenticate(officer_b)
    for url in (api_url(matter), api_url(matter, item.pk), api_url(matter, item.pk, "file"),
                api_url(matter, item.pk, "thumbnail")):
        assert api.get(url).status_code == 404, url
    assert post_file(api, matter, "x.png", small_png(), "image/png").status_code == 404
    client.force_login(officer_b)
    for name in ("risks:attachment_download", "risks:attachment_thumbnail"):
        assert client.get(reverse(name, args=[matter.pk, item.pk])).status_code == 404
    assert client.post(reverse("risks:attachment_add", args=[matter.pk]),
                       {"file": upload("x.png", small_png(), "image/png")}).status_code == 404
    assert matter.attachments.count() == 1 and AccessLog.objects.count() == logged


def test_a_file_is_found_only_under_its_own_matter(api, report, matter, officer_a,
                                                   grid_worker_a1):
    item = services.attach_file(matter, upload("现场.png", small_png(), "image/png"),
                                actor=grid_worker_a1)
    another = report(officer_a)
    api.force_authenticate(officer_a)
    assert api.get(api_url(another, item.pk, "file")).status_code == 404


# Fetching ---------------------------------------------------------------------------------

def test_a_download_is_logged_and_served_as_an_attachment_that_cannot_be_sniffed(
        client, api, matter, grid_worker_a1, officer_a):
    item = services.attach_file(matter, upload('evil"; filename="page.html.jpg',
                                               phone_photo((600, 400))), actor=grid_worker_a1)
    client.force_login(officer_a)
    page = client.get(reverse("risks:attachment_download", args=[matter.pk, item.pk]),
                      REMOTE_ADDR="10.1.2.3")
    api.force_authenticate(officer_a)
    from_api = api.get(api_url(matter, item.pk, "file"), HTTP_ACCEPT="text/html")
    for response in (page, from_api):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        header = email.message.Message()
        header["Content-Disposition"] = response["Content-Disposition"]
        assert header.get_content_disposition() == "attachment"
        assert header.get_filename() == item.original_name
        assert b"".join(response.streaming_content) == stored_bytes(item.file)
    entries = AccessLog.objects.filter(actor=officer_a, target=f"risk:{matter.code}")
    assert entries.count() == 2
    assert entries.filter(ip_address="10.1.2.3", detail__startswith=f"attachment {item.pk}")


def test_a_thumbnail_is_shown_inline_and_cannot_be_sniffed_either(client, matter,
                                                                  grid_worker_a1):
    photo = services.attach_file(matter, upload("现场.jpg", phone_photo((600, 400))),
                                 actor=grid_worker_a1)
    document = services.attach_file(matter, upload("协议.pdf", PDF, "application/pdf"),
                                    actor=grid_worker_a1)
    client.force_login(grid_worker_a1)
    response = client.get(reverse("risks:attachment_thumbnail", args=[matter.pk, photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert client.get(reverse("risks:attachment_thumbnail",
                              args=[matter.pk, document.pk])).status_code == 404


# The API ----------------------------------------------------------------------------------

def test_the_api_lists_and_adds_files_as_the_contract_says(api, matter, grid_worker_a1):
    api.force_authenticate(grid_worker_a1)
    added = post_file(api, matter, "现场.jpg", phone_photo((800, 600)))
    assert added.status_code == 201
    body = added.json()
    assert CONTRACT_FIELDS <= set(body)
    item = Attachment.objects.get()
    assert body["name"] == "现场.jpg" and body["content_type"] == "image/jpeg"
    assert body["uploaded_by"] == {"id": grid_worker_a1.pk, "username": "grid_a1",
                                   "name": grid_worker_a1.display_name}
    assert body["url"].endswith(f"/api/v1/risks/{matter.pk}/attachments/{item.pk}/file/")
    assert body["thumbnail_url"].endswith(f"/attachments/{item.pk}/thumbnail/")
    assert body["uploaded_at"].endswith("+08:00")
    listed = api.get(api_url(matter)).json()
    assert listed["results"] == [body] and listed["next"] is None
    assert api.get(api_url(matter, item.pk)).json() == body


def test_an_api_post_without_a_file_says_so(api, matter, grid_worker_a1):
    api.force_authenticate(grid_worker_a1)
    response = api.post(api_url(matter), {"name": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_the_list_costs_the_same_however_many_files(api, matter, grid_worker_a1,
                                                    django_assert_max_num_queries):
    api.force_authenticate(grid_worker_a1)
    for number in range(2):
        services.attach_file(matter, upload(f"{number}.png", small_png(), "image/png"),
                             actor=grid_worker_a1)
    # the matter through the scope, the count, the page's rows with who added them
    with django_assert_max_num_queries(3):
        assert len(api.get(api_url(matter)).json()["results"]) == 2
    for number in range(5):
        services.attach_file(matter, upload(f"more{number}.png", small_png(), "image/png"),
                             actor=grid_worker_a1)
    with django_assert_max_num_queries(3):
        assert len(api.get(api_url(matter)).json()["results"]) == 7


# The history ------------------------------------------------------------------------------

def test_an_added_file_is_on_the_matters_history(matter, grid_worker_a1):
    before = matter.version
    services.attach_file(matter, upload("现场.png", small_png(), "image/png"),
                         actor=grid_worker_a1)
    matter.refresh_from_db()
    assert matter.version == before + 1
    event = RiskEvent.objects.filter(risk=matter).order_by("-id").first()
    assert (event.actor, event.action) == (grid_worker_a1, attachments.ATTACH_ACTION)
    entry = timeline_entries([event])[0]
    assert entry.title == "添加附件"
    assert [(change.label, change.new) for change in entry.changes] == [("文件", "现场.png")]


# The pages --------------------------------------------------------------------------------

def test_the_matter_page_shows_photos_files_and_the_form(client, matter, grid_worker_a1,
                                                         supervisor_a):
    photo = services.attach_file(matter, upload("现场.jpg", phone_photo((600, 400))),
                                 actor=grid_worker_a1)
    document = services.attach_file(matter, upload("协议.pdf", PDF, "application/pdf"),
                                    actor=grid_worker_a1)
    client.force_login(grid_worker_a1)
    html = client.get(reverse("risks:risk_detail", args=[matter.pk])).content.decode()
    assert "现场照片与材料" in html
    assert reverse("risks:attachment_thumbnail", args=[matter.pk, photo.pk]) in html
    assert reverse("risks:attachment_download", args=[matter.pk, document.pk]) in html
    assert 'enctype="multipart/form-data"' in html
    file_input = re.search(r'<input type="file" name="file"[^>]*>', html).group(0)
    assert 'accept="image/*,application/pdf"' in file_input and " multiple" in file_input
    client.force_login(supervisor_a)  # sees the files, may not add any
    html = client.get(reverse("risks:risk_detail", args=[matter.pk])).content.decode()
    assert reverse("risks:attachment_download", args=[matter.pk, document.pk]) in html
    assert 'data-testid="attachment-form"' not in html


def test_photos_added_on_the_page_come_back_to_its_block(client, matter, grid_worker_a1):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:attachment_add", args=[matter.pk]), {
        "file": [upload("一.jpg", phone_photo((600, 400))),
                 upload("二.png", small_png(), "image/png")]})
    assert response.status_code == 302
    assert response["Location"].endswith("#attachments")
    assert sorted(matter.attachments.values_list("original_name", flat=True)) == ["一.jpg",
                                                                                 "二.png"]


def report_data(street, categories, **overrides):
    data = {"area": street.grid_a1.pk, "category": categories["disputes"].pk, "subtype": "",
            "title": "楼道堆放杂物堵塞通道", "description": "3号楼楼道堆满纸箱，邻居多次投诉。",
            "source": "grid_patrol", "discovered_at": "", "party_name": "", "party_phone": "",
            "party_relation": "party"}
    data.update(overrides)
    return data


def test_the_report_form_offers_the_phones_camera(client, grid_worker_a1, categories):
    client.force_login(grid_worker_a1)
    html = client.get(reverse("risks:risk_create")).content.decode()
    photos = re.search(r'<input type="file" name="photos"[^>]*>', html).group(0)
    for attribute in ('accept="image/*"', 'capture="environment"', "multiple"):
        assert attribute in photos
    assert 'enctype="multipart/form-data"' in html


def test_a_report_with_two_photos_makes_one_matter_with_both(client, grid_worker_a1, street,
                                                             categories, roster_a1, media):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), report_data(
        street, categories, photos=[upload("一.jpg", phone_photo((1200, 900))),
                                    upload("二.jpg", phone_photo((900, 1200), orientation=1))]))
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert sorted(risk.attachments.values_list("original_name", flat=True)) == ["一.jpg",
                                                                               "二.jpg"]
    for item in risk.attachments.all():
        assert not Image.open(io.BytesIO(stored_bytes(item.file))).getexif()
        assert item.uploaded_by == grid_worker_a1
    assert len(files_under(media / "media")) == 4  # two photos, two thumbnails


def test_a_bad_photo_refuses_the_whole_report(client, grid_worker_a1, street, categories,
                                              roster_a1, media):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), report_data(
        street, categories, photos=[upload("一.jpg", phone_photo((1200, 900))),
                                    upload("二.jpg", b"<html><body>not a photo</body></html>")]))
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
    assert response.context["form"]["title"].value() == "楼道堆放杂物堵塞通道"  # kept as typed
    assert not Risk.objects.exists() and not Attachment.objects.exists()
    assert files_under(media / "media") == []


def test_a_report_whose_photos_pass_the_ceiling_saves_nothing(client, grid_worker_a1, street,
                                                             categories, roster_a1, media,
                                                             settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), report_data(
        street, categories, photos=[upload("大.jpg", phone_photo() + b"\x00" * 300_000)]))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["photos"]  # the fields typed above the photos arrived
    assert "一次发送的文件" in form.errors["photos"][0]
    assert not Risk.objects.exists() and files_under(media) == []


def test_a_report_without_photos_goes_on_as_before(client, grid_worker_a1, street, categories,
                                                   roster_a1):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), report_data(street, categories))
    assert response.status_code == 302
    assert Risk.objects.get().attachments.count() == 0


def test_an_added_file_is_in_the_audit_log(api, matter, grid_worker_a1):
    api.force_authenticate(grid_worker_a1)
    assert post_file(api, matter, "现场.png", small_png(), "image/png").status_code == 201
    item = Attachment.objects.get()
    entry = AuditEntry.objects.get(model_label="risks.attachment", object_id=str(item.pk),
                                   action=AuditAction.CREATE)
    assert entry.actor == grid_worker_a1 and entry.street_id == matter.street_id


def test_a_photo_sent_again_with_the_same_key_is_kept_once(api, matter, grid_worker_a1,
                                                           media, settings):
    """The phone's retry after a timeout (accounts.idempotency reads the multipart form
    through the same upload handlers, so the ceiling still holds)."""
    api.force_authenticate(grid_worker_a1)
    photo = phone_photo((800, 600))
    first, again = (api.post(api_url(matter), {"file": upload("现场.jpg", photo)},
                             format="multipart", HTTP_IDEMPOTENCY_KEY="draft-7f3a")
                    for _attempt in range(2))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and matter.attachments.count() == 1
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    too_big = api.post(api_url(matter), {"file": upload("大.jpg", photo + b"\x00" * 300_000)},
                       format="multipart", HTTP_IDEMPOTENCY_KEY="draft-8b1c")
    assert too_big.status_code == 400 and "一次发送的文件" in too_big.json()["file"][0]
    assert matter.attachments.count() == 1


# On the phone -----------------------------------------------------------------------------

DOWNSCALE_ON_THE_PHONE = """async ([moduleUrl, photo]) => {
  const { downscalePhoto } = await import(moduleUrl);
  const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));
  const file = new File([bytes], "IMG_0001.JPG", { type: "image/jpeg" });
  const smaller = await downscalePhoto(file);
  const picture = await createImageBitmap(smaller);
  const kept = new Uint8Array(await smaller.arrayBuffer());
  let binary = "";
  kept.forEach((byte) => { binary += String.fromCharCode(byte); });
  return { name: smaller.name, type: smaller.type, width: picture.width,
           height: picture.height, base64: btoa(binary) };
}"""


@pytest.mark.browser
def test_a_phone_makes_its_photo_smaller_and_reports_with_it(browser, live_server, tmp_path,
                                                             grid_worker_a1, roster_a1,
                                                             categories):
    """static/js/photo_downscale.js on a 390 px phone: a 4000 × 3000 photo lying on its
    side becomes an upright JPEG of 1920 × 2560 without its metadata; the report form,
    posted without script, sends it with the report."""
    import base64

    from django.templatetags.static import static

    from tests.conftest import log_in

    def phone_context(**options):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                      viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, **options)
        context.set_default_timeout(10_000)
        return context

    scripted, plain = phone_context(), phone_context(java_script_enabled=False)
    try:
        phone = scripted.new_page()
        log_in(phone, "grid_a1")
        phone.wait_for_url("**/")
        original = phone_photo((4000, 3000))
        smaller = phone.evaluate(DOWNSCALE_ON_THE_PHONE, [
            static("js/photo_downscale.js"), base64.b64encode(original).decode()])
        assert (smaller["name"], smaller["type"]) == ("IMG_0001.jpg", "image/jpeg")
        assert (smaller["width"], smaller["height"]) == (1920, 2560)
        sent = base64.b64decode(smaller["base64"])
        assert len(sent) < len(original) and b"Apple" not in sent and b"Exif" not in sent
        # with script, the file input's button and the chosen names are the page's words
        phone.goto(reverse("risks:risk_create"))
        names = phone.locator("[data-field=photos] [data-qf-file-names]")
        assert names.text_content() == "未选择文件"
        assert phone.locator("#id_photos").bounding_box()["width"] <= 1  # drawn as its button
        assert phone.locator("[data-field=photos] .qf-file-button").is_visible()
        phone.set_input_files("#id_photos", files=[
            {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": phone_photo((40, 30))}])
        assert names.text_content() == "IMG_0002.jpg"

        phone = plain.new_page()
        log_in(phone, "grid_a1")
        phone.wait_for_url("**/")
        phone.goto(reverse("risks:risk_create"))
        phone.select_option("#id_category", label="社会矛盾风险")
        phone.fill("#id_title", "楼道堆放杂物堵塞通道")
        phone.fill("#id_description", "3号楼楼道堆满纸箱，邻居多次投诉。")
        # without script the browser's own input shows, the whole width of the form
        assert phone.locator("#id_photos").bounding_box()["width"] > 300
        assert not phone.locator("[data-field=photos] .qf-file-button").is_visible()
        phone.set_input_files("#id_photos", files=[
            {"name": smaller["name"], "mimeType": "image/jpeg", "buffer": sent}])
        phone.click("[data-testid=report-submit]")
        phone.wait_for_url(re.compile(r"/risks/\d+/$"))
        phone.wait_for_selector("[data-testid=attachment-photo] img")
        item = Attachment.objects.get()
        assert item.risk.reported_by == grid_worker_a1
        assert Image.open(io.BytesIO(stored_bytes(item.file))).size == (1920, 2560)
        thumbnail = phone.request.get(reverse("risks:attachment_thumbnail",
                                              args=[item.risk_id, item.pk]))
        assert Image.open(io.BytesIO(thumbnail.body())).size == (240, 320)
        shots = Path("/tmp/shots/h2")
        if shots.is_dir():
            phone.screenshot(path=str(shots / "matter_with_photo_390.png"), full_page=True)
    finally:
        scripted.close()
        plain.close()
