from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # The register never imports the meetings: it asks, through its registry, which
        # matters a whistle call or an action item names a person on.
        from meetings.scoping import matters_named_in_meetings_q
        from risks.scoping import register_named_on

        register_named_on("meetings", matters_named_in_meetings_q)
