"""A community keeps its grid workers' accounts (issue 20), without the administrator:
it opens one, deactivates one, and resets one's password with a one-time link.

Who keeps which community is grids.scoping's rule (``may_keep_area``). The officer never
chooses nor sees a password: a new account and a reset both give a link, valid once and
for ``LINK_VALID_HOURS``, that the officer hands to the worker, who chooses their own
password through it (accounts.worker_views.PasswordLinkView, under the project's password
rules). The link is Django's password-reset token (no table): it is signed over the
account's password hash and last login, so it dies as soon as a password is set through
it, at the next login, at a newer link, and at deactivation.

Every action is audited: the account's model changes (name and password withheld, as
audit.model_changes.PERSONAL_FIELDS says), plus one entry naming the action.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import lockout
from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.choices import AreaKind
from grids.models import Area, DutyAssignment
from grids.rosters import keep_grid_duty
from grids.scoping import may_keep_area
from quanfu.errors import Forbidden, RuleBroken

LINK_VALID_HOURS = 24


class OneTimePasswordLinks(PasswordResetTokenGenerator):
    """Django's password-reset tokens, with a salt of their own and valid
    LINK_VALID_HOURS (PASSWORD_RESET_TIMEOUT, three days by default, still bounds them)."""

    key_salt = "accounts.grid_workers.OneTimePasswordLinks"

    def check_token(self, user, token):
        if user is None or not user.is_active or not super().check_token(user, token):
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - issued <= LINK_VALID_HOURS * 3600


password_links = OneTimePasswordLinks()


@dataclass(frozen=True)
class PasswordLink:
    """What the officer hands over: the link's two parts (accounts:password_link) and
    until when it works."""

    uidb64: str
    token: str
    valid_until: datetime


def _check_keeper(actor, area: Area) -> None:
    if area is None or not may_keep_area(actor, area):
        raise Forbidden(_("You do not keep the grid workers of this community."))


def _first_refusal(error: ValidationError) -> RuleBroken:
    name, messages = next(iter(error.message_dict.items()))
    return RuleBroken(messages[0], field=name)


@transaction.atomic
def create_grid_worker(*, actor, username: str, name: str, grid: Area) -> User:
    """Open the account of a grid worker of ``grid`` (its username and display name; no
    password yet: give them ``issue_password_link``'s link).

    Refusals: Forbidden unless ``actor`` keeps the grid's community; RuleBroken on
    ``grid`` for an area that is not an open grid; on ``username`` for one taken or not
    allowed. Side effect: the account's creation is audited (a model change).
    """
    _check_keeper(actor, grid)
    if grid.kind != AreaKind.GRID:
        raise RuleBroken(_("Choose one of the community's grids."), field="grid")
    if grid.closed_on is not None and grid.closed_on <= timezone.localdate():
        raise RuleBroken(_("This grid is closed: choose an open one."), field="grid")
    worker = User(username=username.strip(), name=name.strip(), role=Role.GRID_WORKER,
                  area=grid)
    worker.set_unusable_password()
    try:
        worker.full_clean()
    except ValidationError as error:
        raise _first_refusal(error) from error
    worker.save()
    return worker


@transaction.atomic
def issue_password_link(worker: User, *, actor) -> PasswordLink:
    """A one-time link with which ``worker`` sets a new password. It is a reset: the
    password they had stops working now, and so does any link given before.

    Refusals: Forbidden unless ``actor`` keeps the worker's community (and the worker is a
    grid worker); RuleBroken for a deactivated account. Side effects: the password change
    (withheld) and an entry naming the link's issue are audited.
    """
    worker = User.objects.select_for_update(of=("self",)).select_related("area").get(pk=worker.pk)
    if worker.role != Role.GRID_WORKER:
        raise Forbidden(_("You keep only grid workers' accounts."))
    _check_keeper(actor, worker.area)
    if not worker.is_active:
        raise RuleBroken(_("This account is deactivated: it gets no password link."))
    worker.set_unusable_password()
    worker.save(update_fields=["password"])
    token = password_links.make_token(worker)
    valid_until = timezone.now() + timedelta(hours=LINK_VALID_HOURS)
    record_event(action=AuditAction.UPDATE, actor=actor, target=worker.get_username(),
                 detail=f"one-time password link issued, valid {LINK_VALID_HOURS} hours; "
                        "the old password no longer works",
                 changes={"user": worker.pk})
    return PasswordLink(urlsafe_base64_encode(force_bytes(worker.pk)), token, valid_until)


@transaction.atomic
def set_password_through_link(worker: User, password: str, *, request=None) -> None:
    """The worker chose ``password`` through a valid link (checked by the page, with the
    password rules). Side effects: their failed logins are forgotten (a reset unlocks),
    the link dies with the old hash, and the change is audited as the worker's own act."""
    worker.set_password(password)
    worker.save(update_fields=["password"])
    lockout.unlock(worker.get_username())
    record_event(action=AuditAction.UPDATE, actor=worker, target=worker.get_username(),
                 detail="password set through a one-time link", request=request)


def current_duties(worker: User) -> list[DutyAssignment]:
    """The worker's roster entries held today or planned, with no successor named yet."""
    return list(DutyAssignment.objects.filter(person=worker, ends_on__isnull=True)
                .select_related("grid").order_by("grid__code", "duty"))


@transaction.atomic
def deactivate_grid_worker(worker: User, *, actor, successor: User | None = None) -> int:
    """Close a grid worker's account: they can no longer log in, their open sessions and
    their phones' tokens stop working at once (both check ``is_active``), any password
    link dies (the password is made unusable); the account and everything it did stay.

    The duties they hold in the grids' rosters pass to ``successor`` from today (or from
    the day a planned entry starts), through the roster's own service: a grid is never
    left without its holder. Returns how many duties passed.

    Refusals: Forbidden unless ``actor`` keeps the worker's community; RuleBroken for an
    account already deactivated, on ``successor`` when duties are held and nobody (or the
    worker) is named, or the successor may not hold one of them (the whole is refused).
    Side effects: the account's change (is_active; password withheld), each roster entry
    and one entry naming the deactivation are audited.
    """
    worker = User.objects.select_for_update(of=("self",)).select_related("area").get(pk=worker.pk)
    if worker.role != Role.GRID_WORKER:
        raise Forbidden(_("You keep only grid workers' accounts."))
    _check_keeper(actor, worker.area)
    if not worker.is_active:
        raise RuleBroken(_("This account is already deactivated."))
    duties = current_duties(worker)
    if duties and (successor is None or successor.pk == worker.pk):
        raise RuleBroken(_("%(person)s holds duties in the grids' rosters: name who takes "
                           "them over.") % {"person": worker.display_name}, field="successor")
    today = timezone.localdate()
    for entry in duties:
        try:
            keep_grid_duty(entry.grid, entry.duty, successor, actor=actor,
                           starts_on=max(today, entry.starts_on))
        except RuleBroken as refusal:  # about the successor, whatever the field it names
            raise RuleBroken(refusal.message, field="successor") from refusal
    worker.is_active = False
    worker.set_unusable_password()
    worker.save(update_fields=["is_active", "password"])
    handed = f"; {len(duties)} roster duties passed to {successor.get_username()}" \
        if duties else ""
    record_event(action=AuditAction.UPDATE, actor=actor, target=worker.get_username(),
                 detail=f"grid worker's account deactivated{handed}",
                 changes={"user": worker.pk, "duties": [entry.pk for entry in duties]})
    return len(duties)
