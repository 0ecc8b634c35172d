"""The rhythm's pages: T+2 warnings, the daily check (日核), the grid worker's day (zero
report, instructions to answer), work instructions, and the figures (周调, 月统, data
quality).

Each is thin, like the register's: who may open the page is rhythm.page_access, what
they see comes through rhythm.scoping / report_scope (outside the scope: 404), one
service does the work, and a refusal is shown where the user can act on it: RuleBroken
next to its field with what they typed, Forbidden as the 403 page."""

from datetime import timedelta
from functools import reduce
from operator import or_

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    Value,
    When,
)
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from audit.services import Origin
from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import get_area_for_user, scope_roots, visible_areas
from quanfu.clock import local_day_bounds
from quanfu.db_router import reads_from_replica
from quanfu.refusals import refusal_on_form
from quanfu.scoped_views import ScopedListView
from quanfu.xlsx import XLSX_CONTENT_TYPE
from rhythm import report_scope, services, snapshots, weekly_export
from rhythm.choices import InstructionStatus, WarningStatus
from rhythm.deadlines import attach_days_left
from rhythm.filters import WarningFilterSet
from rhythm.forms import (
    CheckConfirmForm,
    DayForm,
    FeedbackForm,
    InstructionAnswerForm,
    InstructionFilterForm,
    InstructionForm,
    MonthForm,
    WarningIssueForm,
    WarningStatusChoiceForm,
    WeekForm,
)
from rhythm.models import DailyCheckItem, InstructionRecipient, ZeroReport
from rhythm.overdue import status_as_of
from rhythm.page_access import may_open, require_page
from rhythm.permissions import may, require
from rhythm.scoping import (
    get_recipient_for_worker,
    get_warning_for_user,
    visible_daily_checks,
    visible_instructions,
    visible_warnings,
)
from risks import permissions as risk_permissions
from risks.matter_page import get_matter
from risks.scoping import get_risk_for_user, visible_risks


def _cleaned(form, name, default):
    """A filter's value, or the default when it is missing or not valid."""
    if form.is_bound and form.is_valid() and form.cleaned_data.get(name):
        return form.cleaned_data[name]
    return default


# Warnings (预警) ----------------------------------------------------------------------------

def _warning_deadline(warning):
    return None if warning.status == WarningStatus.ANSWERED else warning.feedback_due


class WarningPageFilterSet(WarningFilterSet):
    """The API's filters, with the status as the page tells it (see rhythm.overdue)."""

    status = django_filters.ChoiceFilter(choices=WarningStatus.choices,
                                         label=gettext_lazy("Status"), field_name="shown_status")


class WarningListView(ScopedListView):
    """The warnings of the matters in the user's scope: overdue first, then those awaiting
    feedback by their deadline, then the answered ones; counts by status above. A fixed
    number of queries for any page size (the calendar is read once for the page)."""

    template_name = "rhythm/warning_list.html"
    filterset_class = WarningPageFilterSet
    context_object_name = "warnings"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_page(request.user, "warnings")
        return super().dispatch(request, *args, **kwargs)

    def visible_queryset(self, user):
        pressing_first = Case(When(shown_status=WarningStatus.OVERDUE, then=Value(0)),
                              When(shown_status=WarningStatus.OPEN, then=Value(1)),
                              default=Value(2), output_field=IntegerField())
        self.now = timezone.now()  # one moment for the rows, their order and the cards
        return (visible_warnings(user).annotate(shown_status=status_as_of(self.now))
                .select_related("risk", "risk__community", "issued_by")
                .order_by(pressing_first, "feedback_due", "-id"))

    def get_queryset(self):
        queryset = super().get_queryset()
        # answered ones newest first; open and overdue ones by the nearest deadline
        if self.request.GET.get("status") == WarningStatus.ANSWERED:
            queryset = queryset.order_by("-answered_at", "-id")
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        now = self.now
        # each row carries ``shown_status``: an open warning past its deadline reads as
        # overdue, as the cards count it, before the sweep has marked it (nothing saved)
        rows = attach_days_left(context["warnings"], _warning_deadline, now)
        context["warnings"] = context["object_list"] = rows
        counts = dict(visible_warnings(user).order_by()
                      .annotate(shown_status=status_as_of(now))
                      .values_list("shown_status").annotate(total=Count("id")))
        context["status_counts"] = [
            {"status": status, "label": status.label, "count": counts.get(status, 0)}
            for status in (WarningStatus.OVERDUE, WarningStatus.OPEN, WarningStatus.ANSWERED)]
        context["filter_form"] = WarningStatusChoiceForm(self.request.GET or None)
        context["narrowed_by"] = self.narrowed_by()
        risk_id = self.request.GET.get("risk")
        context["for_matter"] = (get_risk_for_user(user, risk_id)
                                 if risk_id and self.filterset.is_valid() else None)
        return context


    # filters the status form does not show (a workbench's link names them): said above
    # the list, so that it is clear what it holds
    NARROWING = ("unanswered", "mine", "due_by")

    def narrowed_by(self) -> list[str]:
        if not self.filterset.is_valid():
            return []
        data = self.filterset.form.cleaned_data
        return [f"{self.filterset.filters[name].label}"
                + (f" {data[name]:%Y-%m-%d}" if name == "due_by" else "")
                for name in self.NARROWING if data.get(name)]


@never_cache
def render_warning_page(request, pk, *, feedback_form=None, status: int = 200):
    user = request.user
    warning = get_warning_for_user(user, pk)
    attach_days_left([warning], _warning_deadline)
    may_answer = may(user, "answer_warning") and warning.status != WarningStatus.ANSWERED
    return render(request, "rhythm/warning_detail.html", {
        "warning": warning,
        "risk": warning.risk,
        "may_answer": may_answer,
        "feedback_form": feedback_form or FeedbackForm(),
    }, status=status)


@login_required
@require_safe
def warning_detail(request, pk):
    """One warning: what it is about, its T+2 deadline, and the feedback form for those
    who may answer it."""
    require_page(request.user, "warnings")
    return render_warning_page(request, pk)


@login_required
@require_POST
def warning_feedback(request, pk):
    """Answer the warning (反馈): closes it, on time or late."""
    warning = get_warning_for_user(request.user, pk)
    require_page(request.user, "warnings")  # answered on the warning's page: people only
    form = FeedbackForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            services.record_feedback(warning, actor=request.user,
                                     content=form.cleaned_data["content"])
            messages.success(request, _("Feedback recorded: the warning is closed."))
            return redirect("rhythm:warning_detail", pk=warning.pk)
    return render_warning_page(request, pk, feedback_form=form, status=400)


@login_required
def warning_create(request, risk_pk):
    """Issue a warning on a graded, open matter (研判预警); feedback is due at T+2."""
    risk = get_matter(request.user, risk_pk)
    require_page(request.user, "warnings")  # API clients issue warnings through the API
    require(request.user, "issue_warning")
    form = WarningIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            warning = services.issue_warning(risk, actor=request.user,
                                             content=form.cleaned_data["content"],
                                             issued_at=form.cleaned_data["issued_at"])
            due = timezone.localtime(warning.feedback_due)
            messages.success(request, _("Warning issued: feedback is due by %(due)s.")
                             % {"due": due.strftime("%Y-%m-%d %H:%M")})
            return redirect("rhythm:warning_detail", pk=warning.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rhythm/warning_form.html", {"risk": risk, "form": form},
                  status=status)


# The daily check (日核) ----------------------------------------------------------------------

def _checked_day(request):
    form = DayForm(request.GET or None)
    today = timezone.localdate()
    return form, min(_cleaned(form, "day", today), today)


def visible_check_items(user):
    """Checklist items of the communities in scope, of matters the user may see."""
    return DailyCheckItem.objects.filter(check_list__in=visible_daily_checks(user),
                                         risk__in=visible_risks(user))


def _progress(items) -> dict:
    return items.order_by().aggregate(total=Count("id"),
                                      confirmed=Count("id", filter=Q(confirmed_at__isnull=False)))


def silent_grids_in_scope(user, day):
    """services.silent_grids over each root of the user's scope, in one query."""
    roots = scope_roots(user)
    if roots is None:
        roots = list(Area.objects.filter(kind=AreaKind.STREET))
    if not roots:
        return Area.objects.none()
    return (reduce(or_, (services.silent_grids(root, day) for root in roots))
            .select_related("parent").order_by("path"))


@login_required
@require_safe
def daily_check_overview(request):
    """The communities in scope and how far each has got with the day's checklist, and
    the grids that stayed silent (neither a new matter nor a zero report). Someone who
    sees one community goes straight to its checklist."""
    user = request.user
    require_page(user, "daily")
    form, day = _checked_day(request)
    communities = list(visible_areas(user).filter(kind=AreaKind.COMMUNITY).order_by("code"))
    if len(communities) == 1:
        target = reverse("rhythm:daily_check_detail", args=[communities[0].pk])
        return redirect(f"{target}?day={day:%Y-%m-%d}" if form.is_bound else target)
    progress = {
        row["check_list__community_id"]: row for row in
        visible_check_items(user).filter(check_list__day=day).order_by()
        .values("check_list__community_id")
        .annotate(total=Count("id"), confirmed=Count("id", filter=Q(confirmed_at__isnull=False)))
    }
    silent_by_community: dict[int, list] = {}
    silent = list(silent_grids_in_scope(user, day))
    for grid in silent:
        silent_by_community.setdefault(grid.parent_id, []).append(grid)
    rows = [{"community": community, "progress": progress.get(community.pk),
             "silent": silent_by_community.get(community.pk, [])}
            for community in communities]
    totals = {"total": sum(row["total"] for row in progress.values()),
              "confirmed": sum(row["confirmed"] for row in progress.values())}
    return render(request, "rhythm/daily_overview.html", {
        "day": day, "today": timezone.localdate(), "day_form": form, "rows": rows,
        "totals": totals, "silent_count": len(silent),
        "with_checklist": sum(1 for row in rows if row["progress"]),
    })


def _checklist_context(user, community, day, check, *, failed=None) -> dict:
    """The checklist itself (rhythm/includes/checklist.html): its items as the user sees
    them, unconfirmed first, and the progress."""
    items = []
    if check is not None:
        items = list(visible_check_items(user).filter(check_list=check)
                     .select_related("risk", "risk__area", "confirmed_by")
                     .order_by(F("confirmed_at").asc(nulls_first=True), "risk__code"))
    for item in items:
        item.confirm_form = failed["form"] if failed and failed["item"] == item.pk else None
    confirmed = sum(1 for item in items if item.confirmed_at)
    return {
        "community": community, "day": day, "today": timezone.localdate(),
        "check": check, "items": items,
        "progress": {"total": len(items), "confirmed": confirmed},
        "may_confirm": may(user, "confirm_daily_check") and day == timezone.localdate(),
    }


def _check_page_context(request, community, day, *, failed=None) -> dict:
    user = request.user
    check = visible_daily_checks(user).filter(community=community, day=day).first()
    return {
        **_checklist_context(user, community, day, check, failed=failed),
        "silent": list(services.silent_grids(community, day)),
        "several_communities": visible_areas(user).filter(kind=AreaKind.COMMUNITY)[:2].count() > 1,
    }


def _community_for_user(user, pk) -> Area:
    community = get_area_for_user(user, pk)
    if community.kind != AreaKind.COMMUNITY:
        raise Http404("No such community.")
    return community


@login_required
@require_safe
@never_cache
def daily_check_detail(request, community_pk):
    """A community's checklist of the day: each open matter with its buttons (unchanged,
    or changed with a note), the progress 已核 x / y, and the grids that stayed silent."""
    require_page(request.user, "daily")
    community = _community_for_user(request.user, community_pk)
    form, day = _checked_day(request)
    context = _check_page_context(request, community, day)
    context["day_form"] = form
    return render(request, "rhythm/daily_check.html", context)


def get_check_item_for_user(user, pk) -> DailyCheckItem:
    try:
        return (visible_check_items(user)
                .select_related("check_list", "check_list__community", "risk", "risk__area",
                                "confirmed_by").get(pk=pk))
    except (DailyCheckItem.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such checklist item.") from error


@login_required
@require_POST
def daily_check_item_confirm(request, pk):
    """Confirm one matter of today's checklist. With htmx only its row comes back (and the
    progress, out of band); without, the whole checklist."""
    user = request.user
    item = get_check_item_for_user(user, pk)
    form = CheckConfirmForm(request.POST)
    done = False
    if form.is_valid():
        with refusal_on_form(form):
            services.confirm_check_item(item, actor=user, outcome=form.cleaned_data["outcome"],
                                        note=form.cleaned_data["note"])
            done = True
    community, day = item.check_list.community, item.check_list.day
    if request.headers.get("HX-Request"):
        item = get_check_item_for_user(user, pk)
        item.confirm_form = None if done else form
        progress = _progress(visible_check_items(user).filter(check_list_id=item.check_list_id))
        return render(request, "rhythm/includes/check_row_response.html", {
            "item": item, "progress": progress,
            "may_confirm": may(user, "confirm_daily_check")
            and day == timezone.localdate(),
        }, status=200 if done else 400)
    if done:
        target = reverse("rhythm:daily_check_detail", args=[community.pk])
        return redirect(f"{target}#item-{pk}")
    context = _check_page_context(request, community, day, failed={"item": item.pk,
                                                                   "form": form})
    context["day_form"] = DayForm()
    return render(request, "rhythm/daily_check.html", context, status=400)


@login_required
@require_POST
def daily_check_rest_unchanged(request, community_pk):
    """其余事项无变化: confirm every matter of today's checklist not yet answered as
    unchanged, in one step. With htmx the checklist comes back (and the progress, out of
    band); without, the page."""
    user = request.user
    community = _community_for_user(user, community_pk)
    today = timezone.localdate()
    check = visible_daily_checks(user).filter(community=community, day=today).first()
    if check is None:
        raise Http404("No checklist today.")
    confirmed = services.confirm_rest_unchanged(check, actor=user)
    if request.headers.get("HX-Request"):
        return render(request, "rhythm/includes/checklist_response.html",
                      _checklist_context(user, community, today, check))
    messages.success(request, _("%(count)s remaining matters confirmed unchanged.")
                     % {"count": confirmed})
    return redirect("rhythm:daily_check_detail", community_pk=community.pk)


# The grid worker's day: zero report and instructions ------------------------------------------

def worker_grid(user) -> Area | None:
    """The grid a grid worker reports for: their grid, or the grid of their micro-grid."""
    area = user.area if user.area_id else None
    if area is None:
        return None
    if area.kind == AreaKind.GRID:
        return area
    if area.kind == AreaKind.MICROGRID:
        return area.parent
    return None


@never_cache
def render_grid_today(request, *, answer_forms=None, status: int = 200):
    user = request.user
    today = timezone.localdate()
    grid = worker_grid(user)
    zero_report = reported_today = None
    if grid is not None:
        zero_report = (ZeroReport.objects.filter(grid=grid, day=today)
                       .select_related("reporter").first())
        start, end = local_day_bounds(today)
        reported_today = visible_risks(user).filter(grid=grid, created_at__gte=start,
                                                    created_at__lt=end).count()
    answer_forms = answer_forms or {}
    recipients = attach_days_left(
        services.open_instructions_for(user).select_related("instruction__issued_by")
        .order_by("instruction__deadline", "id"),
        lambda recipient: recipient.instruction.deadline)
    for recipient in recipients:
        recipient.answer_form = answer_forms.pop(recipient.pk, None) or InstructionAnswerForm(
            auto_id=f"id_answer_{recipient.pk}_%s")
    # a refusal about an instruction no longer open (answered meanwhile) is said on top
    page_errors = [error for form in answer_forms.values() for errors in form.errors.values()
                   for error in errors]
    answered = (InstructionRecipient.objects
                .filter(worker=user, status=InstructionStatus.ANSWERED,
                        answered_at__gte=timezone.now() - timedelta(days=7))
                .select_related("instruction").order_by("-answered_at")[:10])
    return render(request, "rhythm/grid_today.html", {
        "today": today, "grid": grid, "zero_report": zero_report,
        "reported_today": reported_today, "recipients": recipients, "answered": answered,
        "page_errors": page_errors, "may_report": _may_report(user),
    }, status=status)


def _may_report(user) -> bool:
    return risk_permissions.user_may(user, risk_permissions.REPORT)


@login_required
@require_safe
def grid_today(request):
    """The grid worker's phone page: today's zero report (零报告) and the instructions
    waiting for an answer."""
    require_page(request.user, "grid_today")
    return render_grid_today(request)


@login_required
@require_POST
def zero_report_create(request):
    """Nothing new in my grid today (零报告); filing twice keeps the first."""
    user = request.user
    require(user, "zero_report")
    grid = worker_grid(user)
    if grid is None:
        raise PermissionDenied(_("You have no grid to report for."))
    report = services.file_zero_report(grid, actor=user)
    messages.success(request, _("Zero report for %(grid)s filed at %(time)s.") % {
        "grid": grid.name, "time": timezone.localtime(report.created_at).strftime("%H:%M")})
    return redirect("rhythm:grid_today")


@login_required
@require_POST
def instruction_answer(request, pk):
    """The grid worker answers an instruction sent to them (and to nobody else: 404)."""
    recipient = get_recipient_for_worker(request.user, pk)
    form = InstructionAnswerForm(request.POST, auto_id=f"id_answer_{pk}_%s")
    if form.is_valid():
        with refusal_on_form(form):
            services.answer_instruction(recipient, actor=request.user,
                                        answer=form.cleaned_data["answer"])
            messages.success(request, _("Answer sent."))
            return redirect(reverse("rhythm:grid_today") + "#instructions")
    return render_grid_today(request, answer_forms={recipient.pk: form}, status=400)


# Work instructions (工作指令) -------------------------------------------------------------------

class InstructionListView(ScopedListView):
    """The instructions sent in the user's scope, each with its grid workers' answers and
    the overdue ones marked; a fixed number of queries for any page size."""

    template_name = "rhythm/instruction_list.html"
    context_object_name = "instructions"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not may_open(user, "instructions") \
                and may_open(user, "grid_today"):
            # the inbox links grid workers here: their instructions are on their own page
            return redirect(reverse("rhythm:grid_today") + "#instructions")
        if user.is_authenticated:
            require_page(user, "instructions")
        return super().dispatch(request, *args, **kwargs)

    def visible_queryset(self, user):
        recipients = InstructionRecipient.objects.select_related("worker").order_by(
            "worker__username")
        return (visible_instructions(user)
                .select_related("risk", "area", "issued_by")
                .prefetch_related(Prefetch("recipients", queryset=recipients))
                .order_by("-issued_at", "-id"))

    def get_queryset(self):
        queryset = super().get_queryset()
        self.filter_form = InstructionFilterForm(self.request.GET or None)
        if self.filter_form.is_valid():
            status = self.filter_form.cleaned_data["status"]
            if status:
                queryset = queryset.filter(
                    pk__in=InstructionRecipient.objects.filter(status=status)
                    .values("instruction_id"))
            if self.filter_form.cleaned_data["mine"]:
                queryset = queryset.filter(issued_by=self.request.user)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = attach_days_left(context["instructions"], lambda row: row.deadline)
        context["instructions"] = context["object_list"] = rows
        counts = dict(InstructionRecipient.objects
                      .filter(instruction__in=visible_instructions(user)).order_by()
                      .values_list("status").annotate(total=Count("id")))
        context["status_counts"] = [
            {"status": status, "label": status.label, "count": counts.get(status, 0)}
            for status in (InstructionStatus.OVERDUE, InstructionStatus.OPEN,
                           InstructionStatus.ANSWERED)]
        context["filter_form"] = self.filter_form
        context["may_send"] = may(user, "send_instruction")
        return context


@login_required
def instruction_create(request):
    """Send grid workers of the scope an instruction about a matter (``?risk=``) or an
    area — visit, verify, stabilise — with a deadline."""
    user = request.user
    require(user, "send_instruction")
    risk_id = request.GET.get("risk")
    risk = get_risk_for_user(user, risk_id) if risk_id else None
    form = InstructionForm(request.POST or None, user=user, risk=risk)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            services.send_instruction(actor=user, **form.service_arguments())
            messages.success(request, _("Instruction sent."))
            return redirect("rhythm:instruction_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "rhythm/instruction_form.html", {"form": form, "risk": risk},
                  status=status)


# Figures: 周调, 月统, data quality ------------------------------------------------------------

def _weekly(request):
    user = request.user
    require_page(user, "weekly")
    form = WeekForm(request.GET or None)
    start = snapshots.week_start(_cleaned(form, "week", timezone.localdate()))
    scope = report_scope.figures_scope(user, request.GET.get("street"))
    return form, scope, report_scope.weekly_report(user, scope, start)


@login_required
@require_safe
def weekly_report(request):
    """周调: the week's figures by community, category, level and tier with the change
    against last week, and the matters whose grading is stale; printable, and as .xlsx."""
    form, scope, report = _weekly(request)
    start = report["week_start"]
    query = request.GET.copy()
    query["week"] = f"{start:%Y-%m-%d}"
    return render(request, "rhythm/weekly_report.html", {
        "week_form": form, "scope": scope, "report": report,
        "previous_week": start - timedelta(days=7),
        "next_week": start + timedelta(days=7)
        if start + timedelta(days=7) <= timezone.localdate() else None,
        "export_query": query.urlencode(),
        "printed_at": timezone.localtime(),
    })


@login_required
@require_safe
def weekly_report_export(request):
    """The weekly report as .xlsx (the page's tables, one sheet each); logged."""
    _form, scope, report = _weekly(request)
    content = weekly_export.export_weekly_report(report, street=scope.street,
                                                 actor=request.user,
                                                 origin=Origin.of(request))
    return FileResponse(content, as_attachment=True,
                        filename=weekly_export.filename(scope.street, report),
                        content_type=XLSX_CONTENT_TYPE)


LEVEL_ORDER = ("high", "medium", "low")


@login_required
@require_safe
@reads_from_replica
def monthly_stats(request):
    """月统: per community and for the street, the resolution rate of each level against
    its target (high 100%, medium and low 90%), the write-off rate and the on-time
    feedback rate of the month's warnings — as kept by the monthly job, or live."""
    user = request.user
    require_page(user, "monthly")
    form = MonthForm(request.GET or None)
    start = snapshots.month_start(_cleaned(form, "month", timezone.localdate()))
    scope = report_scope.figures_scope(user, request.GET.get("street"))
    rows, kept = report_scope.monthly_rows(scope, start)
    for row in rows:
        row["level_cells"] = [(level, row["levels"][level]) for level in LEVEL_ORDER]
    previous = (start - timedelta(days=1)).replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return render(request, "rhythm/monthly_stats.html", {
        "month_form": form, "scope": scope, "month": start, "rows": rows, "kept": kept,
        "summary": next((row for row in rows if row["community_id"] is None),
                        rows[0] if len(rows) == 1 else None),
        "previous_month": previous,
        "next_month": following if following <= timezone.localdate() else None,
        "printed_at": timezone.localtime(),
    })


@login_required
@require_safe
def data_quality(request):
    """数据填报质量: per community, matters missing a level, duties or a plan, checklist
    items left unconfirmed in the last seven days, and overdue warnings."""
    user = request.user
    require_page(user, "quality")
    scope = report_scope.figures_scope(user, request.GET.get("street"))
    rows, total = report_scope.quality_rows(scope)
    return render(request, "rhythm/data_quality.html", {
        "scope": scope, "rows": rows, "total": total, "today": timezone.localdate(),
        "printed_at": timezone.localtime(),
    })
