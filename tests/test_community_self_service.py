"""A community runs its own grids without the administrator (issue 20): its officer keeps
the grids' duty rosters (dated entries) and the grid workers' accounts (open, deactivate,
reset the password with a one-time link), within the community only, every action audited.
"""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import grid_workers
from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.models import AuditEntry
from grids.choices import Duty
from grids.models import DutyAssignment
from grids.services import assign_grid_duty, create_area, roster_on
from tests.conftest import make_user

STRONG = "Huayuan-2026-grid"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def logs_in(username, password) -> bool:
    """Through the login page, as a person does (axes and the audit see it)."""
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client.get(reverse("home")).status_code == 200


def table_counts() -> tuple:
    return (User.objects.count(), User.objects.filter(is_active=True).count(),
            DutyAssignment.objects.count(),
            AuditEntry.objects.exclude(action=AuditAction.LOGIN).count())


def roster_url(area):
    return reverse("grids:community_roster", args=[area.pk])


def assign_url(grid):
    return reverse("grids:duty_holder_assign", args=[grid.pk])


def today():
    return timezone.localdate()


# The duty rosters -----------------------------------------------------------------------------

def test_an_officer_names_a_duty_holder_of_their_grid(street, officer_a, colleague_a,
                                                      roster_a1):
    client = signed_in(officer_a)
    page = client.get(roster_url(street.community_a))
    assert page.status_code == 200
    assert street.grid_a1.name in page.content.decode()

    response = client.post(assign_url(street.grid_a1), {
        "duty": Duty.DISPATCH, "person": colleague_a.pk, "starts_on": today().isoformat()})

    assert response.status_code == 302
    assert response["Location"] == f"{roster_url(street.community_a)}#grid-{street.grid_a1.pk}"
    assert roster_on(street.grid_a1)[Duty.DISPATCH] == colleague_a
    ended = DutyAssignment.objects.get(grid=street.grid_a1, duty=Duty.DISPATCH,
                                       person=officer_a)
    assert ended.ends_on == today()  # kept in the history, not overwritten
    new = DutyAssignment.objects.get(grid=street.grid_a1, duty=Duty.DISPATCH,
                                     person=colleague_a)
    assert new.assigned_by == officer_a
    followed = client.get(response["Location"])
    assert "colleague_a" in followed.content.decode()  # the new holder, with a message


def test_a_roster_change_is_audited_as_the_officers_act(street, officer_a, colleague_a,
                                                        roster_a1):
    signed_in(officer_a).post(assign_url(street.grid_a1), {
        "duty": Duty.RESOLVE, "person": colleague_a.pk, "starts_on": today().isoformat()})

    entries = AuditEntry.objects.filter(model_label="grids.dutyassignment", actor=officer_a)
    assert set(entries.values_list("action", flat=True)) == {AuditAction.CREATE,
                                                              AuditAction.UPDATE}
    ended = entries.get(action=AuditAction.UPDATE)
    assert ended.changes["ends_on"]["new"] == today().isoformat()


def test_a_holder_can_be_planned_from_a_later_day(street, officer_a, colleague_a, roster_a1):
    later = today() + timedelta(days=7)
    signed_in(officer_a).post(assign_url(street.grid_a1), {
        "duty": Duty.DISPATCH, "person": colleague_a.pk, "starts_on": later.isoformat()})

    assert roster_on(street.grid_a1)[Duty.DISPATCH] == officer_a
    assert roster_on(street.grid_a1, later)[Duty.DISPATCH] == colleague_a
    page = signed_in(officer_a).get(roster_url(street.community_a)).content.decode()
    assert later.isoformat() in page


def test_the_past_roster_is_not_rewritten_from_the_community_pages(street, officer_a,
                                                                   colleague_a, roster_a1):
    before = table_counts()
    response = signed_in(officer_a).post(assign_url(street.grid_a1), {
        "duty": Duty.DISPATCH, "person": colleague_a.pk,
        "starts_on": (today() - timedelta(days=1)).isoformat()})

    assert response.status_code == 400
    assert "starts_on" in response.context["form"].errors
    assert table_counts() == before


def test_only_people_who_may_hold_the_duty_are_taken(street, officer_a, officer_b,
                                                     grid_worker_a1, roster_a1):
    grid_a2_worker = make_user("grid_a2", Role.GRID_WORKER, street.grid_a2)
    before = table_counts()
    client = signed_in(officer_a)
    for outsider in (officer_b, grid_a2_worker):  # another community; another grid
        response = client.post(assign_url(street.grid_a1), {
            "duty": Duty.DISPATCH, "person": outsider.pk, "starts_on": today().isoformat()})
        assert response.status_code == 400
        assert "person" in response.context["form"].errors
    assert table_counts() == before


def test_an_officer_cannot_touch_another_communitys_roster(street, officer_b, colleague_a,
                                                           roster_a1):
    client = signed_in(officer_b)
    before = table_counts()

    assert client.get(roster_url(street.community_a)).status_code == 404
    assert client.get(assign_url(street.grid_a1)).status_code == 404
    response = client.post(assign_url(street.grid_a1), {
        "duty": Duty.DISPATCH, "person": colleague_a.pk, "starts_on": today().isoformat()})

    assert response.status_code == 404
    assert table_counts() == before


def test_an_officer_goes_straight_to_their_communitys_rosters(street, officer_a):
    response = signed_in(officer_a).get(reverse("grids:community_index"))
    assert response.status_code == 302
    assert response["Location"] == roster_url(street.community_a)


def test_a_street_leader_chooses_among_the_streets_communities(street, leader):
    page = signed_in(leader).get(reverse("grids:community_index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert street.community_a.name in text and street.community_b.name in text
    assert street.community_other.name not in text


def test_a_closed_grid_is_left_off_the_rosters(street, officer_a):
    closed = create_area(kind="grid", code="S1-A-G9", name="已撤销网格",
                         parent=street.community_a, grid_type="basic")
    closed.closed_on = today()
    closed.save(update_fields=["closed_on"])
    page = signed_in(officer_a).get(roster_url(street.community_a)).content.decode()
    assert street.grid_a1.name in page and "已撤销网格" not in page


def test_the_roster_page_reads_in_a_fixed_number_of_queries(street, officer_a, colleague_a,
                                                            grid_worker_a1, roster_a1,
                                                            django_assert_max_num_queries):
    for number in range(2, 12):
        grid = create_area(kind="grid", code=f"S1-A-G{number + 10}", name=f"花园第{number}网格",
                           parent=street.community_a, grid_type="basic")
        for duty in Duty.values:
            assign_grid_duty(grid, duty, officer_a, actor=None,
                             starts_on=today() - timedelta(days=30))
            assign_grid_duty(grid, duty, colleague_a, actor=None)
    client = signed_in(officer_a)
    # the session, the user, the community, its grids, their entries, the inbox's count
    with django_assert_max_num_queries(6):
        response = client.get(roster_url(street.community_a))
    assert response.status_code == 200


# The grid workers' accounts ------------------------------------------------------------------

def test_the_workers_list_reads_in_a_fixed_number_of_queries(street, officer_a,
                                                              grid_worker_a1, roster_a1,
                                                              django_assert_max_num_queries):
    for number in range(20):
        make_user(f"grid_a1_{number}", Role.GRID_WORKER, street.grid_a1)
    client = signed_in(officer_a)
    # the session, the user, the community, the workers with their duties, the inbox's count
    with django_assert_max_num_queries(5):
        response = client.get(reverse("accounts:worker_list", args=[street.community_a.pk]))
    assert len(response.context["workers"]) == 21


def open_account(client, community, grid, username="grid_new", name="李新"):
    return client.post(reverse("accounts:worker_create", args=[community.pk]),
                       {"username": username, "name": name, "grid": grid.pk})


def link_on_page(client, worker) -> str:
    page = client.get(reverse("accounts:worker_detail", args=[worker.pk]))
    return page.context["link"]["url"] if page.context["link"] else ""


def choose_password(link: str, password: str = STRONG):
    """The worker opens the link (anonymous, on their phone) and chooses a password."""
    client = Client()
    opened = client.get(link)
    if opened.status_code != 302:  # the invalid-link page
        return opened
    return client.post(opened["Location"], {"new_password1": password,
                                            "new_password2": password})


def test_an_officer_opens_an_account_for_a_grid_worker_who_then_logs_in(street, officer_a):
    client = signed_in(officer_a)
    response = open_account(client, street.community_a, street.grid_a1)

    worker = User.objects.get(username="grid_new")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:worker_detail", args=[worker.pk])
    assert (worker.role, worker.area, worker.name) == (Role.GRID_WORKER, street.grid_a1, "李新")
    assert not worker.has_usable_password()  # the officer never chooses it
    link = link_on_page(client, worker)
    assert link.startswith("http://testserver/accounts/password-link/")
    assert link_on_page(client, worker) == ""  # shown once

    done = choose_password(link)

    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    assert logs_in("grid_new", STRONG)


def test_the_password_chosen_through_the_link_follows_the_password_rules(street, officer_a):
    client = signed_in(officer_a)
    open_account(client, street.community_a, street.grid_a1)
    worker = User.objects.get(username="grid_new")

    refused = choose_password(link_on_page(client, worker), "short1")

    assert refused.status_code == 200
    assert refused.context["form"].errors["new_password2"]
    worker.refresh_from_db()
    assert not worker.has_usable_password()


def test_an_account_needs_a_free_username_and_a_grid_of_the_community(street, officer_a,
                                                                      grid_worker_a1):
    client = signed_in(officer_a)
    before = table_counts()

    taken = open_account(client, street.community_a, street.grid_a1, username="grid_a1")
    elsewhere = open_account(client, street.community_a, street.grid_b1)

    assert taken.status_code == 400 and "username" in taken.context["form"].errors
    assert elsewhere.status_code == 400 and "grid" in elsewhere.context["form"].errors
    assert table_counts() == before


def test_the_one_time_link_works_once(street, officer_a, grid_worker_a1):
    client = signed_in(officer_a)
    client.post(reverse("accounts:worker_password_link", args=[grid_worker_a1.pk]))
    link = link_on_page(client, grid_worker_a1)
    assert not logs_in("grid_a1", "demo12345")  # a reset: the old password is gone

    assert choose_password(link).status_code == 302
    again = choose_password(link, "Another-2026-pass")

    assert again.status_code == 200
    assert again.context["validlink"] is False
    assert 'data-testid="link-invalid"' in again.content.decode()
    assert logs_in("grid_a1", STRONG)


def test_the_one_time_link_expires(street, officer_a, grid_worker_a1, monkeypatch):
    client = signed_in(officer_a)
    client.post(reverse("accounts:worker_password_link", args=[grid_worker_a1.pk]))
    link = link_on_page(client, grid_worker_a1)
    later = datetime.now() + timedelta(hours=grid_workers.LINK_VALID_HOURS, minutes=1)
    monkeypatch.setattr(grid_workers.password_links, "_now", lambda: later)

    expired = choose_password(link)

    assert expired.status_code == 200 and expired.context["validlink"] is False
    grid_worker_a1.refresh_from_db()
    assert not grid_worker_a1.has_usable_password()


def test_a_newer_link_voids_the_older_one(street, officer_a, grid_worker_a1):
    client = signed_in(officer_a)
    url = reverse("accounts:worker_password_link", args=[grid_worker_a1.pk])
    client.post(url)
    first = link_on_page(client, grid_worker_a1)
    client.post(url)
    second = link_on_page(client, grid_worker_a1)

    assert choose_password(first).status_code == 200  # the invalid-link page
    assert choose_password(second).status_code == 302


def test_deactivation_stops_the_login_and_hands_the_duties_over(street, officer_a,
                                                                 colleague_a, grid_worker_a1,
                                                                 roster_a1):
    workers_phone = signed_in(grid_worker_a1)
    response = signed_in(officer_a).post(
        reverse("accounts:worker_deactivate", args=[grid_worker_a1.pk]),
        {"successor": colleague_a.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:worker_list",
                                           args=[street.community_a.pk])
    grid_worker_a1.refresh_from_db()
    assert not grid_worker_a1.is_active
    assert User.objects.filter(pk=grid_worker_a1.pk).exists()  # kept, not deleted
    assert not logs_in("grid_a1", "demo12345")
    assert workers_phone.get(reverse("home")).status_code == 302  # the session is over
    holders = roster_on(street.grid_a1)
    assert holders[Duty.INVESTIGATE] == colleague_a == holders[Duty.STABILIZE]
    assert holders[Duty.DISPATCH] == officer_a  # the others' duties stay


def test_a_worker_holding_duties_is_deactivated_only_with_a_successor(street, officer_a,
                                                                      grid_worker_a1,
                                                                      roster_a1):
    before = table_counts()
    response = signed_in(officer_a).post(
        reverse("accounts:worker_deactivate", args=[grid_worker_a1.pk]), {})

    assert response.status_code == 400
    assert "successor" in response.context["deactivate_form"].errors
    assert table_counts() == before


def test_a_worker_without_duties_is_deactivated_at_once(street, officer_a, grid_worker_a1):
    response = signed_in(officer_a).post(
        reverse("accounts:worker_deactivate", args=[grid_worker_a1.pk]), {})
    assert response.status_code == 302
    grid_worker_a1.refresh_from_db()
    assert not grid_worker_a1.is_active


def test_a_deactivated_workers_link_no_longer_works(street, officer_a, grid_worker_a1):
    client = signed_in(officer_a)
    client.post(reverse("accounts:worker_password_link", args=[grid_worker_a1.pk]))
    link = link_on_page(client, grid_worker_a1)
    client.post(reverse("accounts:worker_deactivate", args=[grid_worker_a1.pk]), {})

    assert choose_password(link).status_code == 200
    assert not logs_in("grid_a1", STRONG)


def test_an_officer_cannot_touch_another_communitys_workers(street, officer_b, grid_worker_a1,
                                                            roster_a1):
    client = signed_in(officer_b)
    before = table_counts()
    worker = grid_worker_a1.pk

    assert client.get(reverse("accounts:worker_list",
                              args=[street.community_a.pk])).status_code == 404
    assert client.get(reverse("accounts:worker_detail", args=[worker])).status_code == 404
    assert client.post(reverse("accounts:worker_password_link",
                               args=[worker])).status_code == 404
    assert client.post(reverse("accounts:worker_deactivate",
                               args=[worker])).status_code == 404
    assert open_account(client, street.community_a, street.grid_a1).status_code == 404
    # nor give another community's grid to a worker of their own
    assert open_account(client, street.community_b, street.grid_a1).status_code == 400
    assert table_counts() == before


def test_only_grid_workers_accounts_are_kept(street, officer_a, colleague_a):
    """A colleague officer is not a grid worker: their account is the administrator's."""
    response = signed_in(officer_a).get(reverse("accounts:worker_detail",
                                                args=[colleague_a.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["grid_worker_a1", "section_staff", "supervisor_a"])
def test_other_roles_cannot_reach_the_keeping_pages(persona, request, street,
                                                    grid_worker_a1):
    client = signed_in(request.getfixturevalue(persona))
    before = table_counts()
    pages = [reverse("grids:community_index"), roster_url(street.community_a),
             assign_url(street.grid_a1),
             reverse("accounts:worker_list", args=[street.community_a.pk]),
             reverse("accounts:worker_create", args=[street.community_a.pk]),
             reverse("accounts:worker_detail", args=[grid_worker_a1.pk])]
    assert {page: client.get(page).status_code for page in pages} == dict.fromkeys(pages, 403)
    for action in ("accounts:worker_password_link", "accounts:worker_deactivate"):
        assert client.post(reverse(action, args=[grid_worker_a1.pk])).status_code == 403
    assert table_counts()[:3] == before[:3]


def test_every_action_on_an_account_is_audited_without_personal_values(street, officer_a,
                                                                       grid_worker_a1):
    client = signed_in(officer_a)
    open_account(client, street.community_a, street.grid_a1)
    worker = User.objects.get(username="grid_new")
    choose_password(link_on_page(client, worker))
    client.post(reverse("accounts:worker_password_link", args=[worker.pk]))
    client.post(reverse("accounts:worker_deactivate", args=[worker.pk]), {})

    on_account = AuditEntry.objects.filter(model_label="accounts.user",
                                           object_id=str(worker.pk)).order_by("seq")
    assert on_account.filter(action=AuditAction.CREATE, actor=officer_a).exists()
    changes = [entry.changes for entry in on_account.filter(action=AuditAction.UPDATE)]
    assert {"password": {"withheld": True}} in changes
    assert {"is_active": {"old": True, "new": False}, "password": {"withheld": True}} in changes
    assert "李新" not in str(changes)
    named = [(actor, detail.split(";")[0].split(",")[0]) for actor, detail in
             AuditEntry.objects.filter(target="grid_new").order_by("seq")
             .values_list("actor__username", "detail")]
    assert named == [
        ("officer_a", "one-time password link issued"),
        ("grid_new", "password set through a one-time link"),
        ("officer_a", "one-time password link issued"),
        ("officer_a", "grid worker's account deactivated"),
    ]
