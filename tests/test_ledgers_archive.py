"""The archive ledger: an archive number per matter, assigned once and never reused;
where the paper file is and what it holds; the printable archive sheet."""

import pytest
from django.urls import reverse

from ledgers import services
from ledgers.choices import ArchiveDocument
from ledgers.models import ArchiveFile, ArchiveNumberCounter
from quanfu.errors import Forbidden, RuleBroken


@pytest.fixture
def matter(report, officer_a):
    return report(officer_a)


def sheet_url(risk) -> str:
    return reverse("ledgers:archive_sheet", args=[risk.pk])


def test_filing_gives_a_number_once_and_keeps_it(matter, officer_a, colleague_a):
    first = services.file_archive(matter, actor=officer_a, location="社区档案室A柜3层",
                                  documents=[ArchiveDocument.REGISTRATION])
    again = services.file_archive(matter, actor=colleague_a, location="街道档案室",
                                  documents=[ArchiveDocument.REGISTRATION,
                                             ArchiveDocument.MEDIATION_AGREEMENT])
    assert again.number == first.number
    assert again.location == "街道档案室"
    assert again.documents == ["registration", "mediation_agreement"]
    assert ArchiveFile.objects.count() == 1


def test_numbers_are_unique_and_never_reused(report, officer_a):
    numbers = [services.file_archive(report(officer_a, title=f"纠纷{n}"), actor=officer_a).number
               for n in range(3)]
    assert len(set(numbers)) == 3
    assert numbers == sorted(numbers)
    # a number drawn but never used (a filing that failed) is not handed out again
    burnt = services.next_archive_number(2099)
    assert services.next_archive_number(2099) != burnt
    counter = ArchiveNumberCounter.objects.get(year=2099)
    assert counter.last_number == 2


def test_the_counter_is_raised_by_an_update_not_max_plus_one(report, officer_a):
    from datetime import date

    ArchiveNumberCounter.objects.create(year=date.today().year, last_number=41)
    archive = services.file_archive(report(officer_a), actor=officer_a)
    assert archive.number.endswith("-00042")


def test_unknown_document_is_refused_and_nothing_is_filed(matter, officer_a):
    with pytest.raises(RuleBroken):
        services.file_archive(matter, actor=officer_a, documents=["diary"])
    assert not ArchiveFile.objects.exists()


def test_a_role_that_may_not_edit_cannot_file(matter, supervisor_a, grid_worker_a1):
    for person in (supervisor_a, grid_worker_a1):
        with pytest.raises(Forbidden):
            services.file_archive(matter, actor=person)
    assert not ArchiveFile.objects.exists()


def test_archive_sheet_is_printable_and_files_the_matter(client, officer_a, matter):
    client.force_login(officer_a)
    page = client.get(sheet_url(matter)).content.decode()
    assert 'data-testid="archive-sheet"' in page and "css/ledgers.css" in page
    assert "data-print" in page and "<script>" not in page.replace("<script src", "")
    response = client.post(sheet_url(matter), {"location": "A柜", "documents": [
        "registration", "verification"]})
    assert response.status_code == 302
    page = client.get(sheet_url(matter)).content.decode()
    archive = ArchiveFile.objects.get(risk=matter)
    assert archive.number in page and 'data-held="true"' in page


def test_archive_sheet_of_another_community_is_404(client, officer_b, matter):
    client.force_login(officer_b)
    assert client.get(sheet_url(matter)).status_code == 404
    assert client.post(sheet_url(matter), {"location": "B"}).status_code == 404
    assert not ArchiveFile.objects.exists()


def test_supervisor_reads_but_cannot_file(client, supervisor_a, matter):
    client.force_login(supervisor_a)
    page = client.get(sheet_url(matter)).content.decode()
    assert 'data-testid="archive-form"' not in page
    assert client.post(sheet_url(matter), {"location": "X"}).status_code == 403
    assert not ArchiveFile.objects.exists()


def test_archive_ledger_lists_numbers_and_documents(client, leader, officer_a, matter):
    services.file_archive(matter, actor=officer_a, location="A柜",
                          documents=["registration", "write_off_approval"])
    client.force_login(leader)
    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get(reverse("api:ledger-export", args=["archive"]))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    row = [cell.value for cell in sheet[2]]
    assert row[1].startswith("QF-DA-") and row[11] == "A柜"
    assert row[12] == "排查登记表、销号审批表"


def test_demo_files_the_finished_matters_once(officer_a, ready_to_start, street):
    from ledgers.demo import load_archive_files
    from risks import services as risk_services

    risk = risk_services.start_risk(ready_to_start(), actor=officer_a)
    risk_services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    assert load_archive_files(street.street) == 1
    assert load_archive_files(street.street) == 0
    assert ArchiveFile.objects.get().documents[0] == "registration"
