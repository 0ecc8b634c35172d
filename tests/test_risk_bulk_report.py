"""Reporting many matters at once (risks.services.report_risks_in_bulk, used by the survey
import): the same matters, events, parties and codes as report_risk one by one, all or
nothing, and a number of queries that does not grow with the number of matters."""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from grids.choices import Duty
from quanfu.errors import Forbidden
from risks import services
from risks.models import Party, Risk, RiskEvent

NOT_COMPARED = {"id", "created_at", "updated_at", "graded_at"}


def reports_of_every_kind(street, categories, leader) -> list[dict]:
    """Reports as a street leader may make them: a grid with a roster, a micro-grid that
    takes its grid's roster, a community without one, a graded one with a due date
    defaulted by its level, one with its own due date and lead, parties."""
    disputes, public_order = categories["disputes"], categories["public_order"]
    neighbour = disputes.subtypes.get(code="neighbour")
    found = datetime(2026, 3, 5, 9, 30).astimezone()
    return [
        {"title": "楼道堆物纠纷", "description": "邻里因楼道堆放杂物争执。", "category": disputes,
         "subtype": neighbour, "area": street.grid_a1, "source": "import",
         "discovered_at": found,
         "parties": [{"name": "王五", "phone": "13900001111"}, {"name": "赵六"}]},
        {"title": "电动车盗窃", "description": "车棚内电动车被盗。", "category": public_order,
         "area": street.micro_a1, "level": "medium", "discovered_at": found},
        {"title": "社区活动室噪音", "description": "夜间噪音扰民。", "category": disputes,
         "area": street.community_a, "level": "high", "lead": leader,
         "due_on": date(2026, 4, 1), "discovered_at": found},
        {"title": "东泉停车纠纷", "description": "车位归属引发争执。", "category": disputes,
         "area": street.grid_b1, "duties": {Duty.RESOLVE: leader}, "discovered_at": found,
         "parties": [{"name": "欧阳娜娜", "phone": "0531-8888666", "relation": "complainant"}]},
    ]


def register_snapshot(risks: list[Risk]) -> list[dict]:
    """What a reader of the register sees of each matter: its fields, events and parties
    (timestamps only as present or not, ids left out)."""
    snapshot = []
    for risk in risks:
        risk = Risk.objects.get(pk=risk.pk)
        fields = {field.attname: getattr(risk, field.attname) for field in Risk._meta.fields
                  if field.name not in NOT_COMPARED}
        fields["graded"] = risk.graded_at is not None
        events = [(event.kind, event.actor_id, event.action, event.from_status,
                   event.to_status, event.changes, event.note)
                  for event in risk.events.order_by("kind", "id")]
        parties = list(risk.parties.order_by("id").values_list("name", "phone", "relation"))
        snapshot.append({"fields": fields, "events": events, "parties": parties})
    return snapshot


class Undo(Exception):
    pass


def test_bulk_gives_the_same_matters_events_parties_and_codes_as_one_by_one(
        street, categories, leader, officer_a, grid_worker_a1, roster_a1):
    reports = reports_of_every_kind(street, categories, leader)
    services.report_risk(actor=leader, **reports[0])  # the year's counter exists from here on
    # One by one, then undone (the counter too): the bulk that follows draws the same codes.
    try:
        with transaction.atomic():
            one_by_one = register_snapshot(
                [services.report_risk(actor=leader, suggest=False, **report).risk
                 for report in reports])
            raise Undo
    except Undo:
        pass
    assert Risk.objects.count() == 1

    together = register_snapshot(services.report_risks_in_bulk(actor=leader, reports=reports))

    assert together == one_by_one
    first, in_micro, in_community, elsewhere = together
    assert first["fields"]["dispatch_person_id"] == officer_a.pk  # the grid's roster
    assert in_micro["fields"]["investigate_person_id"] == grid_worker_a1.pk  # its grid's
    assert in_micro["fields"]["due_on"] == timezone.localdate() + timedelta(days=15)
    assert in_community["fields"]["dispatch_person_id"] is None  # no roster above grids
    assert elsewhere["fields"]["community_id"] == street.community_b.pk
    assert [kind for kind, *_rest in first["events"]] == ["created", "party", "party"]


def test_bulk_codes_follow_the_counter_without_gaps(report, street, categories, leader):
    before = int(report(leader).code.rsplit("-", 1)[1])
    reports = reports_of_every_kind(street, categories, leader)
    codes = [risk.code for risk in services.report_risks_in_bulk(actor=leader,
                                                                 reports=reports)]
    after = int(report(leader).code.rsplit("-", 1)[1])
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes]
    assert numbers == list(range(before + 1, before + 1 + len(reports)))
    assert after == numbers[-1] + 1


def test_every_refused_report_is_named_and_nothing_is_saved(street, categories,
                                                            grid_worker_a1):
    good = {"title": "楼道堆物纠纷", "description": "邻里因楼道堆放杂物争执。",
            "category": categories["disputes"], "area": street.grid_a1}
    reports = [
        good,
        {**good, "area": street.grid_a2},  # outside the grid worker's grid
        {**good, "title": "  "},
        {**good, "subtype": categories["cyber"].subtypes.first()},
        {**good, "discovered_at": timezone.now() + timedelta(days=1)},
        {**good, "level": "high"},  # a grid worker may not grade
        {**good, "parties": [{"name": "张三", "phone": "电话"}]},
        good,
    ]
    before = services.report_risk(actor=grid_worker_a1, **good).risk.code
    with pytest.raises(services.ReportsRefused) as refused:
        services.report_risks_in_bulk(actor=grid_worker_a1, reports=reports)
    found = [(position, error.field) for position, error in refused.value.refusals]
    assert found == [(1, "area"), (2, "title"), (3, "subtype"), (4, "discovered_at"),
                     (5, "level"), (6, "phone")]
    assert isinstance(refused.value.refusals[4][1], Forbidden)
    assert (Risk.objects.count(), RiskEvent.objects.count(), Party.objects.count()) == (1, 1, 0)
    after = services.report_risk(actor=grid_worker_a1, **good).risk.code
    assert int(after.rsplit("-", 1)[1]) == int(before.rsplit("-", 1)[1]) + 1  # none drawn


def test_a_role_that_may_not_report_reports_nothing_in_bulk(street, categories,
                                                            supervisor_a):
    with pytest.raises(Forbidden):
        services.report_risks_in_bulk(actor=supervisor_a, reports=[{
            "title": "楼道堆物纠纷", "description": "邻里因楼道堆放杂物争执。",
            "category": categories["disputes"], "area": street.grid_a1}])
    assert not Risk.objects.exists()


def test_one_audit_entry_stands_for_the_bulk(street, categories, leader):
    reports = reports_of_every_kind(street, categories, leader)
    risks = services.report_risks_in_bulk(actor=leader, reports=reports)
    entry = AuditEntry.objects.filter(target="risks.risk").get()
    assert entry.actor == leader
    assert entry.changes == {"matters": 4, "first_code": risks[0].code,
                             "last_code": risks[-1].code, "parties": 3}


def numbered_reports(street, categories, count: int) -> list[dict]:
    areas = [street.grid_a1, street.micro_a1, street.grid_a2, street.community_a,
             street.grid_b1]
    return [{"title": f"纠纷{number}", "description": "邻里因楼道堆放杂物争执。",
             "category": categories["disputes"], "area": areas[number % len(areas)],
             "level": "low", "parties": [{"name": "王五", "phone": "13900001111"}]}
            for number in range(count)]


# The scope, the rosters, the people's areas, the counter (update, read), one INSERT each
# of matters, parties and events (up to 1,000 rows each on PostgreSQL; SQLite takes 999
# parameters per statement, ~36 matters), the webhooks' outbox (one INSERT), the audit
# entry (chain lock, last link, insert) and savepoints. The same bound for 5 and for 50
# matters: nothing is read or written per row.
BULK_QUERIES = 15


@pytest.mark.parametrize("count", [5, 50])
def test_bulk_reporting_costs_the_same_queries_for_5_or_50_matters(
        street, categories, leader, roster_a1, count, django_assert_max_num_queries):
    services.report_risk(actor=leader, **numbered_reports(street, categories, 1)[0])
    reports = numbered_reports(street, categories, count)
    with django_assert_max_num_queries(BULK_QUERIES):
        risks = services.report_risks_in_bulk(actor=leader, reports=reports)
    assert len(risks) == count == Risk.objects.count() - 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bulks_reported_at_once_draw_disjoint_runs_of_codes(street, categories, leader):
    services.report_risk(actor=leader, title="第一件", description="计数器从此存在。",
                         category=categories["disputes"], area=street.grid_a1)
    barrier = threading.Barrier(4)
    runs, errors = [], []

    def reporter(number):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            reports = [{"title": f"并发{number}-{row}", "description": "同时导入的事项",
                        "category": categories["disputes"], "area": street.grid_a1}
                       for row in range(25)]
            runs.append([risk.code for risk in services.report_risks_in_bulk(
                actor=leader, reports=reports)])
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=reporter, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for run in runs:  # each bulk has its own consecutive run
        numbers = [int(code.rsplit("-", 1)[1]) for code in run]
        assert numbers == list(range(numbers[0], numbers[0] + 25))
    every = [code for run in runs for code in run]
    assert len(every) == len(set(every)) == 100
    assert Risk.objects.count() == 101
