from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "risks"
    verbose_name = _("Risk register")

    def ready(self):
        # Imported here, not above: they use models, which load after the app registry.
        from inbox.runs import register_writer
        from risks.clocks import RED_RUN, write_red_clock_notices

        register_writer(RED_RUN, write_red_clock_notices)

        # A photo or file whose matter's transaction rolled back is swept.
        from quanfu.media_files import FileSource, register_file_source
        from risks.attachments import attachment_files_in_use

        register_file_source(FileSource("risks/attachments", in_use=attachment_files_in_use))
        # A change of areas moves the open matters of the changed areas (grids.restructuring).
        from risks.area_changes import register as register_area_changes

        register_area_changes()
