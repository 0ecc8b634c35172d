from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # The register never imports the meetings: it asks, through its registry, which
        # matters a whistle call or an action item names a person on.
        from meetings import matter_panel
        from meetings.scoping import matters_named_in_meetings_q
        from risks.matter_panels import MAIN, register_matter_panel
        from risks.scoping import register_named_on

        register_named_on("meetings", matters_named_in_meetings_q)
        # and what its page shows of the matter's whistle calls and meetings
        register_matter_panel("meetings", order=10, build=matter_panel.build,
                              template="meetings/includes/matter_panel.html", column=MAIN)
