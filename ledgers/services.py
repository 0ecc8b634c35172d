"""What changes state in the ledgers: exporting (logged, large ones as background jobs),
filing a matter's paper file in the archive ledger, and importing survey sheets.

Scope is not checked here beyond what the functions say: matters come in through
risks.scoping, and exports build their queryset from the actor's scope themselves.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.choices import AuditAction
from audit.models import AccessLog
from audit.services import Origin, log_access, record_event
from inbox.services import notify
from ledgers import exports
from ledgers.acknowledgements import acknowledgements_of
from ledgers.choices import ArchiveDocument, ExportAction, ExportStatus, Ledger
from ledgers.layouts import dispute_record
from ledgers.matter_rows import Labels, matter_rows
from ledgers.models import ArchiveFile, ArchiveNumberCounter, ExportJob, ImportedMatter
from ledgers.queries import filtered_risks, ledger_filterset
from ledgers.survey_sheet import (
    COLUMNS,
    SheetCheck,
    SheetError,
    check_sheet,
    marked_copy,
    open_workbook,
)
from ledgers.transitions import EXPORT_TRANSITIONS
from quanfu.enqueue import enqueue_on_commit
from quanfu.errors import Forbidden, RuleBroken
from quanfu.personal_data import refuse_personal_data
from risks import permissions
from risks.models import Risk
from risks.services import BULK_INSERT_ROWS, ReportsRefused, report_risks_in_bulk

logger = logging.getLogger(__name__)

DEFAULT_SYNC_EXPORT_ROWS = 5000
EXPORT_FOLDER = "ledger_exports"


def sync_export_limit() -> int:
    """Exports of more rows than this run as a background job."""
    return getattr(settings, "LEDGER_EXPORT_SYNC_ROWS", DEFAULT_SYNC_EXPORT_ROWS)


def available_ledgers() -> list[str]:
    return list(Ledger.values)


# Exports ----------------------------------------------------------------------------------

@dataclass
class ExportOutcome:
    """Either the finished file (``content``, an open temporary file) or the ``job``
    that will write it."""

    ledger: str
    rows: int
    content: object = None
    job: ExportJob | None = None

    @property
    def filename(self) -> str:
        return f"{exports.TITLES[self.ledger]}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def write_ledger(ledger: str, queryset, *, user, unmask: bool):
    """(temporary file, rows) of a ledger over an already scoped, filtered queryset."""
    if ledger in exports.MATTER_LAYOUTS:
        return exports.write_matter_ledger(ledger, queryset, user=user, unmask=unmask)
    if ledger == Ledger.BASELINE:
        return exports.write_baseline(queryset, user=user)
    return exports.write_progress(queryset, user=user)


def _log_export(actor, ledger: str, rows: int, query: str, unmask: bool, origin, note=""):
    target = f"ledger:{ledger}"
    detail = f"rows={rows} filters={query or '-'}{note}"
    log_access(actor=actor, action=AccessLog.Action.EXPORT, target=target, detail=detail,
               origin=origin)
    if unmask:
        log_access(actor=actor, action=AccessLog.Action.UNMASKED_READ, target=target,
                   detail=f"parties unmasked in export; {detail}", origin=origin)


def export_ledger(*, actor, ledger: str, params: QueryDict, unmask: bool = False,
                  origin: Origin | None = None, request=None) -> ExportOutcome:
    """Export a ledger of the actor's scope, filtered like the register (``params`` are the
    query parameters of ``risks/``). Parties are masked unless ``unmask`` is asked by
    someone allowed to unmask. Every export is written to the access log, an unmasked
    one twice (export and unmasked read). More rows than sync_export_limit(): a job is
    queued (after commit) and the actor is told in the inbox when the file is ready.

    Raises RuleBroken for a ledger not available, Forbidden for an unmask not allowed,
    Http404 for a ``within`` area outside the scope.
    """
    if ledger not in available_ledgers():
        raise RuleBroken(_("This ledger is not available."), field="ledger")
    if unmask and not permissions.may_unmask(actor):
        raise Forbidden(_("You may not see parties' personal data unmasked."))
    query = _export_query(params)
    queryset = filtered_risks(ledger_filterset(actor, params, request))
    if ledger in exports.MATTER_LAYOUTS:
        rows = exports.ledger_matters(ledger, queryset).count()
        if rows > sync_export_limit():
            return _queue_export(actor, ledger, query, unmask, rows, origin)
    content, rows = write_ledger(ledger, queryset, user=actor, unmask=unmask)
    _log_export(actor, ledger, rows, query, unmask, origin)
    return ExportOutcome(ledger=ledger, rows=rows, content=content)


def _export_query(params) -> str:
    copy = params.copy() if hasattr(params, "copy") else QueryDict(mutable=True)
    for name in ("unmask", "page", "format"):
        copy.pop(name, None)
    return copy.urlencode()


@transaction.atomic
def _queue_export(actor, ledger, query, unmask, rows, origin) -> ExportOutcome:
    job = ExportJob.objects.create(requested_by=actor, ledger=ledger, query=query,
                                   unmask=unmask, row_count=rows)
    _log_export(actor, ledger, rows, query, unmask, origin, note=f" job={job.pk}")
    _hand_to_a_worker(job.pk)
    return ExportOutcome(ledger=ledger, rows=rows, job=job)


def _hand_to_a_worker(job_id: int) -> None:
    """Send the job's task once the transaction commits. A broker that is down is logged,
    not raised (quanfu.enqueue): the job stays pending and the sweep sends it again."""
    from ledgers.tasks import write_ledger_export_task  # not above: it imports this module

    enqueue_on_commit(write_ledger_export_task, job_id)


def run_export_job(job_id: int) -> ExportJob | None:
    """Write a queued export to MEDIA_ROOT and tell its owner. Claimed with a conditional
    UPDATE, so a job delivered twice is written once. The owner's scope and unmask
    permission are read again now: what they lost meanwhile is not exported."""
    claimed = EXPORT_TRANSITIONS.move_all(ExportJob.objects.filter(pk=job_id),
                                          ExportAction.CLAIM, started_at=timezone.now(),
                                          runs=F("runs") + 1)
    if not claimed:
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    # only this run may finish it: the sweep may have handed a run it took for dead to
    # another worker meanwhile (requeue_stale_exports)
    this_run = ExportJob.objects.filter(pk=job.pk, runs=job.runs)
    user = job.requested_by
    try:
        unmask = job.unmask and permissions.may_unmask(user)
        queryset = filtered_risks(ledger_filterset(user, QueryDict(job.query)))
        content, rows = write_ledger(job.ledger, queryset, user=user, unmask=unmask)
        with content:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            name = default_storage.save(
                f"{EXPORT_FOLDER}/{user.pk}/{job.ledger}-{job.pk}-{stamp}.xlsx", File(content))
    except (Http404, RuleBroken, OSError) as error:
        logger.exception("ledger export job %s failed", job_id)
        if not EXPORT_TRANSITIONS.move_all(this_run, ExportAction.FAIL,
                                           error=str(error)[:500], finished_at=timezone.now()):
            return None
        notify([user], kind="ledger_export", key=f"ledger-export-{job.pk}",
               title=_("Your ledger export failed"),
               body=_("The export could not be written. Try again, or ask an administrator."))
        return ExportJob.objects.get(pk=job.pk)
    if not EXPORT_TRANSITIONS.move_all(this_run, ExportAction.FINISH, file_name=name,
                                       row_count=rows, finished_at=timezone.now()):
        default_storage.delete(name)
        return None
    notify([user], kind="ledger_export", key=f"ledger-export-{job.pk}",
           title=_("Your export is ready: %(ledger)s") % {"ledger": Ledger(job.ledger).label},
           body=_("%(rows)s rows. Download it from the link; it is kept for you only.")
           % {"rows": rows},
           link=reverse("ledgers:export_download", args=[job.pk]))
    return ExportJob.objects.get(pk=job.pk)


# A job still pending this long after it was handed to the broker never reached a worker
# (the broker was down, or lost the message); one running this long lost its worker
# half-way (far longer than the largest export takes). A job is run at most so many times.
EXPORT_PENDING_LIMIT = timedelta(minutes=10)
EXPORT_RUNNING_LIMIT = timedelta(hours=1)
EXPORT_MAX_RUNS = 3


def requeue_stale_exports(now=None) -> dict:
    """The sweep's part for exports (every 15 minutes, quanfu/periodic.py): hand the jobs
    left behind to a worker again: pending longer than EXPORT_PENDING_LIMIT since they were
    last handed out, or running longer than EXPORT_RUNNING_LIMIT (set back to pending; one
    already run EXPORT_MAX_RUNS times is failed instead and its owner told). Each job is
    claimed with a conditional UPDATE of the row that repeats its staleness, so of two
    sweeps at once only one hands it out. Sent after commit through quanfu.enqueue: with
    the broker still down the job stays pending and the next sweep past the limit tries
    again. Returns how many were handed out and how many failed."""
    now = now or timezone.now()
    pending_before, running_before = now - EXPORT_PENDING_LIMIT, now - EXPORT_RUNNING_LIMIT
    stale = (ExportJob.objects
             .filter(Q(status=ExportStatus.PENDING, queued_at__lt=pending_before)
                     | Q(status=ExportStatus.RUNNING, started_at__lt=running_before))
             .select_related("requested_by").order_by("pk"))
    handed_out = failed = 0
    for job in stale:
        with transaction.atomic():
            if job.status == ExportStatus.PENDING:
                claimed = ExportJob.objects.filter(
                    pk=job.pk, status=ExportStatus.PENDING, queued_at__lt=pending_before,
                ).update(queued_at=now)
            else:
                cut_short = ExportJob.objects.filter(pk=job.pk, started_at__lt=running_before)
                if job.runs >= EXPORT_MAX_RUNS:
                    if EXPORT_TRANSITIONS.move_all(
                            cut_short, ExportAction.FAIL, finished_at=now,
                            error=f"every one of its {job.runs} runs was cut short"):
                        failed += 1
                        notify([job.requested_by], kind="ledger_export",
                               key=f"ledger-export-{job.pk}",
                               title=_("Your ledger export failed"),
                               body=_("The export could not be written. Try again, or ask "
                                      "an administrator."))
                    continue
                claimed = EXPORT_TRANSITIONS.move_all(cut_short, ExportAction.REQUEUE,
                                                      queued_at=now)
            if claimed:
                handed_out += 1
                _hand_to_a_worker(job.pk)
    return {"handed_out": handed_out, "failed": failed}


def get_export_for_user(user, pk) -> ExportJob:
    """A finished export of this user's; anyone else's (or none) is 404."""
    try:
        return ExportJob.objects.get(pk=pk, requested_by=user, status=ExportStatus.DONE)
    except (ExportJob.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such export.") from error


def log_export_download(job: ExportJob, *, actor, origin: Origin | None = None) -> None:
    _log_export(actor, job.ledger, job.row_count, job.query, job.unmask, origin,
                note=f" download of job={job.pk}")


# The disputes feed (the city one-stop platform's API) -----------------------------------

def dispute_records(matter_ids: list[int], *, actor, unmask: bool = False,
                    origin: Origin | None = None) -> list[dict]:
    """The dispute records (ledgers.layouts.dispute_record, the items of GB/T 31000-2015)
    of a page of the feed: ``matter_ids`` come from the actor's scope (risks.scoping) and
    the feed's keyset walk, and the records keep their order, each with its ``id`` and
    ``updated_at`` for the walk, its ``version`` and whether the city platform took it as
    it is now (ledgers.acknowledgements). Parties are masked unless ``unmask`` is asked by
    someone allowed to unmask; such a read is written to the access log.

    Raises Forbidden for an unmask not allowed (nothing is read then).
    """
    if unmask and not permissions.may_unmask(actor):
        raise Forbidden(_("You may not see parties' personal data unmasked."))
    if not matter_ids:
        return []
    matters = Risk.objects.filter(pk__in=matter_ids).order_by("updated_at", "id")
    rows = list(matter_rows(matters, unmask=unmask, labels=Labels.chinese(),
                            extra_values=("updated_at", "version")))
    taken = acknowledgements_of([row for row, _parties in rows])
    not_taken = {"acked": False, "acked_at": None, "platform_ref": None}
    records = [{"id": row["id"], "updated_at": row["updated_at"], "version": row["version"],
                **dispute_record(row, parties), **taken.get(row["id"], not_taken)}
               for row, parties in rows]
    if unmask:
        log_access(actor=actor, action=AccessLog.Action.UNMASKED_READ, target="ledger:disputes",
                   detail=f"parties unmasked in the disputes feed; {len(records)} records "
                          f"({records[0]['code']} … {records[-1]['code']})", origin=origin)
    return records


# The archive ledger -----------------------------------------------------------------------

def next_archive_number(year: int) -> str:
    """QF-DA-<year>-<number>: the counter row is raised with an UPDATE (which holds its
    lock until commit) and never lowered, so no number is ever handed out twice."""
    prefix = settings.RISK_CODE_PREFIX
    for _attempt in range(3):
        if ArchiveNumberCounter.objects.filter(year=year).update(
                last_number=F("last_number") + 1):
            number = ArchiveNumberCounter.objects.get(year=year).last_number
            return f"{prefix}-DA-{year}-{number:05d}"
        try:
            with transaction.atomic():
                ArchiveNumberCounter.objects.create(year=year, last_number=0)
        except IntegrityError:
            pass  # another clerk created this year's counter first: raise it
    raise RuntimeError("could not allocate an archive number")


def _clean_documents(documents) -> list[str]:
    chosen = list(dict.fromkeys(documents or []))
    unknown = [code for code in chosen if code not in ArchiveDocument.values]
    if unknown:
        raise RuleBroken(_("Unknown documents: %(codes)s.") % {"codes": ", ".join(unknown)},
                         field="documents")
    return [code for code in ArchiveDocument.values if code in chosen]


@transaction.atomic
def file_archive(risk: Risk, *, actor, location: str = "", documents=(), note: str = ""
                 ) -> ArchiveFile:
    """Record the matter's paper file (线下档案): where it is kept and what it holds.
    The first filing gives the matter its archive number, which never changes and is
    never given to another matter; later filings update the place and the checklist.

    Needs a role that may edit matters (any tier: the paper file follows the matter).
    """
    if not permissions.user_may(actor, permissions.EDIT):
        raise Forbidden(_("Your role may not keep the archive ledger."))
    documents = _clean_documents(documents)
    location, note = (location or "").strip(), (note or "").strip()
    refuse_personal_data(location=location, note=note)
    archive = ArchiveFile.objects.select_for_update().filter(risk=risk).first()
    if archive is None:
        number = next_archive_number(timezone.localdate().year)
        try:
            with transaction.atomic():
                return ArchiveFile.objects.create(risk=risk, number=number,
                                                  location=location, documents=documents,
                                                  note=note, assigned_by=actor)
        except IntegrityError:
            # filed by someone else at this very moment: the number drawn stays unused
            archive = ArchiveFile.objects.select_for_update().get(risk=risk)
    archive.location, archive.documents, archive.note = location, documents, note
    archive.save(update_fields=["location", "documents", "note", "updated_at"])
    return archive


# Importing survey sheets ------------------------------------------------------------------

# Which column of the sheet a service's refusal points at.
SERVICE_FIELD_COLUMNS = {"title": "title", "description": "description", "area": "area",
                         "department": "area", "category": "category", "subtype": "subtype",
                         "discovered_at": "discovered_at", "level": "level",
                         "due_on": "due_on", "name": "party_names", "phone": "party_phones"}
IMPORT_FOLDER = "ledger_imports"


def remove_expired_exports(now=None) -> int:
    """Remove the exports finished (or failed) more than LEDGER_FILES_KEEP_DAYS ago, their
    files first (a file whose row is gone is also swept by quanfu.media_files). One audit
    entry for the run; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LEDGER_FILES_KEEP_DAYS)
    expired = ExportJob.objects.filter(finished_at__lt=cutoff,
                                       status__in=[ExportStatus.DONE, ExportStatus.FAILED])
    removed = 0
    for job in expired.only("pk", "file_name").iterator():
        if job.file_name:
            default_storage.delete(job.file_name)
        removed += ExportJob.objects.filter(pk=job.pk).delete()[0]
    if removed:
        record_event(action=AuditAction.DELETE, target="ledgers:exports",
                     detail=f"{removed} exports older than {settings.LEDGER_FILES_KEEP_DAYS} "
                            "days removed with their files")
    return removed


def export_files_in_use():
    return ExportJob.objects.exclude(file_name="").values_list("file_name", flat=True)


@dataclass
class ImportOutcome:
    check: SheetCheck
    dry_run: bool
    created: list

    @property
    def saved(self) -> bool:
        return bool(self.created)


class _UndoImport(Exception):
    """Raised inside the import's transaction to roll every row back."""


def import_survey_sheet(upload, *, actor, name: str = "", dry_run: bool = False
                        ) -> ImportOutcome:
    """Import a survey sheet all or nothing. The whole sheet is checked first (areas in the
    actor's scope, categories, subtypes, levels, dates, required fields, duplicates in the
    sheet and against the register); then, in one transaction, the planned rows become
    matters through risks.services.report_risks_in_bulk (the rules of report_risk, in a
    fixed number of queries) and their external references are recorded. Any error,
    found by the check or refused by the service, and nothing is saved. A dry run only
    checks.

    Raises UnreadableSheet for a file that is not a usable .xlsx, Forbidden for a role
    that may not report matters.
    """
    if not permissions.user_may(actor, permissions.REPORT):
        raise Forbidden(_("Your role may not report matters."))
    workbook = open_workbook(upload, name)
    try:
        check = check_sheet(workbook, actor)
    finally:
        workbook.close()
    if check.errors or dry_run or not check.planned:
        return ImportOutcome(check, dry_run, [])
    try:
        with transaction.atomic():
            created = report_risks_in_bulk(
                actor=actor, reports=[plan.arguments for plan in check.planned])
            _record_references(check, created, actor)
            record_event(action=AuditAction.IMPORT, actor=actor, target="ledger:survey_import",
                         detail=f"{name or 'sheet'}: {len(created)} matters created, "
                                f"{len(check.recognised)} rows already in the register")
    except ReportsRefused as refused:
        for position, error in refused.refusals:
            _sheet_error(check, check.planned[position].row,
                         SERVICE_FIELD_COLUMNS.get(error.field, ""), str(error.message))
        created = []
    except _UndoImport:
        created = []
    except IntegrityError:
        logger.exception("survey import collided with another write")
        _sheet_error(check, check.planned[0].row, "",
                     "保存时与同时保存的数据冲突，未能保存，请重新导入。")
        created = []
    return ImportOutcome(check, dry_run, created)


def _record_references(check: SheetCheck, created: list[Risk], actor) -> None:
    """Keep each row's external reference (外部编号) with the matter it became. A reference
    taken meanwhile by another import is an error of its row: the import is undone."""
    records = [ImportedMatter(street_id=risk.area.ancestor_ids()[0], reference=plan.reference,
                              risk=risk, imported_by=actor)
               for plan, risk in zip(check.planned, created, strict=True) if plan.reference]
    try:
        with transaction.atomic():
            ImportedMatter.objects.bulk_create(records, batch_size=BULK_INSERT_ROWS)
    except IntegrityError:
        taken = set(ImportedMatter.objects.filter(
            street_id__in={record.street_id for record in records},
            reference__in=[record.reference for record in records],
        ).values_list("street_id", "reference"))
        for plan, record in zip((plan for plan in check.planned if plan.reference), records,
                                strict=True):
            if (record.street_id, record.reference) in taken:
                _sheet_error(check, plan.row, "reference", "该外部编号刚被另一次导入使用。")
        if not check.errors:
            raise  # not a reference after all: the whole import is refused
        raise _UndoImport from None


def _sheet_error(check: SheetCheck, row: int, key: str, message: str) -> None:
    from openpyxl.utils import get_column_letter

    index = check.columns.get(key)
    header = next((column.header for column in COLUMNS if column.field == key), "")
    check.errors.append(SheetError(check.sheet, row, get_column_letter(index) if index else "",
                                   header if index else "", message))


def store_marked_copy(upload, check: SheetCheck, *, actor) -> str:
    """Keep the sheet with its bad cells marked for its uploader to download; the file
    lives under the uploader's own folder, which is what the download view reads."""
    import uuid

    with marked_copy(upload, check) as content:
        return default_storage.save(f"{IMPORT_FOLDER}/{actor.pk}/{uuid.uuid4().hex}.xlsx",
                                    File(content))
