"""The ledgers' block of a matter's page (registered by LedgersConfig.ready with
risks.matter_panels): its paper file in the archive ledger (number, where it is kept,
what it holds) with a link to the printable archive sheet; and, for a role that keeps the
archive ledger, filing it there. One query."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ledgers.choices import ArchiveDocument
from ledgers.models import ArchiveFile
from risks import permissions
from risks.matter_panels import NextStep, PanelContent, with_back_to_matter


def build(risk, user) -> PanelContent | None:
    # whoever sees the matter opens its archive sheet (ledgers.views.archive_sheet); the
    # roles that may edit matters file it (ledgers.services.file_archive)
    archive = ArchiveFile.objects.filter(risk=risk).select_related("assigned_by").first()
    may_file = permissions.user_may(user, permissions.EDIT)
    sheet = reverse("ledgers:archive_sheet", args=[risk.pk])
    steps = ()
    if archive is None:
        if may_file:
            steps = (NextStep("archive", _("File in the archive"), with_back_to_matter(sheet),
                              "outline-secondary"),)
        return PanelContent(None, steps)
    labels = dict(ArchiveDocument.choices)
    return PanelContent({"archive": archive, "sheet_url": sheet, "may_file": may_file,
                         "documents": [labels.get(code, code) for code in archive.documents]})
