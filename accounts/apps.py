from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and access")

    def ready(self):
        # here, not above: they use the models, which load after the app registry
        from accounts import checks, schema, signals  # noqa: F401  (schema: token auth in OpenAPI)

        signals.connect()
        # A district platform's client sees its district's streets (accounts.district_scope)
        from accounts.district_scope import district_roots
        from accounts.roles import Role
        from grids.scoping import register_scope_provider

        register_scope_provider(Role.API_CLIENT, district_roots)
