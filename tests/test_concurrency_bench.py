"""The many-hands benchmark's own correctness (bench/concurrency.py, issue 22), on the test
database and briefly: 4 people × 3 s doing its mix of work through the services lose no
update, deadlock nowhere, meet only real 409s, and leave an audit chain that seals and
verifies; the checks see an update lost behind their back; the audit app switched off
writes no entry and comes back on."""

import pytest

from audit.models import AuditEntry
from bench import concurrency
from risks import services as risk_services
from risks.models import Risk

pytestmark = pytest.mark.postgres


@pytest.fixture
def deferred_sealing(settings):
    settings.AUDIT_SEALING = "deferred"  # as production on PostgreSQL


@pytest.fixture
def world_of(transactional_db, street, categories, deferred_sealing):
    def build(**sizes):
        return concurrency.build_world([street.community_a], **sizes)
    return build


def test_many_hands_at_once_lose_no_update_deadlock_nowhere_and_leave_a_chain_that_verifies(
        world_of, monkeypatch):
    world = world_of(shared=12, cycling=4, warnings=3)
    monkeypatch.setattr(concurrency, "SEAL_EVERY_SECONDS", 1.0)  # the sealer runs meanwhile

    figures = concurrency.Workload(world, threads=4, seconds=3).run()

    assert {"report", "edit", "transition", "note", "warning", "feedback", "meeting_draft",
            "meeting_approval"} <= set(figures.ok), figures.as_dict()["by_kind"]
    assert figures.deadlocks == 0
    assert figures.serialization_failures == 0
    assert (figures.other_errors, figures.refused) == (0, 0), figures.errors
    assert figures.false_conflicts == 0
    assert figures.lost_updates == 0
    assert figures.version_mismatches == 0
    assert figures.matters_checked == 16
    assert figures.sealer["seals"] >= 1
    chain = concurrency.seal_and_verify()
    assert chain["intact"], chain["broken"]
    assert chain["unsealed_left"] == 0
    assert chain["entries_in_chain"] == AuditEntry.objects.count()


def test_the_checks_see_an_update_lost_behind_their_back(world_of):
    world = world_of(shared=2, cycling=1, warnings=0)
    workload = concurrency.Workload(world, threads=0, seconds=0)
    matter = world.cells[0].shared[0]
    # an edit that committed (the bench counted it) but whose change another overwrote
    workload.edits[matter] += 1
    workload.bumps[matter] += 1

    workload.check()

    assert workload.figures.lost_updates == 1
    assert workload.figures.version_mismatches == 1


def test_a_409_whose_version_had_not_changed_is_counted_as_not_real(world_of):
    world = world_of(shared=1, cycling=1, warnings=0)
    workload = concurrency.Workload(world, threads=0, seconds=0)
    cell = world.cells[0]
    risk = Risk.objects.get(pk=cell.shared[0])
    officer = workload.people[cell.officers[0]]

    def stale():
        return risk_services.update_risk(risk, actor=officer, version=risk.version - 1,
                                         changes={"people_involved": 5})

    workload._timed("edit", officer, stale, read_version=risk.version - 1)  # a real conflict
    workload._timed("edit", officer, stale, read_version=risk.version)  # claimed unchanged

    assert workload.figures.conflicts == 2
    assert workload.figures.false_conflicts == 1


def test_the_audit_app_switched_off_writes_no_entry_and_comes_back_on(world_of):
    world = world_of(shared=1, cycling=1, warnings=0)
    cell = world.cells[0]
    officer = concurrency.User.objects.get(pk=cell.officers[0])
    risk = Risk.objects.get(pk=cell.shared[0])
    before = AuditEntry.objects.count()

    with concurrency.audit_switched_off() as switched_off:
        risk = risk_services.update_risk(risk, actor=officer, version=risk.version,
                                         changes={"people_involved": 2})
        assert AuditEntry.objects.count() == before
    risk_services.update_risk(risk, actor=officer, version=risk.version,
                              changes={"people_involved": 3})

    assert AuditEntry.objects.count() > before
    assert "risks.services.record_event" in switched_off["functions_made_no_ops"]
    assert any("risks.Risk" in line for line in switched_off["receivers_disconnected"])
