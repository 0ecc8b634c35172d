"""The register's REST API as the district platform uses it (API_CONTRACT.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from risks import services
from risks.models import Risk, RiskEvent

CONTRACT_FIELDS = {"id", "code", "title", "description", "category", "subtype", "area",
                   "department", "source", "level", "status", "tier", "discovered_at",
                   "created_at", "updated_at", "due_on", "closed_at", "duties", "lead",
                   "version"}


def new_matter(street, **extra):
    return {"title": "小区物业费纠纷", "description": "业主对物业服务不满，拒缴物业费。",
            "category": "mass_interest", "subtype": "real_estate", "area": street.grid_a1.pk,
            "source": "hotline_12345", **extra}


# Reading -----------------------------------------------------------------------------

def test_anonymous_requests_get_401(api, street):
    assert api.get("/api/v1/risks/").status_code == 401
    assert api.post("/api/v1/risks/", {}, format="json").status_code == 401


def test_a_matter_has_every_contract_field(api, report, officer_a, grid_worker_a1,
                                           roster_a1):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    body = api.get(f"/api/v1/risks/{risk.pk}/").json()
    assert CONTRACT_FIELDS <= set(body)
    assert body["category"] == "disputes" and body["code"] == risk.code
    assert body["duties"] == {"dispatch": officer_a.pk, "investigate": grid_worker_a1.pk,
                              "resolve": officer_a.pk, "stabilize": grid_worker_a1.pk}
    assert body["updated_at"].endswith("+08:00")


def test_categories_list_the_seven_with_subtypes(api, street, officer_a, categories):
    api.force_authenticate(officer_a)
    body = api.get("/api/v1/categories/").json()
    assert [row["code"] for row in body] == ["political", "mass_interest", "key_persons",
                                             "disputes", "public_order", "cyber",
                                             "serious_crime"]
    disputes = api.get("/api/v1/categories/disputes/").json()
    assert {"code": "neighbour", "name": "邻里纠纷", "active": True,
            "replaced_by": None} in disputes["subtypes"]


def test_officer_cannot_see_other_community_matters(api, report, officer_a, officer_b,
                                                    street):
    theirs = report(officer_b, area=street.grid_b1)
    api.force_authenticate(officer_a)
    assert api.get(f"/api/v1/risks/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/risks/{theirs.pk}/events/").status_code == 404
    assert api.post(f"/api/v1/risks/{theirs.pk}/transition/",
                    {"action": "verify"}, format="json").status_code == 404
    assert api.patch(f"/api/v1/risks/{theirs.pk}/", {"version": 1, "title": "x"},
                     format="json").status_code == 404
    assert api.get("/api/v1/risks/").json()["results"] == []
    assert Risk.objects.get(pk=theirs.pk).version == 1


def test_section_staff_see_their_departments_matters_street_wide(api, report, officer_a,
                                                                 officer_b, social_staff,
                                                                 street):
    ours = report(officer_b, area=street.grid_b1, department=social_staff.department)
    report(officer_a)  # no department: not theirs
    api.force_authenticate(social_staff)
    assert [row["id"] for row in api.get("/api/v1/risks/").json()["results"]] == [ours.pk]


def test_the_streets_centre_sees_every_matter_of_its_street(api, report, officer_a, officer_b,
                                                           section_staff, street):
    """平安办 receives, dispatches and arbitrates (集中受理、分流办理): its whole street."""
    matters = [report(officer_b, area=street.grid_b1), report(officer_a)]
    api.force_authenticate(section_staff)
    seen = {row["id"] for row in api.get("/api/v1/risks/").json()["results"]}
    assert seen == {risk.pk for risk in matters}


def test_supervisor_reads_their_groups_communities_only(api, report, officer_a, officer_b,
                                                        supervisor_a, street):
    ours, theirs = report(officer_a), report(officer_b, area=street.grid_b1)
    api.force_authenticate(supervisor_a)
    assert [row["id"] for row in api.get("/api/v1/risks/").json()["results"]] == [ours.pk]
    assert api.get(f"/api/v1/risks/{theirs.pk}/").status_code == 404
    response = api.post(f"/api/v1/risks/{ours.pk}/transition/",
                        {"action": "verify", "version": 1}, format="json")
    assert response.status_code == 403
    assert Risk.objects.get(pk=ours.pk).status == "reported"


@pytest.mark.parametrize("query,expected", [
    ({"status": "verified"}, ["verified"]),
    ({"level": "high"}, ["high"]),
    ({"category": "cyber"}, ["cyber"]),
    ({"q": "诈骗"}, ["cyber"]),
    ({"tier": "street"}, ["street-tier"]),
    ({"source": "police_110"}, ["cyber"]),
    ({"overdue": "true"}, ["overdue"]),
])
def test_filters_of_the_contract(api, report, officer_a, leader, roster_a1, categories,
                                 street, query, expected):
    labelled = {}
    risk = report(officer_a, title="普通纠纷")
    labelled[risk.pk] = "plain"
    risk = services.verify_risk(report(officer_a, title="已核实纠纷"), actor=officer_a)
    labelled[risk.pk] = "verified"
    risk = report(officer_a, title="高风险纠纷")
    risk = services.update_risk(risk, actor=officer_a, version=1,
                                changes={"level": "high", "lead": leader})
    labelled[risk.pk] = "high"
    risk = report(officer_a, title="冒充客服诈骗", category=categories["cyber"],
                  source="police_110")
    labelled[risk.pk] = "cyber"
    risk = report(officer_a, title="提请街道的纠纷")
    risk = services.escalate_risk(risk, actor=officer_a, note="社区调解未果")
    labelled[risk.pk] = "street-tier"
    risk = report(officer_a, title="逾期纠纷", due_on=timezone.localdate() - timedelta(days=1))
    labelled[risk.pk] = "overdue"
    api.force_authenticate(officer_a)
    response = api.get("/api/v1/risks/", query)
    assert response.status_code == 200
    assert [labelled[row["id"]] for row in response.json()["results"]] == expected


def test_within_filter_takes_a_subtree_and_404s_outside_scope(api, report, officer_a,
                                                              leader, street):
    in_micro = report(officer_a, area=street.micro_a1)
    report(officer_a, area=street.grid_a2)
    api.force_authenticate(leader)
    rows = api.get("/api/v1/risks/", {"within": street.grid_a1.pk}).json()["results"]
    assert [row["id"] for row in rows] == [in_micro.pk]
    api.force_authenticate(officer_a)
    assert api.get("/api/v1/risks/", {"within": street.community_b.pk}).status_code == 404


def test_ordering_by_level_puts_high_first(api, report, officer_a, leader):
    low = services.update_risk(report(officer_a), actor=officer_a, version=1,
                               changes={"level": "low"})
    high = services.update_risk(report(officer_a), actor=officer_a, version=1,
                                changes={"level": "high", "lead": leader})
    api.force_authenticate(officer_a)
    rows = api.get("/api/v1/risks/", {"ordering": "level"}).json()["results"]
    assert [row["id"] for row in rows] == [high.pk, low.pk]


@pytest.mark.parametrize("rows", [10, 200])
def test_list_runs_a_fixed_number_of_queries(api, report, officer_a, roster_a1, rows,
                                             django_assert_max_num_queries):
    for _ in range(rows):
        report(officer_a)
    api.force_authenticate(officer_a)
    # scope roots are on the user; count + one page with category and subtype joined
    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/risks/", {"page_size": 500})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [10, 200])
def test_sync_walk_page_runs_a_fixed_number_of_queries(api, report, officer_a, rows, settings,
                                                       django_assert_max_num_queries):
    settings.SYNC_SETTLE_SECONDS = 0
    for _ in range(rows):
        report(officer_a)
    api.force_authenticate(officer_a)
    with django_assert_max_num_queries(2):
        response = api.get("/api/v1/risks/", {"ordering": "updated_at", "page_size": 500})
    assert len(response.json()["results"]) == rows


def test_the_fast_representation_is_exactly_what_drf_fields_give(report, officer_a, street,
                                                                 categories):
    from rest_framework import serializers

    from risks.api.serializers import RiskDetailSerializer, RiskSerializer

    open_one = report(officer_a, area=street.micro_a1)
    graded = services.update_risk(report(officer_a), actor=officer_a, version=1,
                                  changes={"level": "high"})
    risk_without_subtype = report(officer_a, category=categories["disputes"])
    for risk in (open_one, graded, risk_without_subtype):
        risk = Risk.objects.select_related("category", "subtype").get(pk=risk.pk)
        fast = RiskSerializer(risk).data
        generic = serializers.ModelSerializer.to_representation(RiskSerializer(), risk)
        assert fast == dict(generic)
    request = type("Request", (), {"user": officer_a})()
    detail = RiskDetailSerializer(risk, context={"request": request}).data
    assert {"parties", "available_actions"} <= set(detail)


def test_list_pages_read_plain_rows_that_serialise_as_the_matters_do(api, report, officer_a,
                                                                   street, categories,
                                                                   settings):
    from risks.api.serializers import RiskSerializer

    settings.SYNC_SETTLE_SECONDS = 0
    graded = services.update_risk(report(officer_a), actor=officer_a, version=1,
                                  changes={"level": "high"})
    made = [report(officer_a, area=street.micro_a1).pk, graded.pk,
            report(officer_a, category=categories["disputes"]).pk]
    api.force_authenticate(officer_a)
    for params in ({}, {"page": 1}, {"ordering": "updated_at", "updated_after":
                                     "2000-01-01T00:00:00Z"}):
        listed = {row["id"]: row for row in api.get("/api/v1/risks/", params).json()["results"]}
        for risk in Risk.objects.select_related("category", "subtype").filter(pk__in=made):
            assert listed[risk.pk] == RiskSerializer(risk).data


def test_following_next_walks_every_matter_newest_first_exactly_once(api, report, officer_a):
    made = [report(officer_a).pk for _ in range(7)]
    api.force_authenticate(officer_a)
    seen, url, pages = [], "/api/v1/risks/?page_size=3", 0
    while url:
        body = api.get(url).json()
        assert body["count"] == 7
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    expected = list(Risk.objects.filter(pk__in=made).order_by("-updated_at", "-id")
                    .values_list("pk", flat=True))
    assert seen == expected and pages == 3


def test_next_links_are_cursors_not_offsets(api, report, officer_a):
    for _ in range(3):
        report(officer_a)
    api.force_authenticate(officer_a)
    link = api.get("/api/v1/risks/", {"page_size": 2}).json()["next"]
    assert "cursor=" in link and "page=" not in link.replace("page_size=", "")


def test_a_page_number_still_jumps_to_its_page(api, report, officer_a):
    made = [report(officer_a).pk for _ in range(5)]
    api.force_authenticate(officer_a)
    body = api.get("/api/v1/risks/", {"page": 2, "page_size": 2}).json()
    newest_first = sorted(made, reverse=True)
    assert [row["id"] for row in body["results"]] == newest_first[2:4]
    assert body["count"] == 5 and "page=3" in body["next"]


@pytest.mark.parametrize("rows", [10, 200])
def test_a_deep_cursor_page_runs_the_queries_of_the_first(api, report, officer_a, rows,
                                                          django_assert_max_num_queries):
    for _ in range(rows):
        report(officer_a)
    api.force_authenticate(officer_a)
    url = "/api/v1/risks/?page_size=2"
    for _ in range(4):
        url = api.get(url).json()["next"]
    with django_assert_max_num_queries(3):  # the count and one page, as on the first
        assert len(api.get(url).json()["results"]) == 2


def test_a_tampered_cursor_is_a_400_not_a_500(api, officer_a):
    api.force_authenticate(officer_a)
    response = api.get("/api/v1/risks/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400 and "cursor" in response.json()


def test_events_are_the_history_oldest_first(api, report, officer_a):
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    api.force_authenticate(officer_a)
    body = api.get(f"/api/v1/risks/{risk.pk}/events/").json()
    assert [row["kind"] for row in body["results"]] == ["created", "transition"]
    assert body["results"][1]["actor"] == {"id": officer_a.pk, "username": "officer_a",
                                           "name": "officer_a"}


def test_events_endpoint_is_read_only(api, report, officer_a):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    assert api.post(f"/api/v1/risks/{risk.pk}/events/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/risks/{risk.pk}/").status_code == 405


# Writing -----------------------------------------------------------------------------

def test_api_client_reports_a_matter(api, street, api_client_user, categories, roster_a1,
                                     officer_a):
    api.force_authenticate(api_client_user)
    response = api.post("/api/v1/risks/", new_matter(street, parties=[
        {"name": "张三", "phone": "13812345678", "relation": "complainant"}]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "reported" and body["code"].startswith("QF-")
    assert body["duties"]["dispatch"] == officer_a.pk  # from grid A1's roster
    assert body["parties"] == [{"id": body["parties"][0]["id"], "name": "张*",
                                "phone": "138****5678", "relation": "complainant"}]
    assert body["duplicate_suggestions"] == []


def test_report_lists_possible_duplicates_without_blocking(api, street, officer_a,
                                                           categories):
    api.force_authenticate(officer_a)
    first = api.post("/api/v1/risks/", new_matter(street), format="json").json()
    second = api.post("/api/v1/risks/", new_matter(street), format="json")
    assert second.status_code == 201
    assert [row["id"] for row in second.json()["duplicate_suggestions"]] == [first["id"]]


def test_bad_input_says_which_field(api, street, officer_a, categories):
    api.force_authenticate(officer_a)
    response = api.post("/api/v1/risks/", new_matter(street, category="nonsense"),
                        format="json")
    assert response.status_code == 400 and "category" in response.json()
    response = api.post("/api/v1/risks/", new_matter(street, area=street.grid_b1.pk),
                        format="json")
    assert response.status_code == 400 and "area" in response.json()
    response = api.post("/api/v1/risks/", new_matter(street, subtype="online_fraud"),
                        format="json")
    assert response.status_code == 400 and "subtype" in response.json()
    assert not Risk.objects.exists()


def test_grid_worker_cannot_grade_through_the_api(api, street, grid_worker_a1, categories):
    api.force_authenticate(grid_worker_a1)
    response = api.post("/api/v1/risks/", new_matter(street, level="high"), format="json")
    assert response.status_code == 403
    assert not Risk.objects.exists()


def test_patch_needs_the_version_and_a_stale_one_is_409(api, report, officer_a, colleague_a):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    assert api.patch(f"/api/v1/risks/{risk.pk}/", {"title": "无版本"},
                     format="json").status_code == 400
    first = api.patch(f"/api/v1/risks/{risk.pk}/", {"version": 1, "title": "甲"},
                      format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    api.force_authenticate(colleague_a)
    second = api.patch(f"/api/v1/risks/{risk.pk}/", {"version": 1, "title": "乙"},
                       format="json")
    assert second.status_code == 409
    assert second.json()["current_version"] == 2
    assert Risk.objects.get(pk=risk.pk).title == "甲"


def test_patch_assigns_duties_by_person_id(api, report, officer_a, colleague_a, roster_a1):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    response = api.patch(f"/api/v1/risks/{risk.pk}/",
                         {"version": 1, "duties": {"resolve": colleague_a.pk}}, format="json")
    assert response.status_code == 200
    assert response.json()["duties"]["resolve"] == colleague_a.pk
    assert RiskEvent.objects.filter(risk=risk, kind="duty_changed").count() == 1


def test_patch_refuses_a_person_outside_scope(api, report, officer_a, officer_b):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    response = api.patch(f"/api/v1/risks/{risk.pk}/",
                         {"version": 1, "duties": {"resolve": officer_b.pk}}, format="json")
    assert response.status_code == 400 and "duties" in response.json()


def test_transition_answers_400_403_409_and_changes_nothing_when_refused(
        api, report, officer_a, grid_worker_a1):
    risk = report(grid_worker_a1)
    api.force_authenticate(grid_worker_a1)
    url = f"/api/v1/risks/{risk.pk}/transition/"
    assert api.post(url, {"action": "verify", "version": 1}, format="json").status_code == 403
    api.force_authenticate(officer_a)
    assert api.post(url, {"action": "close", "note": "x", "version": 1},
                    format="json").status_code == 400
    assert api.post(url, {"action": "verify", "version": 7}, format="json").status_code == 409
    assert Risk.objects.get(pk=risk.pk).version == 1
    ok = api.post(url, {"action": "verify", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "verified"


def test_notes_through_the_api(api, report, grid_worker_a1):
    risk = report(grid_worker_a1)
    api.force_authenticate(grid_worker_a1)
    response = api.post(f"/api/v1/risks/{risk.pk}/notes/", {"note": "已回访"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "note"


def test_parties_are_masked_and_unmasking_is_logged(api, report, officer_a, unmasker):
    from audit.models import AccessLog

    risk = report(officer_a, parties=[{"name": "张三", "phone": "13812345678"}])
    api.force_authenticate(officer_a)
    masked = api.get(f"/api/v1/risks/{risk.pk}/parties/").json()
    assert masked[0]["name"] == "张*" and "13812345678" not in str(masked)
    assert api.get(f"/api/v1/risks/{risk.pk}/parties/", {"unmask": "true"}).status_code == 403
    assert "13812345678" not in api.get(f"/api/v1/risks/{risk.pk}/").content.decode()
    api.force_authenticate(unmasker)
    clear = api.get(f"/api/v1/risks/{risk.pk}/parties/", {"unmask": "true"},
                    REMOTE_ADDR="10.1.2.3").json()
    assert clear[0]["phone"] == "13812345678"
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.ip_address) == (unmasker, "10.1.2.3")


def test_schema_documents_the_register(api, street, leader):
    api.force_authenticate(leader)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/risks/", "/api/v1/risks/{id}/", "/api/v1/risks/{id}/transition/",
                 "/api/v1/risks/{id}/events/", "/api/v1/categories/", "/api/v1/people/",
                 "/api/v1/areas/", "/api/v1/departments/"):
        assert path in schema["paths"], path


def test_duplicate_suggestions_only_show_what_the_reporter_may_see(api, street, officer_a,
                                                                   grid_worker_a1,
                                                                   categories):
    api.force_authenticate(officer_a)
    api.post("/api/v1/risks/", new_matter(street, area=street.grid_a2.pk), format="json")
    api.force_authenticate(grid_worker_a1)  # sees grid A1 only
    response = api.post("/api/v1/risks/", new_matter(street), format="json")
    assert response.status_code == 201
    assert response.json()["duplicate_suggestions"] == []


def test_a_street_leader_can_be_named_lead_by_an_officer(api, report, officer_a, leader):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    response = api.patch(f"/api/v1/risks/{risk.pk}/",
                         {"version": 1, "level": "high", "lead": leader.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["lead"] == leader.pk


def test_supervisors_and_machines_hold_no_duties(api, report, officer_a, supervisor_a,
                                                 api_client_user):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    for person in (supervisor_a, api_client_user):
        response = api.patch(f"/api/v1/risks/{risk.pk}/",
                             {"version": 1, "duties": {"resolve": person.pk}}, format="json")
        assert response.status_code == 400
    assert Risk.objects.get(pk=risk.pk).version == 1
