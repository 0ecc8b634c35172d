from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and access")

    def ready(self):
        # here, not above: they use the models, which load after the app registry
        from accounts import checks, schema, signals  # noqa: F401  (schema: token auth in OpenAPI)

        signals.connect()
