"""Restructuring with history (issue 20): a grid split, grids merged, an area retired or
moved, each one dated change asked by a community officer (or the street), previewed,
decided by a street leader who did not ask, and applied in one transaction; closed areas
keep their history and take no new reports."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from grids.choices import AreaChangeKind, AreaChangeState, Duty
from grids.models import Area, AreaChange, AreaLineage, DutyAssignment
from grids.restructuring import (
    approve_change,
    plan_change,
    refuse_change,
    request_change,
    withdraw_change,
)
from grids.services import roster_on
from quanfu.errors import Forbidden, RuleBroken
from rhythm import snapshots
from rhythm.models import Snapshot
from risks import services as risk_services
from risks.choices import EventKind
from risks.models import Risk, RiskEvent, StageClock
from tests.conftest import make_user

TODAY = timezone.localdate


def square(west, south, east, north):
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


# Part 1 is the west half of the grid, part 2 the east half.
WEST = square(117.00, 36.60, 117.01, 36.61)
EAST = square(117.01, 36.60, 117.02, 36.61)


@pytest.fixture
def matters(report, officer_a, street, roster_a1):
    """Open matters of grid A1: one with a point in the west half, one in micro-grid A1
    (no point), one with neither; and one written off, which stays where it was."""
    west = report(officer_a, title="西侧楼道堆物", location={"lat": 36.605, "lng": 117.005})
    in_micro = report(officer_a, title="1号楼漏水", area=street.micro_a1)
    nowhere = report(officer_a, title="停车纠纷待核实")
    done = report(officer_a, title="已化解的邻里纠纷")
    Risk.objects.filter(pk=done.pk).update(status="closed")  # history only, not a step
    return {"west": west, "in_micro": in_micro, "nowhere": nowhere, "done": done}


def split_spec(matters=None, microgrids=None):
    return {"parts": [{"code": "S1-A-G1a", "name": "花园第1网格西", "boundary": WEST},
                      {"code": "S1-A-G1b", "name": "花园第1网格东", "boundary": EAST}],
            "microgrids": microgrids or {}, "matters": matters or {}}


def request_split(officer, street, matters_chosen=None, microgrids=None, **more):
    return request_change(actor=officer, kind=AreaChangeKind.SPLIT, area=street.grid_a1,
                          effective_on=TODAY(), reason="户数超过500户，按道路拆分。",
                          spec=split_spec(matters_chosen, microgrids), **more)


def test_split_moves_each_open_matter_as_the_rules_say_with_events_and_audit(
        matters, officer_a, leader, street, grid_worker_a1):
    change = request_split(officer_a, street, {str(matters["nowhere"].pk): 2},
                           {str(street.micro_a1.pk): 2})
    plan = plan_change(change)
    rules = {item.pk: (target.code, rule) for item, target, rule in plan.matters}
    assert rules == {matters["west"].pk: ("S1-A-G1a", "location"),
                     matters["in_micro"].pk: ("S1-A-G1b", "microgrid"),
                     matters["nowhere"].pk: ("S1-A-G1b", "chosen")}
    audit_before = AuditEntry.objects.count()

    approve_change(change, actor=leader)

    west, east = Area.objects.get(code="S1-A-G1a"), Area.objects.get(code="S1-A-G1b")
    old = Area.objects.get(pk=street.grid_a1.pk)
    assert (old.closed_on, west.opened_on, east.opened_on) == (TODAY(), TODAY(), TODAY())
    assert set(old.successors.all()) == {west, east}
    assert list(west.predecessors.all()) == [old]
    assert Area.objects.get(pk=street.micro_a1.pk).parent == east
    placed = {risk.pk: (risk.area_id, risk.grid_id, risk.community_id)
              for risk in Risk.objects.all()}
    assert placed[matters["west"].pk] == (west.pk, west.pk, street.community_a.pk)
    assert placed[matters["in_micro"].pk] == (street.micro_a1.pk, east.pk,
                                              street.community_a.pk)
    assert placed[matters["nowhere"].pk] == (east.pk, east.pk, street.community_a.pk)
    assert placed[matters["done"].pk][0] == old.pk  # written off: its history stays
    for key in ("west", "in_micro", "nowhere"):
        event = RiskEvent.objects.filter(risk=matters[key]).latest("id")
        assert event.kind == EventKind.AREA_MOVED and event.changes["area_change"] == change.pk
        assert event.changes["grid"] == [old.name, Risk.objects.get(pk=matters[key].pk)
                                         .grid.name]
    assert not RiskEvent.objects.filter(risk=matters["done"], changes__has_key="area_change")
    # the roster: ended on the old grid, carried to the parts whose holders may hold it
    assert not DutyAssignment.objects.filter(grid=old, ends_on__isnull=True).exists()
    assert roster_on(west)[Duty.DISPATCH] is not None  # the officer, of the community
    assert roster_on(west)[Duty.INVESTIGATE].pk == grid_worker_a1.pk  # moved with part 1
    assert roster_on(east)[Duty.INVESTIGATE] is None  # the worker does not work there
    grid_worker_a1.refresh_from_db()
    assert grid_worker_a1.area == west
    change.refresh_from_db()
    assert change.state == AreaChangeState.APPLIED and change.summary["matters"] == 3
    entries = list(AuditEntry.objects.order_by("-seq")[
        :AuditEntry.objects.count() - audit_before])
    labels = {entry.model_label for entry in entries} | {entry.target for entry in entries}
    assert {"grids.area", "grids.arealineage", "grids.areachange", "risks.risk"} <= labels
    assert any(f"change of areas {change.pk}" in entry.detail and entry.target == "risks.risk"
               for entry in entries)


def test_a_matter_no_rule_places_is_named_in_the_refusal(matters, officer_a, street):
    with pytest.raises(RuleBroken) as refused:
        request_split(officer_a, street, microgrids={str(street.micro_a1.pk): 1})
    assert refused.value.field == f"matter_{matters['nowhere'].pk}"
    assert matters["nowhere"].code in str(refused.value.message)
    assert not AreaChange.objects.exists()


def test_a_weekly_snapshot_taken_before_the_split_reads_the_same_afterwards(
        matters, officer_a, leader, street):
    week = snapshots.week_start(TODAY())
    snapshot, _created = snapshots.take_weekly_snapshot(street.street, week)
    rows = snapshot.rows
    report_before = snapshots.weekly_report(street.street, week)
    # the split, and a grid of A moved to community B: both change today's areas
    approve_change(request_split(officer_a, street, {str(matters["nowhere"].pk): 2},
                                 {str(street.micro_a1.pk): 2}), actor=leader)
    move = request_change(actor=leader, kind=AreaChangeKind.MOVE,
                          area=Area.objects.get(code="S1-A-G1b"), effective_on=TODAY(),
                          reason="道路调整后划入东泉社区。", spec={"parent": street.community_b.pk})
    approve_change(move, actor=make_user("leader2", "street_leader", street.street))
    assert Risk.objects.filter(community=street.community_b).exists()
    assert Snapshot.objects.get(pk=snapshot.pk).rows == rows
    assert snapshots.weekly_report(street.street, week)["sections"] == report_before["sections"]


def test_the_split_grid_cannot_take_new_reports_form_and_api(
        matters, officer_a, leader, street, client, api, categories):
    approve_change(request_split(officer_a, street, {str(matters["nowhere"].pk): 2},
                                 {str(street.micro_a1.pk): 2}), actor=leader)
    with pytest.raises(RuleBroken) as refused:
        risk_services.report_risk(actor=officer_a, title="新的纠纷", description="两户争吵。",
                                  category=categories["disputes"],
                                  area=Area.objects.get(pk=street.grid_a1.pk))
    assert refused.value.field == "area" and "花园第1网格" in str(refused.value.message)

    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_create"))
    offered = [area.pk for area in page.context["form"].fields["area"].queryset]
    assert street.grid_a1.pk not in offered and street.grid_a2.pk in offered
    response = client.post(reverse("risks:risk_create"), {
        "area": street.grid_a1.pk, "category": categories["disputes"].pk,
        "title": "新的纠纷", "description": "两户争吵。", "source": "grid_patrol"})
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert "closed" in response.context["form"].errors.as_data()["area"][0].code

    api.force_authenticate(officer_a)
    answer = api.post("/api/v1/risks/", {"title": "新的纠纷", "description": "两户争吵。",
                                         "category": "disputes", "area": street.grid_a1.pk},
                      format="json")
    assert answer.status_code == 400 and "area" in answer.json()
    assert Risk.objects.filter(title="新的纠纷").count() == 0


def test_merge_makes_one_grid_of_several(report, officer_a, leader, street):
    in_a2 = report(officer_a, title="育英中学门口摊贩", area=street.grid_a2)
    in_micro = report(officer_a, title="1号楼漏水", area=street.micro_a1)
    change = request_change(actor=officer_a, kind=AreaChangeKind.MERGE, area=street.grid_a1,
                            effective_on=TODAY(), reason="户数不足300户，合并。",
                            spec={"areas": [street.grid_a1.pk, street.grid_a2.pk],
                                  "into": {"code": "S1-A-G9", "name": "花园合并网格"}})
    approve_change(change, actor=leader)
    merged = Area.objects.get(code="S1-A-G9")
    assert set(merged.predecessors.values_list("pk", flat=True)) == {street.grid_a1.pk,
                                                                    street.grid_a2.pk}
    assert Area.objects.filter(pk__in=[street.grid_a1.pk, street.grid_a2.pk],
                               closed_on=TODAY()).count() == 2
    assert Risk.objects.get(pk=in_a2.pk).area == merged
    assert Risk.objects.get(pk=in_micro.pk).grid == merged
    assert Area.objects.get(pk=street.micro_a1.pk).parent == merged
    assert RiskEvent.objects.filter(changes__area_change=change.pk).count() == 2


def test_retiring_an_area_with_open_matters_and_no_target_is_refused(
        report, officer_a, leader, street):
    risk = report(officer_a, area=street.grid_a2)
    with pytest.raises(RuleBroken) as refused:
        request_change(actor=officer_a, kind=AreaChangeKind.RETIRE, area=street.grid_a2,
                       effective_on=TODAY(), reason="学校搬迁。", spec={"target": None})
    assert refused.value.field == "target" and risk.code in str(refused.value.message)
    change = request_change(actor=officer_a, kind=AreaChangeKind.RETIRE, area=street.grid_a2,
                            effective_on=TODAY(), reason="学校搬迁。",
                            spec={"target": street.grid_a1.pk})
    approve_change(change, actor=leader)
    assert Risk.objects.get(pk=risk.pk).area_id == street.grid_a1.pk
    assert Area.objects.get(pk=street.grid_a2.pk).closed_on == TODAY()


def test_move_is_audited_with_an_event_on_each_moved_matter(report, officer_a, leader,
                                                           street):
    risk = report(officer_a, area=street.micro_a1)
    clocks_before = StageClock.objects.filter(risk=risk).count()
    change = request_change(actor=leader, kind=AreaChangeKind.MOVE, area=street.grid_a1,
                            effective_on=TODAY(), reason="划入东泉社区。",
                            spec={"parent": street.community_b.pk})
    approve_change(change, actor=make_user("leader2", "street_leader", street.street))
    risk.refresh_from_db()
    assert (risk.community_id, risk.grid_id) == (street.community_b.pk, street.grid_a1.pk)
    assert RiskEvent.objects.get(risk=risk, changes__area_change=change.pk).changes[
        "community"] == ["花园社区", "东泉社区"]
    assert StageClock.objects.filter(risk=risk).count() == clocks_before
    assert not StageClock.objects.filter(risk=risk).exclude(
        community=street.community_b).exists()
    assert AuditEntry.objects.filter(detail__contains=f"change of areas {change.pk}").exists()


def test_an_officer_cannot_request_a_change_for_another_community(
        client, officer_b, street):
    client.force_login(officer_b)
    url = reverse("grids:area_change_request", args=[street.grid_a1.pk, "rename"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "新名字", "effective_on": TODAY(),
                             "reason": "更名。"}).status_code == 404
    with pytest.raises(Forbidden):
        request_change(actor=officer_b, kind=AreaChangeKind.RENAME, area=street.grid_a1,
                       effective_on=TODAY(), reason="更名。", spec={"name": "新名字"})
    assert not AreaChange.objects.exists()


def test_the_requester_cannot_approve_their_own_change(leader, street):
    change = request_change(actor=leader, kind=AreaChangeKind.RENAME, area=street.grid_a2,
                            effective_on=TODAY(), reason="学校更名。",
                            spec={"name": "育英学校专属网格"})
    with pytest.raises(Forbidden):
        approve_change(change, actor=leader)
    change.refresh_from_db()
    assert change.state == AreaChangeState.REQUESTED
    assert Area.objects.get(pk=street.grid_a2.pk).name == "育英中学专属网格"


def test_refusal_changes_nothing(matters, officer_a, leader, street):
    change = request_split(officer_a, street, {str(matters["nowhere"].pk): 2},
                           {str(street.micro_a1.pk): 2})
    before = (list(Area.objects.values()), list(Risk.objects.values()),
              RiskEvent.objects.count())
    with pytest.raises(RuleBroken):
        refuse_change(change, actor=leader, note="  ")
    refuse_change(change, actor=leader, note="请先征求居民意见。")
    assert (list(Area.objects.values()), list(Risk.objects.values()),
            RiskEvent.objects.count()) == before
    change.refresh_from_db()
    assert (change.state, change.decided_by) == (AreaChangeState.REFUSED, leader)
    with pytest.raises(RuleBroken):
        approve_change(change, actor=leader)


def test_withdrawn_by_the_requester_only(officer_a, colleague_a, street):
    change = request_change(actor=officer_a, kind=AreaChangeKind.RENAME, area=street.grid_a1,
                            effective_on=TODAY(), reason="更名。", spec={"name": "花园一网格"})
    with pytest.raises(Forbidden):
        withdraw_change(change, actor=colleague_a)
    assert withdraw_change(change, actor=officer_a).state == AreaChangeState.WITHDRAWN


def test_apply_is_atomic(matters, officer_a, leader, street, monkeypatch):
    change = request_split(officer_a, street, {str(matters["nowhere"].pk): 2},
                           {str(street.micro_a1.pk): 2})
    before = (list(Area.objects.values()), list(Risk.objects.values()),
              RiskEvent.objects.count(), list(DutyAssignment.objects.values()),
              AreaLineage.objects.count())

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # halfway: the parts exist, micro-grids and matters moved, then the lineage fails
    monkeypatch.setattr(AreaLineage.objects, "create", broken)
    with pytest.raises(RuntimeError):
        approve_change(change, actor=leader)
    assert (list(Area.objects.values()), list(Risk.objects.values()),
            RiskEvent.objects.count(), list(DutyAssignment.objects.values()),
            AreaLineage.objects.count()) == before
    change.refresh_from_db()
    assert change.state == AreaChangeState.REQUESTED


def test_a_change_taking_effect_later_waits_for_its_day(officer_a, leader, street):
    change = request_change(actor=officer_a, kind=AreaChangeKind.RENAME, area=street.grid_a1,
                            effective_on=TODAY() + timedelta(days=3), reason="更名。",
                            spec={"name": "花园一网格"})
    with pytest.raises(RuleBroken) as refused:
        approve_change(change, actor=leader)
    assert refused.value.field == "effective_on"
    change.refresh_from_db()
    assert change.state == AreaChangeState.REQUESTED


def test_moving_an_area_outside_a_change_also_writes_an_event_on_each_moved_matter(
        report, officer_a, superuser, street):
    """The administration's move (risks.services.move_area) leaves the same history."""
    risk = report(officer_a, area=street.micro_a1)
    version = Risk.objects.get(pk=risk.pk).version
    risk_services.move_area(street.grid_a1, street.community_b, actor=superuser)
    event = RiskEvent.objects.filter(risk=risk).latest("id")
    assert (event.kind, event.actor) == (EventKind.AREA_MOVED, superuser)
    assert event.changes == {"community": ["花园社区", "东泉社区"]}
    assert Risk.objects.get(pk=risk.pk).version == version + 1
    from webhooks.models import OutboxEvent

    told = OutboxEvent.objects.filter(event="risk.changed", object_id=risk.pk).latest("id")
    assert (told.payload["version"], told.community_id) == (version + 1,
                                                            street.community_b.pk)


def test_the_matters_history_says_it_moved_with_its_area_not_that_someone_edited_it(
        client, report, officer_a, superuser, street):
    risk = report(officer_a, area=street.micro_a1)
    risk_services.move_area(street.grid_a1, street.community_b, actor=superuser)
    client.force_login(superuser)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    entry = page[page.index('data-kind="area_moved"'):]
    entry = entry[:entry.index("</li>")]
    assert "随区域调整迁移" in entry
    assert "花园社区" in entry and "东泉社区" in entry


def test_the_leaders_hear_of_a_request_and_the_requester_of_the_decision(
        officer_a, leader, street):
    from inbox.models import Message

    change = request_change(actor=officer_a, kind=AreaChangeKind.RENAME, area=street.grid_a1,
                            effective_on=TODAY(), reason="道路更名。", spec={"name": "花园一网格"})
    told = Message.objects.get(recipient=leader)
    assert told.link == reverse("grids:area_change_detail", args=[change.pk])
    assert not Message.objects.filter(recipient=officer_a).exists()
    refuse_change(change, actor=leader, note="请先征求居民意见。")
    assert Message.objects.filter(recipient=officer_a, link=told.link).exists()


def test_the_other_systems_hear_of_each_matter_a_change_moved(matters, officer_a, leader,
                                                              street):
    from webhooks.models import OutboxEvent

    change = request_split(officer_a, street, {str(matters["nowhere"].pk): 2},
                           {str(street.micro_a1.pk): 2})
    before = OutboxEvent.objects.count()
    approve_change(change, actor=leader)
    told = OutboxEvent.objects.order_by("id")[before:]
    moved = {matters[key].pk for key in ("west", "in_micro", "nowhere")}
    assert {(event.event, event.object_id) for event in told
            if event.event.startswith("risk.")} == {("risk.changed", pk) for pk in moved}
    east = Area.objects.get(code="S1-A-G1b")
    nowhere = next(event for event in told if event.object_id == matters["nowhere"].pk)
    assert nowhere.payload["area"] == east.pk
