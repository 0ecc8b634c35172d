"""Who sees which dashboard and which supervision records: a supervisor only their
group's communities, an officer only their community (another community's dashboard is
404, as if it did not exist), leaders their street; section staff and grid workers have
no dashboards. The API answers from the same scope."""

import pytest

from supervision import services
from supervision.models import Campaign
from tests.supervision_helpers import (
    MatterMaker,
    Spec,
    another_supervisor,
    days_from_today,
    find,
    group_of,
    inspect,
)


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


# Dashboards -------------------------------------------------------------------------------

def test_each_role_lands_on_the_dashboard_of_its_scope(client, leader, officer_a,
                                                       supervisor_a, street):
    expected = {leader: f"/supervision/street/{street.street.pk}/",
                officer_a: f"/supervision/community/{street.community_a.pk}/",
                supervisor_a: f"/supervision/groups/{group_of(supervisor_a).pk}/"}
    for user, url in expected.items():
        response = get(client, user, "/supervision/")
        assert response.status_code == 302 and response["Location"] == url
        assert get(client, user, url).status_code == 200


@pytest.mark.parametrize("persona", ["section_staff", "grid_worker_a1"])
def test_roles_without_whole_areas_have_no_dashboards(request, client, street, persona):
    user = request.getfixturevalue(persona)
    for url in ("/supervision/", f"/supervision/street/{street.street.pk}/",
                f"/supervision/community/{street.community_a.pk}/"):
        assert get(client, user, url).status_code == 403


def test_officer_gets_404_on_another_communitys_dashboard(client, officer_a, street):
    assert get(client, officer_a,
               f"/supervision/community/{street.community_a.pk}/").status_code == 200
    for url in (f"/supervision/community/{street.community_b.pk}/",
                f"/supervision/street/{street.street.pk}/",
                f"/supervision/community/{street.grid_a1.pk}/",
                "/supervision/community/999999/"):
        assert get(client, officer_a, url).status_code == 404, url


def test_supervisor_sees_only_their_groups_communities(client, supervisor_a, street,
                                                       categories, officer_a, officer_b,
                                                       leader, roster_a1):
    maker = MatterMaker(street, categories, officer_a, officer_b, leader)
    maker.make(Spec("a"))
    maker.make(Spec("b"))
    group = group_of(supervisor_a)
    response = get(client, supervisor_a, f"/supervision/groups/{group.pk}/")
    assert response.status_code == 200
    entries = response.context["card"].entries
    assert [entry.community for entry in entries] == [street.community_a]
    assert response.context["card"].overall.total == 1
    assert get(client, supervisor_a,
               f"/supervision/community/{street.community_a.pk}/").status_code == 200
    assert get(client, supervisor_a,
               f"/supervision/community/{street.community_b.pk}/").status_code == 404
    assert get(client, supervisor_a, f"/supervision/street/{street.street.pk}/").status_code \
        == 404


def test_a_supervisor_cannot_open_another_groups_scorecard(client, supervisor_a, street):
    outsider = another_supervisor(street)
    assert get(client, supervisor_a,
               f"/supervision/groups/{group_of(outsider).pk}/").status_code == 404


def test_leader_sees_every_group_of_the_street_and_the_whole_street(client, leader,
                                                                    supervisor_a, street):
    another_supervisor(street)
    response = get(client, leader, "/supervision/groups/")
    assert response.status_code == 200 and len(response.context["groups"]) == 2
    board = get(client, leader, f"/supervision/street/{street.street.pk}/").context["board"]
    assert [row.area for row in board.rows] == [street.community_a, street.community_b]


def test_officer_cannot_open_a_groups_scorecard(client, officer_a, supervisor_a):
    assert get(client, officer_a,
               f"/supervision/groups/{group_of(supervisor_a).pk}/").status_code == 404


def test_leader_of_another_street_sees_nothing_of_this_one(client, other_street_leader,
                                                           supervisor_a, street):
    for url in (f"/supervision/street/{street.street.pk}/",
                f"/supervision/community/{street.community_a.pk}/",
                f"/supervision/groups/{group_of(supervisor_a).pk}/"):
        assert get(client, other_street_leader, url).status_code == 404


# Records ----------------------------------------------------------------------------------

@pytest.fixture
def findings(supervisor_a, street):
    in_a = find(supervisor_a, inspect(supervisor_a, street.community_a))
    outsider = another_supervisor(street)
    in_b = find(outsider, inspect(outsider, street.community_b))
    return in_a, in_b


def test_findings_are_seen_within_the_scope(client, findings, supervisor_a, officer_a,
                                            officer_b, leader):
    in_a, in_b = findings
    seen = {user: {finding.pk for finding in get(client, user, "/supervision/findings/")
                   .context["findings"]} for user in (supervisor_a, officer_a, officer_b,
                                                      leader)}
    assert seen == {supervisor_a: {in_a.pk}, officer_a: {in_a.pk}, officer_b: {in_b.pk},
                    leader: {in_a.pk, in_b.pk}}
    assert get(client, officer_b, f"/supervision/findings/{in_a.pk}/").status_code == 404
    assert get(client, supervisor_a, f"/supervision/findings/{in_b.pk}/").status_code == 404


def test_a_notice_reaches_officers_only_once_sent_to_their_community(client, findings,
                                                                     supervisor_a,
                                                                     officer_a, officer_b):
    in_a, _in_b = findings
    notice = services.draft_notice(actor=supervisor_a, group=group_of(supervisor_a),
                                   findings=[in_a])
    url = f"/supervision/notices/{notice.pk}/"
    assert get(client, officer_a, url).status_code == 404  # a draft is the group's own
    assert get(client, supervisor_a, url).status_code == 200
    services.send_notice(notice, actor=supervisor_a)
    assert get(client, officer_a, url).status_code == 200
    assert get(client, officer_b, url).status_code == 404


def test_listings_are_seen_within_the_scope(client, leader, officer_a, officer_b,
                                            supervisor_a, street):
    listing = services.list_for_supervision(actor=leader, community=street.community_a,
                                            reason="理由", deadline=days_from_today(5))
    url = f"/supervision/listings/{listing.pk}/"
    assert get(client, officer_a, url).status_code == 200
    assert get(client, supervisor_a, url).status_code == 200
    assert get(client, officer_b, url).status_code == 404
    listed = get(client, officer_b, "/supervision/listings/").context["listings"]
    assert list(listed) == []


def test_campaign_tasks_are_seen_by_their_owners_and_the_street(client, leader, officer_a,
                                                                officer_b, section_staff,
                                                                street):
    campaign = Campaign.objects.get(code="campus_safety")
    services.add_campaign_task(campaign, actor=leader, title="护学岗",
                               owner_community=street.community_a, deadline=days_from_today(5))
    services.add_campaign_task(campaign, actor=leader, title="校园排查",
                               owner_department=street.department,
                               deadline=days_from_today(5))
    url = f"/supervision/campaigns/{campaign.pk}/"
    titles = {user: {task.title for task in get(client, user, url).context["tasks"]}
              for user in (leader, officer_a, officer_b, section_staff)}
    assert titles == {leader: {"护学岗", "校园排查"}, officer_a: {"护学岗"}, officer_b: set(),
                      section_staff: {"护学岗", "校园排查"}}


# The API ----------------------------------------------------------------------------------

def test_api_findings_are_scoped(api, findings, supervisor_a, officer_b):
    in_a, in_b = findings
    api.force_authenticate(supervisor_a)
    body = api.get("/api/v1/supervision-findings/").json()
    assert [row["id"] for row in body["results"]] == [in_a.pk]
    assert api.get(f"/api/v1/supervision-findings/{in_b.pk}/").status_code == 404
    api.force_authenticate(officer_b)
    assert [row["id"] for row in api.get("/api/v1/supervision-findings/").json()["results"]] \
        == [in_b.pk]


def test_api_findings_filter_like_the_pages(api, findings, leader):
    in_a, _in_b = findings
    api.force_authenticate(leader)
    rows = api.get("/api/v1/supervision-findings/", {"community": in_a.community_id}).json()
    assert [row["id"] for row in rows["results"]] == [in_a.pk]
    assert rows["results"][0]["overdue"] is False


def test_api_listed_supervision_and_campaigns_are_scoped(api, leader, officer_b, street):
    listing = services.list_for_supervision(actor=leader, community=street.community_a,
                                            reason="理由", deadline=days_from_today(5))
    campaign = Campaign.objects.get(code="key_groups")
    services.add_campaign_task(campaign, actor=leader, title="帮扶",
                               owner_community=street.community_a, deadline=days_from_today(5))
    api.force_authenticate(leader)
    assert [row["id"] for row in api.get("/api/v1/listed-supervisions/").json()["results"]] \
        == [listing.pk]
    tasks = api.get(f"/api/v1/campaigns/{campaign.pk}/").json()["tasks"]
    assert [task["title"] for task in tasks] == ["帮扶"]
    api.force_authenticate(officer_b)
    assert api.get("/api/v1/listed-supervisions/").json()["results"] == []
    assert api.get(f"/api/v1/campaigns/{campaign.pk}/").json()["tasks"] == []
    assert len(api.get("/api/v1/campaigns/").json()["results"]) == 6


def test_api_needs_authentication(client, db):
    for url in ("/api/v1/supervision-findings/", "/api/v1/listed-supervisions/",
                "/api/v1/campaigns/"):
        assert client.get(url).status_code in (401, 403)
