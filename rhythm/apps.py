from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RhythmConfig(AppConfig):
    """The work plan's clock: 日核、周调、月统 and the T+2 warnings."""

    name = "rhythm"
    verbose_name = _("Daily, weekly and monthly rhythm")
