"""The whistle board (吹哨报到): calls in the user's scope with each department's
report-in, blowing the whistle on a matter, and reporting in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings import permissions, services
from meetings.filters import WhistleCallFilterSet
from meetings.forms import MatterCodeForm, ReportInForm, WhistleForm
from meetings.models import DepartmentReport
from meetings.scoping import get_whistle_call_for_user, visible_whistle_calls
from quanfu.refusals import refusal_on_form
from quanfu.scoped_views import ScopedListView
from risks.choices import OPEN_STATUSES
from risks.matter_panels import matter_page_url, returns_to_matter
from risks.scoping import visible_risks


class WhistleBoardView(ScopedListView):
    """Every call in scope, newest first, with each department's report-in (报到)."""

    template_name = "meetings/whistle_board.html"
    filterset_class = WhistleCallFilterSet
    context_object_name = "calls"
    paginate_by = 30

    def visible_queryset(self, user):
        reports = DepartmentReport.objects.select_related("department", "call")
        return (visible_whistle_calls(user).select_related("risk", "called_by")
                .prefetch_related(Prefetch("reports", queryset=reports))
                .order_by("-called_at", "-id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_whistle"] = permissions.may_whistle(self.request.user)
        context["now"] = timezone.now()
        context["current"] = {key: self.request.GET.get(key, "")
                              for key in ("status", "overdue")}
        return context


def _matter_for_whistle(user, request):
    """The open matter named by ?risk=<id> or ?code=<code>, through the user's scope."""
    matters = visible_risks(user).filter(status__in=OPEN_STATUSES).select_related("area")
    risk_id, code = request.GET.get("risk", ""), request.GET.get("code", "").strip()
    if risk_id.isdigit() and len(risk_id) < 19:
        return matters.filter(pk=int(risk_id)).first()
    if code:
        return matters.filter(code=code).first()
    return None


@login_required
def whistle_create(request):
    """Blow the whistle on a matter: call departments to report in by a deadline."""
    if not permissions.may_whistle(request.user):
        raise PermissionDenied(_("Your role may not blow the whistle."))
    risk = _matter_for_whistle(request.user, request)
    if risk is None:
        lookup = MatterCodeForm(request.GET or None)
        if request.GET:
            lookup.add_error("code", _("No open matter with this code in your scope."))
        return render(request, "meetings/whistle_form.html", {"lookup": lookup})
    form = WhistleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            call = services.blow_whistle(risk, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Whistle blown: the departments have been told."))
            if returns_to_matter(request):
                return redirect(matter_page_url(risk.pk, "whistles"))
            return redirect("meetings:whistle_detail", call.pk)
    return render(request, "meetings/whistle_form.html", {
        "risk": risk, "form": form,
        "back_to_matter": matter_page_url(risk.pk) if returns_to_matter(request) else ""})


@never_cache
def _render_call(request, pk, *, status=200, bound=None):
    """``bound``: (report id, form) of a refused report-in, shown again."""
    user = request.user
    call = get_whistle_call_for_user(user, pk)
    reports = list(call.reports.select_related("department", "reported_by")
                   .order_by("department__code"))
    for report in reports:
        report.call = call
        if not report.is_reported and permissions.may_report_in(user, report):
            report.form = (bound[1] if bound and bound[0] == report.pk
                           else ReportInForm(prefix=f"report-{report.pk}"))
    return render(request, "meetings/whistle_detail.html", {
        "call": call, "reports": reports, "now": timezone.now(),
        "risk_visible": visible_risks(user).filter(pk=call.risk_id).exists(),
    }, status=status)


@login_required
def whistle_detail(request, pk):
    return _render_call(request, pk)


@login_required
@require_POST
def whistle_report_in(request, pk, report_pk):
    """A called department reports in: who, and what it will do."""
    call = get_whistle_call_for_user(request.user, pk)
    report = call.reports.filter(pk=report_pk).first()
    if report is None:
        raise Http404("No such department on this call.")
    form = ReportInForm(request.POST, prefix=f"report-{report.pk}")
    if form.is_valid():
        with refusal_on_form(form):
            services.report_in(report, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Reported in."))
            return redirect("meetings:whistle_detail", pk)
    return _render_call(request, pk, status=400, bound=(report.pk, form))
