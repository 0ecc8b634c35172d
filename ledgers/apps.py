from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("Ledgers")

    def ready(self):
        # Imported here, not above: they use models, which load after the app registry.
        from ledgers import matter_panel
        from risks.matter_panels import register_matter_panel

        # The register never imports the ledgers: a matter's page shows its archive file
        # through this panel.
        register_matter_panel("ledgers", order=30, build=matter_panel.build,
                              template="ledgers/includes/matter_panel.html")
