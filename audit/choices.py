from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """What an audit entry records. Model changes (create, update, transition, delete) are
    written by the receivers in audit.signals; the others by the services that do them."""

    CREATE = "create", _("Create")
    UPDATE = "update", _("Change")
    TRANSITION = "transition", _("Transition")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    UNMASKED_READ = "unmasked_read", _("Unmasked read")
    LOGIN = "login", _("Login")
    LOGOUT = "logout", _("Logout")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKOUT = "lockout", _("Lock-out")
    OTP_FAILED = "otp_failed", _("Failed second factor")
    TOKEN_USE = "token_use", _("API token use")
    RETENTION = "retention", _("Retention")


# Reads in the clear and exports: what the register called its access log before every
# change was audited (audit.models.AccessLog shows only these).
ACCESS_ACTIONS = (AuditAction.UNMASKED_READ, AuditAction.EXPORT)

# Attempts to sign in, where the person may not be known: the username tried is kept.
SIGN_IN_ACTIONS = (AuditAction.LOGIN, AuditAction.LOGOUT, AuditAction.LOGIN_FAILED,
                   AuditAction.LOCKOUT, AuditAction.OTP_FAILED)
