"""The demo's archive ledger: the written-off and resolved demo matters have their paper
files, numbered through ledgers.services like any other. Idempotent."""

from accounts.models import User
from accounts.roles import Role
from grids.models import Area
from ledgers import services
from ledgers.choices import ArchiveDocument
from risks.choices import RiskStatus
from risks.models import Risk

DOCUMENTS = [ArchiveDocument.REGISTRATION, ArchiveDocument.VERIFICATION,
             ArchiveDocument.GRADING, ArchiveDocument.RESOLUTION_PLAN]
WRITTEN_OFF_DOCUMENTS = [*DOCUMENTS, ArchiveDocument.MEDIATION_AGREEMENT,
                         ArchiveDocument.WRITE_OFF_APPROVAL]


def load_archive_files(street: Area) -> int:
    officers = {officer.area_id: officer for officer in User.objects.filter(
        role=Role.COMMUNITY_OFFICER, area__path__startswith=street.path).order_by("username")}
    matters = (Risk.objects.filter(area__path__startswith=street.path,
                                   status__in=[RiskStatus.CLOSED, RiskStatus.RESOLVED],
                                   archive_file__isnull=True)
               .select_related("community").order_by("code"))
    filed = 0
    for risk in matters:
        officer = officers.get(risk.community_id)
        if officer is None:
            continue
        closed = risk.status == RiskStatus.CLOSED
        services.file_archive(risk, actor=officer,
                              location=f"{risk.community.name}档案室 {risk.code[-3:]}号盒",
                              documents=WRITTEN_OFF_DOCUMENTS if closed else DOCUMENTS)
        filed += 1
    return filed
