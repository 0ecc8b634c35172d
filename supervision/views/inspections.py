"""Inspections (督导检查) and their findings: the lists, recording an inspection and its
findings, a finding's page with its rectification, acceptance and evidence."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from audit.models import AccessLog
from audit.services import Origin, log_access
from quanfu.refusals import refusal_on_form
from quanfu.scoped_views import ScopedListView
from supervision import permissions, services
from supervision.choices import OPEN_FINDING_STATUSES, FindingStatus
from supervision.filters import FindingFilterSet, InspectionFilterSet
from supervision.forms import (
    EvidenceForm,
    FindingForm,
    InspectionForm,
    NoteForm,
    OptionalNoteForm,
    ReturnForm,
)
from supervision.scoping import (
    get_evidence_for_user,
    get_finding_for_user,
    get_inspection_for_user,
    groups_of,
    visible_findings,
    visible_inspections,
)
from supervision.views.common import require


class InspectionListView(ScopedListView):
    template_name = "supervision/inspection_list.html"
    filterset_class = InspectionFilterSet
    context_object_name = "inspections"

    def visible_queryset(self, user):
        return (visible_inspections(user).select_related("group", "community", "recorded_by")
                .annotate(findings_total=Count("findings"),
                          findings_open=Count("findings", filter=Q(
                              findings__status__in=OPEN_FINDING_STATUSES)))
                .order_by("-held_on", "-id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_inspect"] = permissions.may(self.request.user, permissions.INSPECT)
        return context


@login_required
def inspection_create(request):
    user = request.user
    require(user, permissions.INSPECT)
    form = InspectionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            inspection = services.record_inspection(actor=user, **form.cleaned_data)
            messages.success(request, _("Inspection recorded. Now record what it found."))
            return redirect("supervision:inspection_detail", inspection.pk)
    return render(request, "supervision/inspection_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _render_inspection(request, pk, *, finding_form=None, status=200):
    user = request.user
    inspection = get_inspection_for_user(user, pk)
    may_record = permissions.may(user, permissions.INSPECT) and permissions.acts_for_group(
        user, inspection.group)
    return render(request, "supervision/inspection_detail.html", {
        "inspection": inspection,
        "findings": inspection.findings.select_related("risk").order_by("deadline", "id"),
        "may_record": may_record,
        "finding_form": finding_form or FindingForm(user=user),
    }, status=status)


@login_required
@require_safe
def inspection_detail(request, pk):
    return _render_inspection(request, pk)


@login_required
@require_POST
def finding_create(request, pk):
    user = request.user
    inspection = get_inspection_for_user(user, pk)
    form = FindingForm(request.POST, user=user)
    if form.is_valid():
        with refusal_on_form(form):
            finding = services.record_finding(inspection, actor=user, **form.cleaned_data)
            messages.success(request, _("Finding recorded; the community has been told."))
            return redirect("supervision:finding_detail", finding.pk)
    return _render_inspection(request, pk, finding_form=form, status=400)


class FindingListView(ScopedListView):
    template_name = "supervision/finding_list.html"
    filterset_class = FindingFilterSet
    context_object_name = "findings"

    def visible_queryset(self, user):
        return (visible_findings(user)
                .select_related("community", "inspection__group", "risk")
                .order_by("status", "deadline", "id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["may_notice"] = permissions.may(user, permissions.NOTICE) and (
            user.is_superuser or groups_of(user).exists())
        context["statuses"] = FindingStatus.choices
        context["current_status"] = self.request.GET.getlist("status")
        return context


def _render_finding(request, pk, *, forms=None, status=200):
    user = request.user
    finding = get_finding_for_user(user, pk)
    forms = forms or {}
    group = finding.inspection.group
    acts_for_group = permissions.acts_for_group(user, group)
    may_rectify = (permissions.may(user, permissions.RECTIFY)
                   and finding.status == FindingStatus.OPEN)
    may_accept = (permissions.may(user, permissions.ACCEPT) and acts_for_group
                  and finding.status == FindingStatus.SUBMITTED)
    may_add_evidence = finding.status != FindingStatus.CLOSED and (
        (permissions.may(user, permissions.INSPECT) and acts_for_group)
        or permissions.may(user, permissions.RECTIFY))
    return render(request, "supervision/finding_detail.html", {
        "finding": finding, "group": group,
        "events": finding.events.select_related("actor").order_by("created_at", "id"),
        "evidence": finding.evidence.select_related("uploaded_by").order_by("uploaded_at", "id"),
        "notices": finding.notices.order_by("-drafted_at"),
        "may_rectify": may_rectify, "may_accept": may_accept,
        "may_add_evidence": may_add_evidence,
        "may_list": permissions.may(user, permissions.LIST) and finding.risk_id,
        "rectify_form": forms.get("submit") or NoteForm(auto_id="id_submit_%s"),
        "accept_form": forms.get("accept") or OptionalNoteForm(auto_id="id_accept_%s"),
        "return_form": forms.get("return") or ReturnForm(auto_id="id_return_%s"),
        "evidence_form": forms.get("evidence") or EvidenceForm(),
    }, status=status)


@login_required
@require_safe
def finding_detail(request, pk):
    return _render_finding(request, pk)


TRANSITIONS = {
    "submit": (NoteForm, lambda finding, user, data: services.submit_rectification(
        finding, actor=user, note=data["note"])),
    "accept": (OptionalNoteForm, lambda finding, user, data: services.accept_rectification(
        finding, actor=user, note=data["note"])),
    "return": (ReturnForm, lambda finding, user, data: services.return_rectification(
        finding, actor=user, note=data["note"], deadline=data.get("deadline"))),
}
DONE_MESSAGES = {
    "submit": gettext_lazy("Rectification submitted; the supervision group will check it."),
    "accept": gettext_lazy("Rectification accepted: the finding is closed."),
    "return": gettext_lazy("Rectification returned to the community."),
}


@login_required
@require_POST
def finding_transition(request, pk, action):
    if action not in TRANSITIONS:
        raise Http404("No such action.")
    user = request.user
    finding = get_finding_for_user(user, pk)
    form_class, apply = TRANSITIONS[action]
    form = form_class(request.POST, auto_id=f"id_{action}_%s")
    if form.is_valid():
        with refusal_on_form(form):
            apply(finding, user, form.cleaned_data)
            messages.success(request, str(DONE_MESSAGES[action]))
            return redirect("supervision:finding_detail", finding.pk)
    return _render_finding(request, pk, forms={action: form}, status=400)


@login_required
@require_POST
def evidence_add(request, pk):
    user = request.user
    finding = get_finding_for_user(user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        with refusal_on_form(form):
            services.add_evidence(finding, actor=user, upload=form.cleaned_data["file"])
            messages.success(request, _("Evidence added."))
            return redirect("supervision:finding_detail", finding.pk)
    return _render_finding(request, pk, forms={"evidence": form}, status=400)


@login_required
@require_safe
def evidence_download(request, pk):
    """Serve an evidence file to those who see its finding, as an attachment with the
    type detected at upload; every download is written to the access log."""
    item = get_evidence_for_user(request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing.") from error
    log_access(actor=request.user, action=AccessLog.Action.EXPORT,
               target=f"supervision-finding:{item.finding_id}",
               detail=f"evidence {item.pk} {item.original_name}", origin=Origin.of(request))
    return FileResponse(handle, as_attachment=True, filename=item.original_name,
                        content_type=item.content_type)
