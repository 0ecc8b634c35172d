from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self):
        # Imported here, not above: they use models, which load after the app registry.
        from grids.scoping import register_scope_provider
        from quanfu.media_files import FileSource, register_file_source
        from rhythm.jobs import run_after_daily_and_weekly_jobs
        from risks.matter_panels import register_matter_panel
        from supervision import matter_panel
        from supervision.dashboards import warm_city_folds
        from supervision.evidence import evidence_files_in_use
        from supervision.scoping import supervised_communities

        # The apps below never import supervision: it tells them what it adds.
        register_scope_provider(Role.SUPERVISOR, supervised_communities)
        register_file_source(FileSource("supervision/evidence", in_use=evidence_files_in_use))
        run_after_daily_and_weekly_jobs(warm_city_folds)
        register_matter_panel("supervision", order=20, build=matter_panel.build,
                              template="supervision/includes/matter_panel.html",
                              badge_template="supervision/includes/matter_badge.html")
