from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RhythmConfig(AppConfig):
    """The work plan's clock: 日核、周调、月统 and the T+2 warnings."""

    name = "rhythm"
    verbose_name = _("Daily, weekly and monthly rhythm")

    def ready(self):
        # Imported here, not above: they use models, which load after the app registry.
        from inbox.channels import use_calendar as use_calendar_for_digests
        from inbox.runs import register_writer
        from rhythm.calendar import is_workday, official_overrides
        from rhythm.services import OVERDUE_RUN, write_overdue_warning_notices
        from risks.clocks import use_calendar

        # The register counts its stage clocks in working days of the official calendar,
        # and the inbox sends its daily digests on them; neither can import it (the rhythm
        # sits above both).
        use_calendar(official_overrides)
        use_calendar_for_digests(is_workday)
        register_writer(OVERDUE_RUN, write_overdue_warning_notices)
        # What a change of areas' preview counts of the rhythm (grids.restructuring).
        from rhythm.area_changes import register as register_area_changes

        register_area_changes()
