"""Each grid names who dispatches, investigates, resolves and stabilises (四个责任),
with dates, so that who held a duty on any day can be traced (倒查)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from grids.choices import Duty
from grids.models import DutyAssignment
from grids.services import assign_grid_duty, roster_on


def test_roster_names_the_four_duties(street, roster_a1, officer_a, grid_worker_a1):
    holders = roster_on(street.grid_a1)
    assert holders == {Duty.DISPATCH: officer_a, Duty.INVESTIGATE: grid_worker_a1,
                       Duty.RESOLVE: officer_a, Duty.STABILIZE: grid_worker_a1}


def test_a_change_ends_the_old_entry_and_keeps_the_history(street, officer_a, colleague_a,
                                                           leader):
    assign_grid_duty(street.grid_a1, Duty.DISPATCH, officer_a, actor=leader,
                     starts_on=date(2026, 1, 1))
    assign_grid_duty(street.grid_a1, Duty.DISPATCH, colleague_a, actor=leader,
                     starts_on=date(2026, 6, 1))
    entries = DutyAssignment.objects.filter(grid=street.grid_a1, duty=Duty.DISPATCH)
    assert entries.count() == 2
    assert roster_on(street.grid_a1, date(2026, 3, 1))[Duty.DISPATCH] == officer_a
    assert roster_on(street.grid_a1, date(2026, 6, 1))[Duty.DISPATCH] == colleague_a
    assert roster_on(street.grid_a1, date(2025, 12, 31))[Duty.DISPATCH] is None
    assert entries.get(person=colleague_a).assigned_by == leader


def test_assigning_the_current_holder_again_changes_nothing(street, officer_a):
    first = assign_grid_duty(street.grid_a1, Duty.RESOLVE, officer_a, actor=None)
    again = assign_grid_duty(street.grid_a1, Duty.RESOLVE, officer_a, actor=None)
    assert first.pk == again.pk
    assert DutyAssignment.objects.count() == 1


def test_a_person_from_another_community_cannot_hold_a_duty_here(street, officer_b):
    with pytest.raises(ValidationError) as error:
        assign_grid_duty(street.grid_a1, Duty.RESOLVE, officer_b, actor=None)
    assert "person" in error.value.message_dict
    assert not DutyAssignment.objects.exists()


def test_rosters_are_kept_per_grid_not_per_community(street, officer_a):
    with pytest.raises(ValidationError) as error:
        assign_grid_duty(street.community_a, Duty.RESOLVE, officer_a, actor=None)
    assert "grid" in error.value.message_dict


def test_a_new_holder_cannot_start_before_the_current_one(street, officer_a, colleague_a):
    assign_grid_duty(street.grid_a1, Duty.DISPATCH, officer_a, actor=None,
                     starts_on=date(2026, 6, 1))
    with pytest.raises(ValidationError):
        assign_grid_duty(street.grid_a1, Duty.DISPATCH, colleague_a, actor=None,
                         starts_on=date(2026, 5, 1))


def test_roster_export_lists_the_holders(client, street, roster_a1, officer_a):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(officer_a)
    response = client.get(f"/areas/{street.community_a.pk}/roster.xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "社区", "网格编码", "网格")
    grid_row = next(row for row in rows if row[2] == "S1-A-G1")
    assert grid_row[5:9] == ("officer_a", "grid_a1", "officer_a", "grid_a1")
    assert "导出人" in rows[-1][0] and "officer_a" in rows[-1][0]
