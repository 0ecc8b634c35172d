"""The ledgers' pages. Each starts from the user's scope and the register's filters
(risks.filters.RiskFilterSet, the same query parameters as the API), shows the same
columns as its .xlsx, and offers the export of exactly what is shown."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Origin
from ledgers import exports, services, summaries
from ledgers.acknowledgements import not_taken_count
from ledgers.choices import ArchiveDocument, Ledger
from ledgers.forms import ArchiveFileForm, SurveyUploadForm
from ledgers.matter_rows import Labels
from ledgers.models import ArchiveFile
from ledgers.queries import filtered_risks, ledger_filterset
from ledgers.survey_sheet import UnreadableSheet
from ledgers.survey_template import survey_template
from quanfu.db_router import reads_from_replica
from quanfu.refusals import refusal_on_form
from quanfu.xlsx import XLSX_CONTENT_TYPE
from risks import permissions
from risks.list_forms import RiskFilterForm
from risks.list_views import chosen_place
from risks.matter_panels import matter_page_url, returns_to_matter
from risks.scoping import get_risk_for_user

PAGE_SIZE = 50
TEMPLATES = {
    Ledger.ONLINE: "ledgers/matter_ledger.html",
    Ledger.ARCHIVE: "ledgers/matter_ledger.html",
    Ledger.DISPUTES: "ledgers/matter_ledger.html",
    Ledger.KEY_MATTERS: "ledgers/matter_ledger.html",
    Ledger.BASELINE: "ledgers/baseline.html",
    Ledger.PROGRESS: "ledgers/progress.html",
}


def xlsx_response(content, filename: str) -> FileResponse:
    return FileResponse(content, as_attachment=True, filename=filename,
                        content_type=XLSX_CONTENT_TYPE)


def ledger_or_404(name: str) -> str:
    if name not in services.available_ledgers() or name not in TEMPLATES:
        raise Http404("No such ledger.")
    return name


def query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@login_required
def ledger_index(request):
    """The ledgers the user can open, and the survey-sheet import for those who report."""
    ledgers = [(ledger, Ledger(ledger).label) for ledger in services.available_ledgers()
               if ledger in TEMPLATES]
    return render(request, "ledgers/index.html", {
        "ledgers": ledgers,
        "may_import": permissions.user_may(request.user, permissions.REPORT),
    })


@login_required
def ledger_page(request, name):
    """One ledger, filtered like the register; a matter ledger is paginated and shows the
    columns of its .xlsx (parties always masked on the page)."""
    ledger = ledger_or_404(name)
    user = request.user
    queryset = filtered_risks(ledger_filterset(user, request.GET, request))
    context = {
        "ledger": ledger,
        "title": Ledger(ledger).label,
        "filter_form": RiskFilterForm(request.GET or None, user=user,
                                      place=chosen_place(request)),
        "export_query": query_without(request, "page"),
        "query_without_page": query_without(request, "page"),
        "may_unmask": permissions.may_unmask(user),
    }
    if ledger in exports.MATTER_LAYOUTS:
        context.update(matter_page(request, ledger, queryset))
    if ledger == Ledger.DISPUTES:  # what the city platform has still to take (同步上传)
        context["not_taken"] = not_taken_count(queryset)
    elif ledger == Ledger.BASELINE:
        context["baseline"] = summaries.baseline(queryset)
    elif ledger == Ledger.PROGRESS:
        context["progress_rows"], context["progress_total"] = summaries.progress(queryset)
    return render(request, TEMPLATES[ledger], context)


def matter_page(request, ledger, queryset) -> dict:
    layout = exports.MATTER_LAYOUTS[ledger]
    paginator = Paginator(exports.ledger_matters(ledger, queryset), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    labels, today = Labels.chinese(), timezone.localdate()
    offset = page.start_index() - 1 if paginator.count else 0
    found = layout.read(page.object_list, unmask=False, labels=labels,
                        extra_values=layout.extra_values) if paginator.count else []
    rows = [(row["id"], layout.cells(offset + index, row, parties, labels, today))
            for index, (row, parties) in enumerate(found, start=1)]
    return {"columns": [column.header for column in layout.columns], "rows": rows,
            "page_obj": page, "paginator": paginator, "is_paginated": page.has_other_pages(),
            "is_archive": ledger == Ledger.ARCHIVE}


@login_required
@reads_from_replica
def ledger_export(request, name):
    """The ledger as .xlsx at once, or, when large, a job whose file lands in the inbox."""
    ledger = ledger_or_404(name)
    unmask = request.GET.get("unmask") in ("1", "true", "yes")
    outcome = services.export_ledger(actor=request.user, ledger=ledger, params=request.GET,
                                     unmask=unmask, origin=Origin.of(request), request=request)
    if outcome.job is not None:
        messages.info(request, _("%(rows)s rows: the export is being written. You will find "
                                 "it in your inbox when it is ready.") % {"rows": outcome.rows})
        back = reverse("ledgers:ledger_page", args=[ledger])
        query = query_without(request, "unmask")
        return redirect(f"{back}?{query}" if query else back)
    return xlsx_response(outcome.content, outcome.filename)


@login_required
def export_download(request, pk):
    """A finished background export: only the person who asked for it may download it."""
    job = services.get_export_for_user(request.user, pk)
    if not default_storage.exists(job.file_name):
        raise Http404("The file is no longer kept.")
    services.log_export_download(job, actor=request.user, origin=Origin.of(request))
    filename = f"{exports.TITLES[job.ledger]}-{timezone.localtime(job.created_at):%Y%m%d-%H%M}"
    return xlsx_response(default_storage.open(job.file_name), f"{filename}.xlsx")


# The archive ledger -----------------------------------------------------------------------

@login_required
def archive_sheet(request, pk):
    """A matter's archive sheet (档案卡), printable; those who may edit file it here."""
    risk = get_risk_for_user(request.user, pk)
    archive = ArchiveFile.objects.filter(risk=risk).select_related("assigned_by").first()
    may_file = permissions.user_may(request.user, permissions.EDIT)
    form = ArchiveFileForm(request.POST or None, archive=archive)
    if request.method == "POST":
        if not may_file:
            raise PermissionDenied(_("Your role may not keep the archive ledger."))
        if form.is_valid():
            with refusal_on_form(form):
                archive = services.file_archive(risk, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Archive file %(number)s saved.")
                                 % {"number": archive.number})
                if returns_to_matter(request):
                    return redirect(matter_page_url(risk.pk, "archive"))
                return redirect("ledgers:archive_sheet", pk=risk.pk)
    risk = (type(risk).objects.select_related(
        "category", "subtype", "community", "community__parent", "grid", "department",
        "dispatch_person",
        "investigate_person", "resolve_person", "stabilize_person", "lead")
        .get(pk=risk.pk))
    held = set(archive.documents) if archive else set()
    return render(request, "ledgers/archive_sheet.html", {
        "risk": risk, "archive": archive, "form": form, "may_file": may_file,
        "checklist": [(label, code in held) for code, label in ArchiveDocument.choices],
        "printed_at": timezone.localtime(),
    })


# Importing survey sheets ------------------------------------------------------------------

@login_required
def survey_template_download(request):
    content = survey_template(request.user)
    return xlsx_response(content, "排查登记表导入模板.xlsx")


@login_required
def survey_import(request):
    """Upload a survey sheet: checked whole; saved all or nothing; every error listed with
    sheet, row, column and field, and a copy of the sheet with the bad cells marked."""
    if not permissions.user_may(request.user, permissions.REPORT):
        raise PermissionDenied(_("Your role may not report matters."))
    form = SurveyUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["sheet"]
        try:
            outcome = services.import_survey_sheet(
                upload, actor=request.user, name=upload.name,
                dry_run=form.cleaned_data["dry_run"])
        except UnreadableSheet as error:
            form.add_error("sheet", str(error))
            return render(request, "ledgers/import.html", context, status=400)
        context["outcome"] = outcome
        if outcome.check.errors:
            name = services.store_marked_copy(upload, outcome.check, actor=request.user)
            context["marked_copy"] = name.rsplit("/", 1)[-1]
            return render(request, "ledgers/import.html", context, status=400)
    return render(request, "ledgers/import.html", context)


@login_required
def marked_copy_download(request, name):
    """The uploader's own copy of a sheet with its bad cells marked."""
    path = f"{services.IMPORT_FOLDER}/{request.user.pk}/{name}"
    if not name.endswith(".xlsx") or "/" in name or not default_storage.exists(path):
        raise Http404("No such file.")
    return xlsx_response(default_storage.open(path), "导入错误标注.xlsx")
