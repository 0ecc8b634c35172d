"""The third-party apps of sign-in security as the admin names them, in the site's
languages: their own catalogues have no Chinese, and the TOTP device's names are plain
English strings that no catalogue can reach."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts and lock-outs")


class TotpConfig(TotpAppConfig):
    verbose_name = _("Second factor (authenticator app)")

    def ready(self):
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice  # the app registry is ready

        meta = TOTPDevice._meta
        meta.verbose_name, meta.verbose_name_plural = (
            _("authenticator app"), _("authenticator apps"))
        for name, label in TOTP_FIELDS.items():
            meta.get_field(name).verbose_name = label


TOTP_FIELDS = {
    "user": _("person"), "name": _("name"), "confirmed": _("confirmed"),
    "throttling_failure_timestamp": _("last failed code at"),
    "throttling_failure_count": _("failed codes in a row"), "created_at": _("created at"),
    "last_used_at": _("last used at"), "key": _("secret key"), "step": _("time step (s)"),
    "t0": _("start time (t0)"), "digits": _("digits"), "tolerance": _("tolerance (steps)"),
    "drift": _("clock drift (steps)"), "last_t": _("last time step used"),
}
