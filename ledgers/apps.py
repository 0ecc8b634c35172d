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

        # Exports live while their row does; a sheet's marked copy LEDGER_FILES_KEEP_DAYS.
        from django.conf import settings

        from ledgers.services import EXPORT_FOLDER, IMPORT_FOLDER, export_files_in_use
        from quanfu.media_files import FileSource, register_file_source

        register_file_source(FileSource(EXPORT_FOLDER, in_use=export_files_in_use))
        register_file_source(FileSource(
            IMPORT_FOLDER, keep_days=lambda: settings.LEDGER_FILES_KEEP_DAYS))

        # A dispute record changes with its matter: the webhooks tell it as dispute.changed.
        from ledgers.dispute_events import MATTER_EVENTS, dispute_record_changed
        from webhooks.outbox import also_record

        also_record(MATTER_EVENTS, dispute_record_changed)
