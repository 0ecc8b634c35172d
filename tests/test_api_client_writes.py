"""Other systems (issue 21): the district platform's client sends matters with its own
references (``external_ref``: a repeat is 409 naming the matter it sent before), keeps
the matters it sent — and only those — through the transition table, sees a district of
several streets when an administrator names them, and every write it makes is audited
under its name."""

import pytest
from django.urls import reverse

from accounts.district_scope import district_roots, set_district_streets
from accounts.roles import Role
from accounts.services import issue_api_token
from audit.models import AuditEntry
from audit.wording import word_entries
from grids.choices import AreaKind
from grids.services import create_area
from quanfu.errors import RuleBroken
from risks import services as risk_services
from risks.models import Risk, RiskEvent
from tests.conftest import make_user

RISKS_URL = "/api/v1/risks/"


def token_client(user):
    from rest_framework.test import APIClient

    _token, key = issue_api_token(user, name="区级平台接口")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def matter_body(street, **fields):
    return {"title": "小区门口占道经营纠纷", "description": "商户与居民因占道经营发生争执。",
            "category": "disputes", "area": street.grid_a1.pk, **fields}


@pytest.fixture
def district(api_client_user):
    api_client_user.name = "历城区社会治理平台"
    api_client_user.save(update_fields=["name"])
    return token_client(api_client_user)


@pytest.fixture
def city_platform_user(street):
    return make_user("city_platform", Role.API_CLIENT, street.street, name="市一站式平台")


def sent(client, street, **fields) -> dict:
    response = client.post(RISKS_URL, matter_body(street, **fields), format="json")
    assert response.status_code == 201, response.content
    return response.json()


# External references ----------------------------------------------------------------------

def test_a_repeated_external_ref_answers_409_with_the_existing_matter(district, street,
                                                                     categories):
    first = sent(district, street, external_ref="LC-2026-0042")
    count, events = Risk.objects.count(), RiskEvent.objects.count()

    again = district.post(RISKS_URL, matter_body(street, external_ref="LC-2026-0042",
                                                 title="另一个标题"), format="json")

    assert again.status_code == 409
    assert again.json()["existing"] == first["id"]
    assert (Risk.objects.count(), RiskEvent.objects.count()) == (count, events)
    assert Risk.objects.get(pk=first["id"]).title == "小区门口占道经营纠纷"


def test_another_client_may_use_the_same_external_ref(district, city_platform_user, street,
                                                      categories):
    first = sent(district, street, external_ref="REF-1")
    other = sent(token_client(city_platform_user), street, external_ref="REF-1")
    assert other["id"] != first["id"]
    assert Risk.objects.filter(external_ref="REF-1").count() == 2


def test_matters_without_external_ref_never_collide(district, street, categories):
    sent(district, street)
    sent(district, street, external_ref=None)
    sent(district, street, external_ref="")
    assert Risk.objects.filter(external_ref__isnull=True).count() == 3


def test_external_ref_is_shown_and_filterable(district, street, categories):
    first = sent(district, street, external_ref="LC-7")
    sent(district, street, external_ref="LC-8")
    assert first["external_ref"] == "LC-7"
    found = district.get(RISKS_URL, {"external_ref": "LC-7"}).json()["results"]
    assert [row["id"] for row in found] == [first["id"]]
    assert found[0]["external_ref"] == "LC-7"
    assert district.get(f"{RISKS_URL}{first['id']}/").json()["external_ref"] == "LC-7"


def test_a_concurrent_repeat_that_wins_the_race_is_still_a_409(district, api_client_user,
                                                                street, categories,
                                                                monkeypatch):
    """The check before the INSERT can miss a repeat saved meanwhile: the unique constraint
    catches it, and the answer is the same 409."""
    first = sent(district, street, external_ref="RACE-1")
    real_check = risk_services._refuse_known_external_ref
    calls = []

    def misses_it_once(actor, external_ref):
        calls.append(external_ref)
        if len(calls) > 1:
            real_check(actor, external_ref)

    monkeypatch.setattr(risk_services, "_refuse_known_external_ref", misses_it_once)
    again = district.post(RISKS_URL, matter_body(street, external_ref="RACE-1"),
                          format="json")
    assert again.status_code == 409 and again.json()["existing"] == first["id"]
    assert Risk.objects.filter(external_ref="RACE-1").count() == 1


# Writes by a client: what it sent, nothing else ------------------------------------------------

def test_client_takes_its_own_matter_through_the_transition_table(district, api_client_user,
                                                                  street, categories,
                                                                  officer_a, grid_worker_a1):
    mine = sent(district, street, external_ref="LC-100")
    url = f"{RISKS_URL}{mine['id']}/"

    verified = district.post(f"{url}transition/", {"action": "verify", "version": 1},
                             format="json")
    assert verified.status_code == 200, verified.content
    duties = {"dispatch": officer_a.pk, "investigate": grid_worker_a1.pk,
              "resolve": officer_a.pk, "stabilize": grid_worker_a1.pk}
    graded = district.patch(url, {"version": verified.json()["version"], "level": "low",
                                  "duties": duties, "title": "占道经营纠纷（已核实）"},
                            format="json")
    assert graded.status_code == 200, graded.content
    started = district.post(f"{url}transition/", {"action": "start",
                                                  "version": graded.json()["version"]},
                            format="json")
    assert started.json()["status"] == "resolving"
    note = district.post(f"{url}notes/", {"note": "已联系城管现场处置。"}, format="json")
    assert note.status_code == 201
    resolved = district.post(f"{url}transition/", {"action": "resolve", "note": "已劝离。",
                                                   "version": district.get(url).json()["version"]},
                             format="json")
    assert resolved.json()["status"] == "resolved"
    # the table's rules hold for a client as for anyone: who resolved it does not close it
    closed = district.post(f"{url}transition/", {"action": "close", "note": "销号",
                                                 "version": resolved.json()["version"]},
                           format="json")
    assert closed.status_code == 403
    # and a street's own steps are not the client's
    dispatched = district.post(f"{url}transition/", {"action": "dispatch",
                                                     "department": street.department.pk},
                               format="json")
    assert dispatched.status_code == 403
    risk = Risk.objects.get(pk=mine["id"])
    assert (risk.status, risk.title) == ("resolved", "占道经营纠纷（已核实）")
    actors = set(RiskEvent.objects.filter(risk=risk).values_list("actor", flat=True))
    assert actors == {api_client_user.pk}


def test_client_may_not_touch_a_matter_it_did_not_send(district, report, officer_a, street):
    theirs = report(officer_a)
    url = f"{RISKS_URL}{theirs.pk}/"
    before = Risk.objects.get(pk=theirs.pk)
    events = RiskEvent.objects.filter(risk=theirs).count()

    assert district.get(url).status_code == 200  # in its scope: it may read it
    patched = district.patch(url, {"version": theirs.version, "title": "改标题"},
                             format="json")
    moved = district.post(f"{url}transition/", {"action": "verify",
                                                "version": theirs.version}, format="json")
    noted = district.post(f"{url}notes/", {"note": "补充情况"}, format="json")

    assert (patched.status_code, moved.status_code, noted.status_code) == (403, 403, 403)
    assert "自身报送" in patched.json()["detail"]
    after = Risk.objects.get(pk=theirs.pk)
    assert (after.title, after.status, after.version) == (before.title, before.status,
                                                          before.version)
    assert RiskEvent.objects.filter(risk=theirs).count() == events


def test_a_matter_outside_the_clients_scope_is_not_found(district, report, other_street_leader,
                                                         street):
    elsewhere = report(other_street_leader, area=street.community_other)
    url = f"{RISKS_URL}{elsewhere.pk}/"
    assert district.patch(url, {"version": 1, "title": "x"}, format="json").status_code == 404
    assert district.post(f"{url}transition/", {"action": "verify"},
                         format="json").status_code == 404


def test_a_client_still_may_not_grade_when_it_reports(district, street, categories):
    """Grading is a write on a matter it keeps: it grades after sending, not while."""
    response = district.post(RISKS_URL, matter_body(street, level="high"), format="json")
    assert response.status_code == 403


# District scope ---------------------------------------------------------------------------

@pytest.fixture
def third_street(street):
    third = create_area(kind=AreaKind.STREET, code="S3", name="王舍人街道")
    community = create_area(kind=AreaKind.COMMUNITY, code="S3-A", name="王舍人社区",
                            parent=third)
    return third, community


def test_district_scope_spans_two_streets_and_not_a_third(district, api_client_user, report,
                                                          street, officer_a,
                                                          other_street_leader, third_street,
                                                          superuser):
    third, third_community = third_street
    in_first = report(officer_a)
    in_second = report(other_street_leader, area=street.community_other)
    third_leader = make_user("leader_s3", Role.STREET_LEADER, third)
    in_third = report(third_leader, area=third_community)
    assert set_district_streets(api_client_user, [street.other_street], actor=superuser)

    seen = {row["id"] for row in district.get(RISKS_URL).json()["results"]}
    assert seen == {in_first.pk, in_second.pk}
    assert district.get(f"{RISKS_URL}{in_third.pk}/").status_code == 404
    areas = {row["code"] for row in district.get("/api/v1/areas/", {"kind": "street"})
             .json()["results"]}
    assert areas == {"S1", "S2"}
    # and it may send matters into either street
    second = district.post(RISKS_URL, matter_body(street, area=street.community_other.pk),
                           format="json")
    assert second.status_code == 201, second.content
    third_try = district.post(RISKS_URL, matter_body(street, area=third_community.pk),
                              format="json")
    assert third_try.status_code == 400


def test_district_roots_keep_the_clients_own_street_once(api_client_user, street, superuser):
    set_district_streets(api_client_user, [street.street, street.other_street],
                         actor=superuser)
    assert sorted(root.code for root in district_roots(api_client_user)) == ["S1", "S2"]


def test_only_an_api_client_has_district_streets_and_only_streets(officer_a, api_client_user,
                                                                  street, superuser):
    with pytest.raises(RuleBroken):
        set_district_streets(officer_a, [street.other_street], actor=superuser)
    with pytest.raises(RuleBroken):
        set_district_streets(api_client_user, [street.community_other], actor=superuser)
    assert not officer_a.district_streets.exists()
    assert not api_client_user.district_streets.exists()


def test_setting_district_streets_is_audited(api_client_user, street, superuser):
    set_district_streets(api_client_user, [street.other_street], actor=superuser)
    entry = AuditEntry.objects.filter(target=f"user:{api_client_user.pk}").latest("id")
    assert entry.actor_id == superuser.pk and "S2" in entry.detail


def test_the_admin_sets_a_clients_district(client, superuser, api_client_user, street):
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[api_client_user.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items()
            if value is not None and name not in ("password", "groups", "user_permissions",
                                                  "district_streets", "last_login")}
    data.update(district_streets=[street.other_street.pk], date_joined_0="2026-01-01",
                date_joined_1="00:00:00", area=street.street.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(api_client_user.district_streets.values_list("code", flat=True)) == ["S2"]


# Audit ------------------------------------------------------------------------------------

def test_every_write_by_a_client_is_audited_under_its_name(district, api_client_user, street,
                                                           categories):
    mine = sent(district, street, external_ref="LC-AUDIT")
    district.patch(f"{RISKS_URL}{mine['id']}/", {"version": 1, "title": "新标题"},
                   format="json")
    district.post(f"{RISKS_URL}{mine['id']}/transition/", {"action": "verify"}, format="json")

    entries = list(AuditEntry.objects.filter(model_label="risks.risk",
                                             object_id=str(mine["id"])).order_by("id"))
    assert [entry.action for entry in entries] == ["create", "update", "transition"]
    assert {(entry.actor_id, entry.username) for entry in entries} == {
        (api_client_user.pk, "district_platform")}
    word_entries(entries, {})
    assert {entry.who for entry in entries} == {"历城区社会治理平台"}
