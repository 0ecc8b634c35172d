from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and access")

    def ready(self):
        from accounts import checks, schema, signals  # noqa: F401  (schema: token auth in OpenAPI)

        signals.connect()
