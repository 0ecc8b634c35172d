"""The supervision pages: an inspection and its findings recorded, rectified and accepted
through the forms, evidence uploaded, a notice drafted from ticked findings, printed and
sent, listed supervision put on and lifted, campaign tasks given and reported on. A
refused request changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inbox.models import Message
from supervision.choices import FindingStatus, ListingStatus, NoticeStatus, TaskStatus
from supervision.models import (
    Campaign,
    CampaignTask,
    Finding,
    Inspection,
    ListedSupervision,
    Notice,
)
from tests.supervision_helpers import MatterMaker, Spec, days_from_today, find, group_of, inspect

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def as_user(client, user):
    client.force_login(user)
    return client


def test_navigation_shows_supervision_to_each_role(client, leader, officer_a, supervisor_a,
                                                   section_staff):
    for user, sees_dashboards in ((leader, True), (officer_a, True), (supervisor_a, True),
                                  (section_staff, False)):
        labels = [item["url"] for item in as_user(client, user).get("/").context[
            "navigation_items"]]
        assert ("/supervision/" in labels) == sees_dashboards
        assert "/supervision/inspections/" in labels and "/supervision/campaigns/" in labels


def test_supervisor_records_an_inspection_and_a_finding_through_the_pages(client,
                                                                          supervisor_a,
                                                                          street, officer_a):
    pages = as_user(client, supervisor_a)
    response = pages.post("/supervision/inspections/new/", {
        "group": group_of(supervisor_a).pk, "community": street.community_a.pk,
        "held_on": days_from_today(-1).isoformat(), "kind": "concentrated",
        "manner": "unannounced", "checked": "暗访网格员入户走访情况。"})
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and inspection.manner == "unannounced"
    response = pages.post(f"/supervision/inspections/{inspection.pk}/findings/", {
        "severity": "serious", "subject": "ledger", "ledger": "archive",
        "description": "档案缺失。", "rectification_required": "补齐档案。",
        "deadline": days_from_today(5).isoformat()})
    finding = Finding.objects.get()
    assert response["Location"] == f"/supervision/findings/{finding.pk}/"
    assert Message.objects.filter(recipient=officer_a, kind="supervision_finding").exists()


def test_a_finding_form_error_is_shown_next_to_its_field(client, supervisor_a, street):
    inspection = inspect(supervisor_a, street.community_a)
    response = as_user(client, supervisor_a).post(
        f"/supervision/inspections/{inspection.pk}/findings/", {
            "severity": "general", "subject": "matter", "risk": "QF-1999-000001",
            "description": "x", "rectification_required": "y",
            "deadline": days_from_today(5).isoformat()})
    assert response.status_code == 400
    assert "risk" in response.context["finding_form"].errors
    assert not Finding.objects.exists()


def test_officer_cannot_record_an_inspection(client, officer_a, supervisor_a, street):
    response = as_user(client, officer_a).post("/supervision/inspections/new/", {
        "group": group_of(supervisor_a).pk, "community": street.community_a.pk,
        "held_on": days_from_today(-1).isoformat(), "kind": "routine", "manner": "announced",
        "checked": "台账"})
    assert response.status_code == 403 and not Inspection.objects.exists()


def test_rectify_then_accept_through_the_finding_page(client, supervisor_a, officer_a,
                                                      street):
    finding = find(supervisor_a, inspect(supervisor_a, street.community_a))
    url = f"/supervision/findings/{finding.pk}/"
    page = as_user(client, officer_a).get(url)
    assert page.context["may_rectify"] and not page.context["may_accept"]
    assert as_user(client, officer_a).post(f"{url}accept/", {"note": ""}).status_code == 403
    response = as_user(client, officer_a).post(f"{url}submit/", {"note": ""})
    assert response.status_code == 400 and "note" in response.context["rectify_form"].errors
    assert as_user(client, officer_a).post(f"{url}submit/", {"note": "已整改。"}).status_code \
        == 302
    page = as_user(client, supervisor_a).get(url)
    assert page.context["may_accept"]
    assert as_user(client, supervisor_a).post(f"{url}accept/", {"note": "属实。"}).status_code \
        == 302
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CLOSED


def test_evidence_upload_refuses_a_disguised_file_next_to_the_field(client, supervisor_a,
                                                                    street):
    finding = find(supervisor_a, inspect(supervisor_a, street.community_a))
    pages = as_user(client, supervisor_a)
    url = f"/supervision/findings/{finding.pk}/evidence/add/"
    response = pages.post(url, {"file": SimpleUploadedFile("照片.jpg", b"MZ\x90\x00evil")})
    assert response.status_code == 400 and "file" in response.context["evidence_form"].errors
    assert not finding.evidence.exists()
    assert pages.post(url, {"file": SimpleUploadedFile("照片.png", PNG)}).status_code == 302
    assert finding.evidence.get().content_type == "image/png"


def test_notice_drafted_from_ticked_findings_printed_and_sent(client, supervisor_a,
                                                              officer_a, street):
    inspection = inspect(supervisor_a, street.community_a)
    first, second = find(supervisor_a, inspection), find(supervisor_a, inspection,
                                                         description="零报告未按时提交。")
    pages = as_user(client, supervisor_a)
    form = pages.get(f"/supervision/notices/new/?findings={first.pk}&findings={second.pk}")
    assert set(form.context["form"].initial["findings"]) == {str(first.pk), str(second.pk)}
    response = pages.post("/supervision/notices/new/", {
        "group": group_of(supervisor_a).pk, "findings": [first.pk, second.pk]})
    notice = Notice.objects.get()
    assert response["Location"] == f"/supervision/notices/{notice.pk}/"
    assert "零报告未按时提交" in notice.body
    printed = pages.get(f"/supervision/notices/{notice.pk}/print/")
    assert printed.status_code == 200
    content = printed.content.decode()
    assert "css/supervision.css" in content and 'data-testid="printable-notice"' in content
    assert pages.post(f"/supervision/notices/{notice.pk}/send/").status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert notice.number in pages.get(f"/supervision/notices/{notice.pk}/print/").content \
        .decode()
    assert Message.objects.filter(recipient=officer_a, kind="supervision_notice").count() == 1


def test_an_officer_cannot_send_a_notice(client, supervisor_a, officer_a, street):
    finding = find(supervisor_a, inspect(supervisor_a, street.community_a))
    from supervision import services

    notice = services.send_notice(services.draft_notice(
        actor=supervisor_a, group=group_of(supervisor_a), findings=[finding]),
        actor=supervisor_a)
    assert as_user(client, officer_a).post(
        f"/supervision/notices/{notice.pk}/send/").status_code == 403


def test_listing_put_on_and_lifted_through_the_pages(client, leader, street, categories,
                                                     officer_a, officer_b, roster_a1):
    matter = MatterMaker(street, categories, officer_a, officer_b, leader).make(Spec("a"))
    pages = as_user(client, leader)
    assert pages.get(f"/supervision/listings/new/?risk={matter.code}").status_code == 200
    response = pages.post("/supervision/listings/new/", {
        "target": "matter", "risk": matter.code, "reason": "化解缓慢。",
        "deadline": days_from_today(7).isoformat()})
    listing = ListedSupervision.objects.get()
    assert response["Location"] == f"/supervision/listings/{listing.pk}/"
    board = pages.get(f"/supervision/street/{street.street.pk}/")
    assert listing in board.context["board"].listings
    assert f'data-listing="{listing.pk}"' in board.content.decode()
    response = pages.post(f"/supervision/listings/{listing.pk}/lift/", {"note": ""})
    assert response.status_code == 400
    assert ListedSupervision.objects.get().status == ListingStatus.ACTIVE
    pages.post(f"/supervision/listings/{listing.pk}/lift/", {"note": "已化解。"})
    assert ListedSupervision.objects.get().status == ListingStatus.LIFTED
    assert listing not in pages.get(f"/supervision/street/{street.street.pk}/").context[
        "board"].listings


def test_officer_cannot_list_through_the_page(client, officer_a, street):
    response = as_user(client, officer_a).post("/supervision/listings/new/", {
        "target": "community", "community": street.community_a.pk, "reason": "x",
        "deadline": days_from_today(7).isoformat()})
    assert response.status_code == 403 and not ListedSupervision.objects.exists()


def test_campaign_task_given_reported_and_a_matter_linked_through_the_pages(
        client, leader, officer_a, officer_b, street, categories, roster_a1):
    campaign = Campaign.objects.get(code="dispute_resolution")
    url = f"/supervision/campaigns/{campaign.pk}/"
    assert as_user(client, leader).post(f"{url}tasks/", {
        "title": "矛盾逐一建账", "owner_community": street.community_a.pk,
        "deadline": days_from_today(9).isoformat()}).status_code == 302
    task = CampaignTask.objects.get()
    report_url = f"/supervision/campaign-tasks/{task.pk}/report/"
    assert as_user(client, officer_b).post(report_url, {
        "note": "x", "progress": 10, "status": "in_progress"}).status_code == 404
    assert as_user(client, officer_a).post(report_url, {
        "note": "已建账。", "progress": 100, "status": "done"}).status_code == 302
    assert CampaignTask.objects.get().status == TaskStatus.DONE
    matter = MatterMaker(street, categories, officer_a, officer_b, leader).make(Spec("a"))
    assert as_user(client, officer_a).post(f"{url}link/", {"risk": matter.code}).status_code \
        == 302
    page = as_user(client, officer_a).get(url)
    assert [link.risk for link in page.context["links"]] == [matter]
    listing = as_user(client, leader).get("/supervision/campaigns/").context["campaigns"][0]
    assert (listing["tasks"], listing["done"], listing["matters"]) == (1, 1, 1)


def test_every_supervision_page_renders_for_every_person(client, leader, officer_a,
                                                         supervisor_a, section_staff,
                                                         grid_worker_a1, street):
    finding = find(supervisor_a, inspect(supervisor_a, street.community_a))
    for user in (leader, officer_a, supervisor_a, section_staff, grid_worker_a1):
        pages = as_user(client, user)
        for url in ("/supervision/inspections/", "/supervision/findings/",
                    "/supervision/notices/", "/supervision/listings/",
                    "/supervision/campaigns/",
                    f"/supervision/campaigns/{Campaign.objects.first().pk}/"):
            assert pages.get(url).status_code == 200, (user.username, url)
        expected = 404 if user == grid_worker_a1 else 200
        assert pages.get(f"/supervision/findings/{finding.pk}/").status_code == expected
