"""The audit log's page and its .xlsx export: the street leader (their street's entries)
and administrators only (audit.permissions); filtered by audit.filters; newest first,
paged by seq (keyset), so a page costs one indexed query however long the log is."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from audit import chain, export
from audit.choices import AuditAction
from audit.filters import AuditEntryFilterSet
from audit.model_changes import audited_models
from audit.permissions import require_audit_reader, visible_entries
from audit.services import record_event
from audit.wording import word_entries
from quanfu.filter_fields import IdField
from quanfu.xlsx import XLSX_CONTENT_TYPE

PAGE_SIZE = 50
PAGING_PARAMETERS = ("before", "after")


@dataclass(frozen=True)
class EntryPage:
    entries: list
    older_than: int | None  # link to older entries: ?before=<seq>
    newer_than: int | None  # link to newer entries: ?after=<seq>


def _seq(value) -> int | None:
    try:
        return IdField().clean(value) if value not in (None, "") else None
    except ValidationError:  # a bad page link shows the first page, never an error
        return None


def page_of(queryset, params) -> EntryPage:
    before, after = _seq(params.get("before")), _seq(params.get("after"))
    if after is not None and before is None:
        rows = list(queryset.filter(seq__gt=after).order_by("seq")[:PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        has_older = bool(rows)
    else:
        page = queryset.order_by("-seq")
        if before is not None:
            page = page.filter(seq__lt=before)
        rows = list(page[:PAGE_SIZE + 1])
        has_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_newer = before is not None and bool(rows)
    return EntryPage(rows, rows[-1].seq if has_older else None,
                     rows[0].seq if has_newer else None)


def _filter_query(request) -> str:
    query = request.GET.copy()
    for name in PAGING_PARAMETERS:
        query.pop(name, None)
    return query.urlencode()


def _filtered(request) -> AuditEntryFilterSet:
    """The sealed entries the reader may see; what waits for the sealer is sealed first, so
    that a change made a moment ago is already there."""
    if chain.deferred():
        chain.seal()
    return AuditEntryFilterSet(request.GET or None,
                               queryset=visible_entries(request.user)
                               .filter(seq__isnull=False).select_related("actor"))


@never_cache
@login_required
@require_safe
def entry_list(request):
    """Who did what, when, from where: filter by who, action, record type, dates, IP and
    text; export what is shown."""
    require_audit_reader(request.user)
    filterset = _filtered(request)
    page = page_of(filterset.qs, request.GET)
    record_types = {described.label: model._meta.verbose_name
                    for model, described in audited_models().items()}
    word_entries(page.entries, record_types)
    return render(request, "audit/entry_list.html", {
        "filterset": filterset, "page": page, "filter_query": _filter_query(request),
    })


@never_cache
@login_required
@require_safe
def entry_export(request):
    """The filtered entries as .xlsx; the export is itself written to the log."""
    require_audit_reader(request.user)
    filterset = _filtered(request)
    content, rows, truncated = export.write_entries(filterset.qs, user=request.user)
    query = _filter_query(request)
    record_event(action=AuditAction.EXPORT, actor=request.user, target="audit-log",
                 detail=f"rows={rows} filters={query or '-'}"
                        + (" (newest rows only)" if truncated else ""),
                 request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(content, as_attachment=True, filename=f"审计日志-{stamp}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)
