"""Who may browse and export the audit log, and which entries: administrators
(superusers) read every entry; a street leader reads the entries of their own street
(audit.streets says which street an entry belongs to). Everyone else: 403."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.models import AuditEntry
from audit.streets import street_of_user

AUDIT_READERS = frozenset({Role.STREET_LEADER})


def may_browse_audit(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role in AUDIT_READERS


def require_audit_reader(user) -> None:
    if not may_browse_audit(user):
        raise PermissionDenied(_("Only the street leader and administrators read the "
                                 "audit log."))


def visible_entries(user):
    """The entries ``user`` may read (the caller has checked may_browse_audit)."""
    entries = AuditEntry.objects.all()
    if user.is_superuser:
        return entries
    street_id = street_of_user(user)
    return entries.filter(street_id=street_id) if street_id is not None else entries.none()
