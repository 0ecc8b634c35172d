"""Reporting, editing, history, parties and plans of a matter, through the services."""

import re
import threading
from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessLog
from grids.choices import Duty
from grids.services import assign_grid_duty
from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from risks import services
from risks.choices import EventKind, RiskStatus
from risks.masking import mask_name, mask_phone
from risks.models import EmergencyPlanRevision, Risk, RiskEvent

# Reporting ---------------------------------------------------------------------------


def test_report_assigns_a_code_of_the_year(report, grid_worker_a1):
    risk = report(grid_worker_a1)
    assert re.fullmatch(rf"QF-{timezone.localdate().year}-\d{{6}}", risk.code)
    assert (risk.status, risk.tier, risk.version, risk.reported_by) == (
        RiskStatus.REPORTED, "community", 1, grid_worker_a1)


def test_codes_are_consecutive_and_unique(report, grid_worker_a1):
    codes = [report(grid_worker_a1).code for _ in range(3)]
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_duties_default_from_the_grid_roster(report, grid_worker_a1, officer_a, roster_a1):
    risk = report(grid_worker_a1)
    assert risk.duty_holder_ids() == {
        Duty.DISPATCH: officer_a.pk, Duty.INVESTIGATE: grid_worker_a1.pk,
        Duty.RESOLVE: officer_a.pk, Duty.STABILIZE: grid_worker_a1.pk}


def test_a_matter_in_a_microgrid_takes_its_grids_roster(report, grid_worker_a1, officer_a,
                                                        roster_a1, street):
    risk = report(grid_worker_a1, area=street.micro_a1)
    assert risk.dispatch_person == officer_a


def test_duties_given_at_report_override_the_roster(report, officer_a, colleague_a, roster_a1):
    risk = report(officer_a, duties={Duty.RESOLVE: colleague_a})
    assert risk.resolve_person == colleague_a
    assert risk.dispatch_person == officer_a


def test_creation_is_the_first_event(report, grid_worker_a1):
    risk = report(grid_worker_a1)
    event = risk.events.get()
    assert (event.kind, event.actor, event.to_status) == (
        EventKind.CREATED, grid_worker_a1, RiskStatus.REPORTED)


def test_grid_worker_cannot_report_outside_their_grid(report, grid_worker_a1, street):
    with pytest.raises(RuleBroken) as error:
        report(grid_worker_a1, area=street.grid_a2)
    assert error.value.field == "area"
    assert not Risk.objects.exists()


def test_a_matter_belongs_to_a_community_grid_or_microgrid(report, leader, street):
    with pytest.raises(RuleBroken) as error:
        report(leader, area=street.street)
    assert error.value.field == "area"


def test_grid_worker_cannot_grade_when_reporting(report, grid_worker_a1):
    with pytest.raises(Forbidden):
        report(grid_worker_a1, level="high")


def test_supervisor_cannot_report(report, supervisor_a):
    with pytest.raises(Forbidden):
        report(supervisor_a)


def test_subtype_must_belong_to_the_category(report, officer_a, categories):
    subtype = categories["cyber"].subtypes.first()
    with pytest.raises(RuleBroken) as error:
        report(officer_a, subtype=subtype)
    assert error.value.field == "subtype"


def test_blank_title_and_future_discovery_are_refused(report, officer_a):
    with pytest.raises(RuleBroken) as error:
        report(officer_a, title="  ")
    assert error.value.field == "title"
    with pytest.raises(RuleBroken) as error:
        report(officer_a, discovered_at=timezone.now() + timedelta(days=1))
    assert error.value.field == "discovered_at"
    assert not Risk.objects.exists()


def test_section_staff_report_for_their_department(report, section_staff, street):
    assert report(section_staff).department == street.department


def test_duplicates_are_suggested_but_never_block(report, grid_worker_a1, officer_a,
                                                  categories, street):
    first = report(grid_worker_a1, title="3号楼楼上漏水邻里纠纷",
                   description="3号楼住户反映楼上卫生间漏水，双方争吵。")
    report(grid_worker_a1, title="电动车充电隐患", description="楼道私拉电线给电动车充电。",
           category=categories["public_order"])
    result = services.report_risk(
        actor=officer_a, title="3号楼漏水引发邻里矛盾",
        description="3号楼楼上卫生间漏水，邻里争吵。", category=categories["disputes"],
        area=street.grid_a1)
    assert [risk for risk, _ in result.suggestions] == [first]
    assert Risk.objects.count() == 3


def test_a_report_compares_its_duplicates_before_it_takes_the_year_code_counter(
        report, grid_worker_a1, officer_a, categories, street):
    """The counter row stays locked until the report commits: every other report of the
    year waits for it, so the Python comparison of up to 300 candidates comes first."""
    report(grid_worker_a1, title="3号楼楼上漏水邻里纠纷", description="楼上卫生间漏水。")
    with CaptureQueriesContext(connection) as queries:
        result = services.report_risk(
            actor=officer_a, title="3号楼漏水引发邻里矛盾", description="楼上卫生间漏水。",
            category=categories["disputes"], area=street.grid_a1)
    statements = [query["sql"] for query in queries.captured_queries]
    counter = next(index for index, sql in enumerate(statements)
                   if sql.startswith("UPDATE") and "riskcodecounter" in sql)
    candidates = next(index for index, sql in enumerate(statements)
                      if sql.startswith("SELECT") and 'ORDER BY "risks_risk"."discovered_at" '
                      'DESC' in sql)
    assert candidates < counter
    assert len(result.suggestions) == 1 and result.risk not in dict(result.suggestions)


def test_duplicates_stay_within_the_community(report, officer_b, grid_worker_a1, street,
                                              categories):
    report(grid_worker_a1, title="楼上漏水", description="楼上漏水纠纷")
    result = services.report_risk(actor=officer_b, title="楼上漏水", description="楼上漏水纠纷",
                                  category=categories["disputes"], area=street.grid_b1)
    assert result.suggestions == []


def test_linking_a_duplicate_sets_it_aside(report, grid_worker_a1, officer_a):
    original, copy = report(grid_worker_a1), report(grid_worker_a1)
    linked = services.link_duplicate(copy, original, actor=officer_a)
    assert (linked.status, linked.duplicate_of) == (RiskStatus.INVALID, original)
    assert linked.events.latest("id").kind == EventKind.LINKED


# Editing and versions ----------------------------------------------------------------

def test_edit_records_each_changed_field_old_and_new(report, officer_a):
    risk = report(officer_a)
    risk = services.update_risk(risk, actor=officer_a, version=1,
                                changes={"title": "新标题", "source": "hotline_12345"})
    event = risk.events.latest("id")
    assert event.kind == EventKind.EDITED
    assert event.changes == {"title": ["楼上漏水引发邻里纠纷", "新标题"],
                             "source": ["grid_patrol", "hotline_12345"]}
    assert risk.version == 2


def test_each_duty_change_is_its_own_event(report, officer_a, colleague_a, roster_a1):
    risk = report(officer_a)
    services.update_risk(risk, actor=officer_a, version=risk.version,
                         changes={"resolve_person": colleague_a,
                                  "stabilize_person": colleague_a})
    events = risk.events.filter(kind=EventKind.DUTY_CHANGED).order_by("id")
    assert [event.changes["duty"] for event in events] == ["resolve", "stabilize"]
    assert events[0].changes == {"duty": "resolve", "from": "officer_a", "to": "colleague_a"}


def test_an_edit_that_changes_nothing_writes_nothing(report, officer_a):
    risk = report(officer_a)
    services.update_risk(risk, actor=officer_a, version=1, changes={"title": risk.title})
    assert Risk.objects.get(pk=risk.pk).version == 1
    assert risk.events.count() == 1


def test_two_edits_on_the_same_version_one_wins_one_is_stale(report, officer_a, colleague_a):
    risk = report(officer_a)
    services.update_risk(risk, actor=officer_a, version=1, changes={"title": "甲的修改"})
    with pytest.raises(StaleVersion) as error:
        services.update_risk(risk, actor=colleague_a, version=1, changes={"title": "乙的修改"})
    assert error.value.current_version == 2
    assert Risk.objects.get(pk=risk.pk).title == "甲的修改"


def test_grading_sets_a_due_date_by_level(report, officer_a, settings):
    settings.RISK_DUE_DAYS = {"high": 7, "medium": 15, "low": 30}
    risk = services.update_risk(report(officer_a), actor=officer_a, version=1,
                                changes={"level": "medium"})
    assert risk.due_on == timezone.localdate() + timedelta(days=15)


def test_grid_worker_cannot_edit_or_assign(report, grid_worker_a1, officer_a):
    risk = report(grid_worker_a1)
    for changes in ({"title": "改"}, {"level": "low"}, {"resolve_person": officer_a}):
        with pytest.raises(Forbidden):
            services.update_risk(risk, actor=grid_worker_a1, version=1, changes=changes)
    assert Risk.objects.get(pk=risk.pk).version == 1


def test_a_duty_holder_must_work_where_the_matter_is(report, officer_a, officer_b):
    risk = report(officer_a)
    with pytest.raises(RuleBroken) as error:
        services.update_risk(risk, actor=officer_a, version=1,
                             changes={"resolve_person": officer_b})
    assert error.value.field == "resolve_person"


def test_fields_outside_the_contract_cannot_be_edited(report, officer_a):
    with pytest.raises(RuleBroken):
        services.update_risk(report(officer_a), actor=officer_a, version=1,
                             changes={"status": "closed"})


def test_written_off_matter_cannot_be_edited(ready_to_start, officer_a, colleague_a):
    risk = services.resolve_risk(services.start_risk(ready_to_start(), actor=officer_a),
                                 actor=officer_a, note="已上门调解，双方达成协议。")
    risk = services.close_risk(risk, actor=colleague_a, note="销号")
    with pytest.raises(RuleBroken):
        services.update_risk(risk, actor=officer_a, version=risk.version,
                             changes={"title": "改"})


# History is append-only --------------------------------------------------------------

def test_events_cannot_be_changed_or_deleted(report, officer_a):
    risk = report(officer_a)
    event = risk.events.get()
    event.note = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        RiskEvent.objects.filter(pk=event.pk).update(note="篡改")
    with pytest.raises(PermissionError):
        RiskEvent.objects.filter(pk=event.pk).delete()
    assert RiskEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_history(report, officer_a):
    risk = report(officer_a)
    for statement in ("UPDATE risks_riskevent SET note = 'x' WHERE risk_id = %s",
                      "DELETE FROM risks_riskevent WHERE risk_id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [risk.pk])
    assert risk.events.count() == 1


def test_admin_cannot_change_or_delete_events(client, superuser, report, officer_a):
    risk = report(officer_a)
    event = risk.events.get()
    client.force_login(superuser)
    assert client.get(f"/admin/risks/riskevent/{event.pk}/change/").status_code == 200
    response = client.post(f"/admin/risks/riskevent/{event.pk}/change/", {"note": "篡改"})
    assert response.status_code == 403
    response = client.post(f"/admin/risks/riskevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert RiskEvent.objects.get(pk=event.pk).note == ""


# Parties -----------------------------------------------------------------------------

def test_masking_hides_names_and_phones():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0531-8888666") == "05********66"
    assert mask_phone("12345") == "*****"


def test_parties_keep_only_name_phone_relation(report, officer_a):
    from risks.models import Party

    fields = {field.name for field in Party._meta.get_fields()} - {"id", "risk"}
    assert fields == {"name", "phone", "relation"}


def test_party_event_never_holds_the_full_name_or_phone(report, officer_a):
    risk = report(officer_a, parties=[{"name": "张三丰", "phone": "13812345678"}])
    text = str(list(risk.events.values_list("changes", "note")))
    assert "张三丰" not in text and "13812345678" not in text


def test_unmasking_needs_the_permission_and_is_logged(report, officer_a, unmasker):
    risk = report(officer_a, parties=[{"name": "张三", "phone": "13812345678"}])
    with pytest.raises(Forbidden):
        services.reveal_parties(risk, actor=officer_a)
    assert not AccessLog.objects.exists()
    parties = services.reveal_parties(risk, actor=unmasker)
    assert [(party.name, party.phone) for party in parties] == [("张三", "13812345678")]
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.action, entry.target) == (unmasker, "unmasked_read",
                                                         f"risk:{risk.code}")


def test_a_party_needs_a_name_and_a_plausible_phone(report, officer_a):
    risk = report(officer_a)
    with pytest.raises(RuleBroken) as error:
        services.add_party(risk, actor=officer_a, name="李四", phone="call me")
    assert error.value.field == "phone"
    assert not risk.parties.exists()


# Plans -------------------------------------------------------------------------------

PLAN = {"start_criteria": "扬言伤害他人", "stop_criteria": "连续7日无异常",
        "command": "街道分管领导", "duties": "社区稳控", "measures": "专人盯守",
        "supplies": "执法记录仪"}


def test_emergency_plan_revisions_keep_the_earlier_text(ready_to_start, officer_a):
    risk = ready_to_start(level="high")
    plan = services.save_emergency_plan(risk, actor=officer_a, **PLAN)
    with pytest.raises(RuleBroken) as error:
        services.save_emergency_plan(risk, actor=officer_a, **{**PLAN, "supplies": "车辆2辆"})
    assert error.value.field == "reason"
    plan = services.save_emergency_plan(risk, actor=officer_a, reason="演练后补充车辆",
                                        **{**PLAN, "supplies": "车辆2辆"})
    assert plan.revision == 2
    earlier = EmergencyPlanRevision.objects.get(plan=plan)
    assert earlier.content["supplies"] == "执法记录仪" and earlier.reason == "演练后补充车辆"


def test_emergency_plan_needs_every_part(ready_to_start, officer_a):
    with pytest.raises(RuleBroken) as error:
        services.save_emergency_plan(ready_to_start(level="high"), actor=officer_a,
                                     **{**PLAN, "command": ""})
    assert error.value.field == "command"


def test_drills_are_recorded_after_they_happen(ready_to_start, officer_a):
    risk = ready_to_start(level="high")
    plan = services.save_emergency_plan(risk, actor=officer_a, **PLAN)
    with pytest.raises(RuleBroken):
        services.record_drill(plan, actor=officer_a, held_on=date.today() + timedelta(days=3),
                              participants="社区、派出所", summary="演练")
    drill = services.record_drill(plan, actor=officer_a, held_on=date.today(),
                                  participants="社区、派出所", summary="开展现场处置演练")
    assert drill.plan == plan
    assert risk.events.filter(kind=EventKind.DRILL).exists()


def test_resolution_plan_owner_and_target(ready_to_start, officer_a):
    risk = ready_to_start()
    plan = services.save_resolution_plan(risk, actor=officer_a, measures="组织调解",
                                         owner=officer_a, target_date=date(2026, 12, 31))
    assert (plan.owner, plan.target_date) == (officer_a, date(2026, 12, 31))
    again = services.save_resolution_plan(risk, actor=officer_a, measures="调解并回访")
    assert again.pk == plan.pk and again.measures == "调解并回访"


def test_notes_are_events_and_grid_workers_may_write_them(report, grid_worker_a1):
    risk = report(grid_worker_a1)
    event = services.add_note(risk, actor=grid_worker_a1, note="已按指示入户回访")
    assert (event.kind, event.note) == (EventKind.NOTE, "已按指示入户回访")
    with pytest.raises(RuleBroken):
        services.add_note(risk, actor=grid_worker_a1, note=" ")


def test_supervisors_cannot_write_notes(report, officer_a, supervisor_a):
    with pytest.raises(Forbidden):
        services.add_note(report(officer_a), actor=supervisor_a, note="督导意见")


def test_roster_changes_later_do_not_rewrite_matters(report, grid_worker_a1, officer_a,
                                                     colleague_a, roster_a1, street):
    risk = report(grid_worker_a1)
    assign_grid_duty(street.grid_a1, Duty.DISPATCH, colleague_a, actor=officer_a)
    assert Risk.objects.get(pk=risk.pk).dispatch_person == officer_a


# Concurrency on PostgreSQL -----------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_matters_reported_at_once_get_fifty_codes(street, categories, officer_a):
    barrier = threading.Barrier(10)
    codes, errors = [], []

    def reporter():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            for _ in range(5):
                result = services.report_risk(
                    actor=officer_a, title="并发上报", description="同时上报的事项",
                    category=categories["disputes"], area=street.grid_a1)
                codes.append(result.risk.code)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=reporter) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(codes) == 50 and len(set(codes)) == 50
    assert Risk.objects.count() == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_version_give_one_success(street, categories, officer_a,
                                                          colleague_a):
    risk = services.report_risk(actor=officer_a, title="并发编辑", description="两人同时编辑",
                                category=categories["disputes"], area=street.grid_a1).risk
    barrier = threading.Barrier(2)
    outcomes = []

    def editor(actor, title):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            services.update_risk(Risk.objects.get(pk=risk.pk), actor=actor, version=1,
                                 changes={"title": title})
            outcomes.append("ok")
        except StaleVersion:
            outcomes.append("stale")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=editor, args=(officer_a, "甲")),
               threading.Thread(target=editor, args=(colleague_a, "乙"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "stale"]
    assert Risk.objects.get(pk=risk.pk).version == 2


def test_a_matter_knows_its_street_community_and_grid(report, grid_worker_a1, officer_a,
                                                      street):
    in_micro = report(grid_worker_a1, area=street.micro_a1)
    in_community = report(officer_a, area=street.community_a)
    assert (in_micro.street, in_micro.community, in_micro.grid) == (
        street.street, street.community_a, street.grid_a1)
    assert (in_community.street, in_community.community, in_community.grid) == (
        street.street, street.community_a, None)


def test_moving_a_grid_moves_its_matters_to_the_new_community(report, grid_worker_a1, street):
    risk = report(grid_worker_a1, area=street.micro_a1)
    services.move_area(street.grid_a1, street.community_b)
    assert Risk.objects.get(pk=risk.pk).community == street.community_b


def test_moving_a_microgrid_moves_its_matters_to_the_new_grid(report, grid_worker_a1, street):
    risk = report(grid_worker_a1, area=street.micro_a1)
    services.move_area(street.micro_a1, street.grid_b1)
    moved = Risk.objects.get(pk=risk.pk)
    assert (moved.street, moved.community, moved.grid) == (
        street.street, street.community_b, street.grid_b1)


def test_moving_a_community_to_another_street_moves_its_matters(report, grid_worker_a1,
                                                                leader, other_street_leader,
                                                                street):
    from risks.scoping import visible_risks

    risk = report(grid_worker_a1, area=street.micro_a1)
    services.move_area(street.community_a, street.other_street)
    assert Risk.objects.get(pk=risk.pk).street == street.other_street
    assert not visible_risks(leader).filter(pk=risk.pk).exists()
    assert visible_risks(other_street_leader).filter(pk=risk.pk).exists()


def test_a_matters_clocks_move_with_it_to_another_community_and_street(
        report, grid_worker_a1, officer_a, street):
    from risks.models import StageClock

    risk = services.verify_risk(report(grid_worker_a1, area=street.micro_a1), actor=officer_a)
    services.transition_risk(risk, "dispatch", actor=officer_a, department=street.department)
    clock = StageClock.objects.get(risk=risk, stage="accept", stopped_at=None)
    assert (clock.street, clock.community) == (street.street, street.community_a)
    services.move_area(street.grid_a1, street.community_b)
    assert StageClock.objects.get(pk=clock.pk).community == street.community_b
    services.move_area(street.community_b, street.other_street)
    moved = StageClock.objects.get(pk=clock.pk)
    assert (moved.street, moved.community) == (street.other_street, street.community_b)


def test_moving_an_area_writes_one_audit_entry_for_its_matters(report, grid_worker_a1,
                                                                superuser, street):
    from audit.models import AuditEntry

    for _ in range(2):
        report(grid_worker_a1, area=street.micro_a1)
    before = AuditEntry.objects.count()
    services.move_area(street.grid_a1, street.community_b, actor=superuser)
    assert AuditEntry.objects.count() == before + 1  # the UPDATEs send no signal
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.actor, entry.action, entry.target) == (superuser, "update", "risks.risk")
    assert entry.changes == {"area": street.grid_a1.pk, "from_parent": street.community_a.pk,
                             "to_parent": street.community_b.pk, "matters": 2}


def test_a_refused_move_changes_neither_the_tree_nor_the_matters(report, grid_worker_a1,
                                                                   street):
    from django.core.exceptions import ValidationError

    risk = report(grid_worker_a1, area=street.micro_a1)
    with pytest.raises(ValidationError):
        services.move_area(street.grid_a1, street.other_street)  # a grid under a street
    street.grid_a1.refresh_from_db()
    assert street.grid_a1.parent == street.community_a
    assert Risk.objects.get(pk=risk.pk).community == street.community_a


def test_the_admin_moves_an_area_with_its_matters(client, superuser, report, grid_worker_a1,
                                                  street):
    risk = report(grid_worker_a1, area=street.micro_a1)
    grid = street.grid_a1
    client.force_login(superuser)
    response = client.post(f"/admin/grids/area/{grid.pk}/change/", {
        "code": grid.code, "name": grid.name, "grid_type": grid.grid_type,
        "parent": street.community_b.pk})
    assert response.status_code == 302, response.content
    moved = Risk.objects.get(pk=risk.pk)
    assert (moved.community, moved.grid) == (street.community_b, grid)


def test_scoping_a_street_compares_a_column_and_joins_no_areas(leader):
    from risks.scoping import visible_risks

    sql = str(visible_risks(leader).query)
    assert '"street_id" =' in sql and "grids_area" not in sql


def test_reporting_a_matter_costs_a_bounded_number_of_queries(report, officer_a, roster_a1,
                                                              django_assert_max_num_queries):
    report(officer_a)  # the year's code counter exists from here on
    # scope roots are cached on the user; area check, roster, code counter (update +
    # read), insert (in a savepoint of its own: a repeated external_ref), event, the
    # outbox row of the webhooks (one INSERT), the officers' notice (one INSERT … SELECT),
    # duplicate candidates, and savepoints; the audit entry (its chain's lock and last
    # entry, its INSERT)
    with django_assert_max_num_queries(16):
        report(officer_a)
