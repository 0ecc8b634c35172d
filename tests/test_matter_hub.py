"""The matter's page as the hub: what the apps above the register add to it through
risks.matter_panels (whistle calls and meetings, listed supervision, campaigns, findings
with their evidence, the archive file), each scoped to the person; the next steps it
offers with the matter already chosen, to those who may take them; the forms they open
coming back to the matter; and a fixed number of queries however much the matter holds."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ledgers import services as ledger_services
from ledgers.models import ArchiveFile
from meetings import services as meeting_services
from meetings.choices import Decision
from meetings.models import MeetingItem, WhistleCall
from risks import services as risk_services
from risks.choices import Tier
from risks.matter_panels import registered_panels
from supervision import services as supervision_services
from supervision.models import ListedSupervision
from tests.authorization_helpers import photo_png
from tests.meetings_helpers import hold
from tests.supervision_helpers import days_from_today, find, inspect, seed_campaigns

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18"
       b"\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def page_of(client, user, risk):
    client.force_login(user)
    response = client.get(reverse("risks:risk_detail", args=[risk.pk]))
    assert response.status_code == 200
    return response


def steps_on(response) -> set[str]:
    return {step.name for step in response.context["next_steps"]}


def panels_on(response) -> set[str]:
    return {panel["name"] for panel in
            response.context["main_panels"] + response.context["side_panels"]}


@pytest.fixture
def matter(ready_to_start, officer_a):
    """A graded matter of grid A1 being resolved, at the community tier."""
    from risks.services import start_risk

    return start_risk(ready_to_start(), actor=officer_a)


def blow(risk, actor, department, hours=24):
    return meeting_services.blow_whistle(
        risk, actor=actor, departments=[department], request="请到场协助稳控。",
        respond_by=timezone.now() + timedelta(hours=hours))


def discuss(risk, officer, title="花园社区联席会议"):
    """A community meeting that discussed the matter, decided it and gave an action item."""
    meeting = hold(officer, Tier.COMMUNITY, risks=[risk], title=title)
    item = meeting.items.get(risk=risk)
    meeting_services.record_decision(item, actor=officer, decision=Decision.FOLLOW_UP,
                                     note="社区继续跟进化解。")
    meeting_services.add_action_item(meeting, actor=officer, title="入户做双方工作",
                                     deadline=days_from_today(5), owner=officer, item=item)
    return meeting


def find_with_evidence(supervisor, risk, street):
    finding = find(supervisor, inspect(supervisor, street.community_a), subject="matter",
                   risk=risk, description="化解进度滞后。")
    supervision_services.add_evidence(finding, actor=supervisor, upload=SimpleUploadedFile(
        "现场.png", PNG, content_type="image/png"))
    return finding


@pytest.fixture
def loaded(matter, street, officer_a, leader, supervisor_a, section_staff):
    """The matter with something in every panel: a whistle call with its report-in, a
    meeting's decision and action item, listed supervision, a campaign, a finding with a
    photo, and its archive file."""
    call = blow(matter, officer_a, street.department)
    meeting_services.report_in(call.reports.get(), actor=section_staff, responder="张科员",
                               plan="派员到场。")
    discuss(matter, officer_a)
    supervision_services.list_for_supervision(actor=leader, risk=matter, reason="化解缓慢。",
                                              deadline=days_from_today(7))
    campaigns = seed_campaigns()
    supervision_services.link_matter(campaigns["dispute_resolution"], actor=leader,
                                     risk=matter)
    find_with_evidence(supervisor_a, matter, street)
    ledger_services.file_archive(matter, actor=officer_a, location="A柜",
                                 documents=["registration", "verification"])
    matter.refresh_from_db()
    return matter


# The registry -----------------------------------------------------------------------------

def test_the_apps_above_the_register_fill_its_panels_in_order():
    assert [panel.name for panel in registered_panels()] == ["meetings", "supervision",
                                                             "ledgers"]


# What each person sees --------------------------------------------------------------------

def test_the_page_shows_every_panel_to_the_officer(client, loaded, officer_a):
    response = page_of(client, officer_a, loaded)
    content = response.content.decode()
    assert panels_on(response) == {"meetings", "supervision", "ledgers"}
    for testid in ("matter-whistle-calls", "matter-discussions", "matter-listings",
                   "listing-badge", "matter-campaigns", "matter-findings", "matter-archive",
                   "clocks", "approvals"):
        assert f'data-testid="{testid}"' in content, testid
    assert "张科员" in content and "派员到场" in content  # the report-in
    assert "社区继续跟进化解" in content and "入户做双方工作" in content  # decision, action item
    assert "现场.png" in content and "data-evidence" in content  # the finding's photo
    assert ArchiveFile.objects.get(risk=loaded).number in content


def test_a_grid_worker_is_not_shown_the_findings_they_may_not_see(client, loaded,
                                                                  grid_worker_a1):
    """Findings are seen by those whose scope holds the community (supervision.scoping):
    the grid worker named on the matter sees the rest of the hub, not them."""
    content = page_of(client, grid_worker_a1, loaded).content.decode()
    for testid in ("matter-whistle-calls", "matter-discussions", "matter-listings",
                   "matter-campaigns", "matter-archive"):
        assert f'data-testid="{testid}"' in content, testid
    assert 'data-testid="matter-findings"' not in content and "现场.png" not in content


PANEL_SECTIONS = re.compile(
    r'<section[^>]*data-testid="matter-(?:meetings|supervision|archive)".*?</section>', re.S)


@pytest.mark.parametrize("persona", ["officer_a", "grid_worker_a1", "leader", "supervisor_a"])
def test_every_link_in_the_panels_opens_for_the_person_shown_it(client, request, loaded,
                                                                 persona):
    content = page_of(client, request.getfixturevalue(persona), loaded).content.decode()
    links = {href for section in PANEL_SECTIONS.findall(content)
             for href in re.findall(r'href="([^"#]+)"', section)}
    assert links
    for href in links:
        assert client.get(href.replace("&amp;", "&")).status_code == 200, (persona, href)


def test_a_supervisor_of_another_community_never_opens_the_page(client, loaded, street):
    from tests.supervision_helpers import another_supervisor

    outsider = another_supervisor(street, communities=[street.community_b])
    client.force_login(outsider)
    assert client.get(reverse("risks:risk_detail", args=[loaded.pk])).status_code == 404


def test_the_community_listing_shows_to_those_who_see_the_community(client, matter, street,
                                                                     leader, officer_a,
                                                                     grid_worker_a1):
    supervision_services.list_for_supervision(actor=leader, community=street.community_a,
                                              reason="整体推进慢。",
                                              deadline=days_from_today(7))
    officer_page = page_of(client, officer_a, matter).content.decode()
    assert 'data-community-listing="true"' in officer_page
    worker_page = page_of(client, grid_worker_a1, matter).content.decode()
    assert 'data-community-listing="true"' not in worker_page


def test_a_bare_matter_shows_no_empty_panels(client, matter, grid_worker_a1):
    response = page_of(client, grid_worker_a1, matter)
    assert panels_on(response) == set()


# The next steps, by role ------------------------------------------------------------------

@pytest.mark.parametrize("persona,steps", [
    ("grid_worker_a1", {"whistle"}),
    ("officer_a", {"whistle", "archive"}),
    ("leader", {"whistle", "listing", "archive"}),
    ("supervisor_a", {"listing"}),
    ("section_staff", {"archive"}),  # the street's centre: no whistle, no listing
])
def test_each_role_is_offered_only_the_steps_it_may_take(client, request, matter, persona,
                                                         steps):
    user = request.getfixturevalue(persona)
    response = page_of(client, user, matter)
    assert steps_on(response) == steps
    content = response.content.decode()
    for name in {"whistle", "listing", "archive", "agenda"} - steps:
        assert f'data-testid="next-{name}"' not in content
    for step in response.context["next_steps"]:  # and each one opens for them
        assert client.get(step.url).status_code == 200, step.name


def test_no_listing_offered_once_listed_nor_filing_once_filed(client, loaded, leader):
    response = page_of(client, leader, loaded)
    assert steps_on(response) == {"whistle"}
    assert 'data-testid="archive-update"' in response.content.decode()


def test_a_closed_matter_offers_neither_whistle_nor_listing(client, report, officer_a,
                                                            leader):
    from risks.services import reject_risk

    voided = reject_risk(report(officer_a), actor=officer_a, note="经核实不属于风险隐患。")
    assert steps_on(page_of(client, leader, voided)) == {"archive"}


def test_the_officer_may_put_the_matter_on_a_draft_meeting(client, matter, officer_a,
                                                           grid_worker_a1):
    draft = hold(officer_a, Tier.COMMUNITY, title="下周联席会议")
    response = page_of(client, officer_a, matter)
    assert "agenda" in steps_on(response)
    assert f'data-testid="agenda-{draft.pk}"' in response.content.decode()
    assert "agenda" not in steps_on(page_of(client, grid_worker_a1, matter))


# The forms the steps open come back to the matter ----------------------------------------

def matter_url(risk, anchor):
    return f"{reverse('risks:risk_detail', args=[risk.pk])}#{anchor}"


def test_blowing_the_whistle_from_the_matter_comes_back_to_it(client, matter, grid_worker_a1,
                                                              street):
    client.force_login(grid_worker_a1)
    url = f"{reverse('meetings:whistle_create')}?risk={matter.pk}&back=matter"
    form = client.get(url).content.decode()
    assert 'data-testid="whistle-form"' in form and 'data-testid="back-to-matter"' in form
    respond_by = (timezone.localtime() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"departments": [street.department.pk],
                                 "respond_by": respond_by, "request": "请到场"})
    assert response.status_code == 302
    assert response["Location"] == matter_url(matter, "whistles")
    assert WhistleCall.objects.filter(risk=matter).count() == 1


def test_listing_from_the_matter_is_prefilled_and_comes_back_to_it(client, matter, leader):
    client.force_login(leader)
    url = f"{reverse('supervision:listing_create')}?risk={matter.pk}&back=matter"
    form = client.get(url)
    assert form.context["form"].initial == {"target": "matter", "risk": matter.code}
    assert 'data-testid="back-to-matter"' in form.content.decode()
    response = client.post(url, {"target": "matter", "risk": matter.code,
                                 "reason": "化解缓慢。",
                                 "deadline": days_from_today(7).isoformat()})
    assert response["Location"] == matter_url(matter, "supervision")
    assert ListedSupervision.objects.get().risk == matter


def test_listing_prefill_of_a_matter_outside_the_scope_names_nothing(client, report,
                                                                     officer_b, leader,
                                                                     supervisor_a):
    other = report(officer_b, area=officer_b.area)
    client.force_login(supervisor_a)  # their group covers community A only
    form = client.get(f"{reverse('supervision:listing_create')}?risk={other.pk}&back=matter")
    assert form.context["form"].initial["risk"] == ""
    assert 'data-testid="back-to-matter"' not in form.content.decode()


def test_filing_from_the_matter_comes_back_to_it(client, matter, officer_a):
    client.force_login(officer_a)
    url = f"{reverse('ledgers:archive_sheet', args=[matter.pk])}?back=matter"
    response = client.post(url, {"location": "A柜", "documents": ["registration"]})
    assert response["Location"] == matter_url(matter, "archive")
    assert ArchiveFile.objects.filter(risk=matter).exists()


def test_putting_on_the_agenda_from_the_matter_comes_back_to_it(client, matter, officer_a):
    draft = hold(officer_a, Tier.COMMUNITY, title="下周联席会议")
    client.force_login(officer_a)
    url = reverse("meetings:agenda_add", args=[draft.pk])
    response = client.post(url, {"risk": matter.pk, "back": "matter"})
    assert response["Location"] == matter_url(matter, "meetings")
    assert MeetingItem.objects.filter(meeting=draft, risk=matter).exists()
    # a second time the service refuses: said on the matter's page, nothing added
    again = client.post(url, {"risk": matter.pk, "back": "matter"}, follow=True)
    assert again.redirect_chain[-1][0] == matter_url(matter, "meetings")
    assert "已在议程中" in again.content.decode()
    assert MeetingItem.objects.filter(meeting=draft, risk=matter).count() == 1


def test_the_forms_opened_elsewhere_go_on_as_before(client, matter, grid_worker_a1, street):
    client.force_login(grid_worker_a1)
    respond_by = (timezone.localtime() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"{reverse('meetings:whistle_create')}?risk={matter.pk}", {
        "departments": [street.department.pk], "respond_by": respond_by, "request": "请到场"})
    call = WhistleCall.objects.get()
    assert response["Location"] == reverse("meetings:whistle_detail", args=[call.pk])


# Cost -------------------------------------------------------------------------------------

# The officer's page with every panel filled. The register's own page (its photos and
# files: one); then meetings: the calls, their report-ins, the agenda items, their action
# items, the draft meetings the officer may add it to; supervision: listings, campaign
# links, findings, their evidence; ledgers: the archive file. Measured once and pinned:
# more calls, meetings, listings, campaigns, findings and files must not add one.
MATTER_PAGE_QUERIES = 28


def test_the_page_costs_the_same_however_much_the_matter_holds(client, loaded, officer_a,
                                                               leader, supervisor_a, street,
                                                               django_assert_num_queries):
    client.force_login(officer_a)
    url = reverse("risks:risk_detail", args=[loaded.pk])
    hold(officer_a, Tier.COMMUNITY, title="下周联席会议")  # an agenda to offer
    client.get(url)  # the session and the caches warm
    with django_assert_num_queries(MATTER_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    for number in range(3):
        blow(loaded, officer_a, street.department)
        discuss(loaded, officer_a, title=f"第{number}次联席会议")
        find_with_evidence(supervisor_a, loaded, street)
        risk_services.attach_file(loaded, SimpleUploadedFile(
            f"现场{number}.png", photo_png(), content_type="image/png"), actor=officer_a)
    listing = ListedSupervision.objects.get(risk=loaded)
    supervision_services.lift_supervision(listing, actor=leader, note="已化解。")
    supervision_services.list_for_supervision(actor=leader, risk=loaded, reason="反复。",
                                              deadline=days_from_today(9))
    campaigns = seed_campaigns()
    supervision_services.link_matter(campaigns["key_groups"], actor=leader, risk=loaded)
    with django_assert_num_queries(MATTER_PAGE_QUERIES):
        assert client.get(url).status_code == 200
