from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RhythmConfig(AppConfig):
    """The work plan's clock: 日核、周调、月统 and the T+2 warnings."""

    name = "rhythm"
    verbose_name = _("Daily, weekly and monthly rhythm")

    def ready(self):
        # Imported here, not above: they use models, which load after the app registry.
        from rhythm.calendar import official_overrides
        from risks.clocks import use_calendar

        # The register counts its stage clocks in working days of the official calendar,
        # which it cannot import (the rhythm sits above it).
        use_calendar(official_overrides)
