"""A district platform's scope (issue 21): an API client of the district sees several
streets, which no single area of the tree holds. An administrator names them on the
client's account (``User.district_streets``, in the admin); the client's scope is then its
own area and those streets, through grids.scoping's scope providers (registered in
accounts.apps), so that every queryset, page and export scoped by grids.scoping and
risks.scoping follows at once."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.choices import AreaKind
from quanfu.errors import RuleBroken


def district_roots(user) -> list:
    """The roots of an API client's scope: its area and its district streets (one query);
    none when it has no district streets (grids.scoping then takes its area alone)."""
    streets = list(user.district_streets.all()) if user.pk else []
    if not streets:
        return []
    candidates = {area.pk: area for area in ([user.area] if user.area_id else []) + streets}
    # an area inside another root adds nothing (its area may lie in one of the streets)
    roots = [area for area in candidates.values()
             if not any(other.pk != area.pk and area.is_within(other)
                        for other in candidates.values())]
    roots.sort(key=lambda area: area.path)
    return roots


def district_refusal(role: str, streets) -> str | None:
    """Why an account of ``role`` may not see ``streets`` as its district; None if it may."""
    if streets and role != Role.API_CLIENT:
        return _("Only an API client sees the streets of a district.")
    if any(street.kind != AreaKind.STREET for street in streets):
        return _("A district is made of streets: choose streets only.")
    return None


@transaction.atomic
def set_district_streets(client: User, streets, *, actor) -> bool:
    """Name the streets an API client of the district sees besides its area; returns
    whether they changed. Only API clients have district streets, and only streets.
    Written to the audit log (a many-to-many change sends no save to record)."""
    streets = list(streets)
    reason = district_refusal(client.role, streets)
    if reason is not None:
        raise RuleBroken(reason, field="district_streets")
    before = sorted(client.district_streets.values_list("code", flat=True))
    after = sorted(street.code for street in streets)
    if before == after:
        return False
    client.district_streets.set(streets)
    record_event(action=AuditAction.UPDATE, actor=actor, target=f"user:{client.pk}",
                 detail=f"district streets of {client.username}: {', '.join(before) or '—'}"
                        f" → {', '.join(after) or '—'}")
    return True
