"""Notices (通报): drafted from findings, edited while a draft, printed on A4, and sent to
the communities' inboxes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from quanfu.refusals import refusal_as_message, refusal_on_form
from quanfu.scoped_views import ScopedListView
from supervision import permissions, services
from supervision.choices import NoticeStatus
from supervision.forms import NoticeForm
from supervision.models import SupervisionGroup
from supervision.scoping import get_notice_for_user, groups_of, visible_findings, visible_notices
from supervision.views.common import require


class NoticeListView(ScopedListView):
    template_name = "supervision/notice_list.html"
    context_object_name = "notices"

    def visible_queryset(self, user):
        queryset = visible_notices(user).select_related("group", "drafted_by")
        status = self.request.GET.get("status")
        if status in NoticeStatus.values:
            queryset = queryset.filter(status=status)
        return queryset.order_by("-drafted_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current_status"] = self.request.GET.get("status", "")
        context["statuses"] = NoticeStatus.choices
        return context


def _acting_groups(user):
    if user.is_superuser:
        return SupervisionGroup.objects.order_by("code")
    return groups_of(user).order_by("code")


def _group_findings(user, group):
    return (visible_findings(user).filter(inspection__group=group)
            .select_related("community", "inspection").order_by("community__code", "id"))


@login_required
def notice_create(request):
    """Draft a notice from findings: the findings ticked on the findings list (or those
    chosen here), all of one group the user acts for."""
    user = request.user
    require(user, permissions.NOTICE)
    groups = list(_acting_groups(user))
    if not groups:
        raise PermissionDenied(_("Only the members of a supervision group may do this."))
    chosen = request.POST.get("group") or request.GET.get("group")
    group = next((g for g in groups if str(g.pk) == chosen), None)
    if group is None:
        ticked = request.GET.getlist("findings")
        first = visible_findings(user).filter(pk__in=[pk for pk in ticked if pk.isdigit()],
                                              inspection__group__in=groups).first()
        group = first.inspection.group if first else groups[0]
    findings = _group_findings(user, group)
    initial = {"findings": [pk for pk in request.GET.getlist("findings") if pk.isdigit()]}
    form = NoticeForm(request.POST or None, findings=findings, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            notice = services.draft_notice(actor=user, group=group,
                                           findings=list(form.cleaned_data["findings"]),
                                           title=form.cleaned_data["title"],
                                           body=form.cleaned_data["body"])
            messages.success(request, _("Notice drafted. Check the text, then send it."))
            return redirect("supervision:notice_detail", notice.pk)
    return render(request, "supervision/notice_form.html", {
        "form": form, "group": group, "groups": groups, "notice": None},
        status=400 if form.errors else 200)


def _may_manage(user, notice) -> bool:
    return permissions.may(user, permissions.NOTICE) and permissions.acts_for_group(
        user, notice.group)


@login_required
@require_safe
def notice_detail(request, pk):
    user = request.user
    notice = get_notice_for_user(user, pk)
    may_manage = _may_manage(user, notice) and not notice.is_sent
    form = None
    if may_manage:
        form = NoticeForm(findings=_group_findings(user, notice.group), initial={
            "title": notice.title, "body": notice.body,
            "findings": list(notice.findings.values_list("pk", flat=True))})
    return render(request, "supervision/notice_detail.html", {
        "notice": notice, "may_manage": may_manage, "form": form,
        "findings": notice.findings.select_related("community").order_by("community__code"),
        "communities": notice.communities.order_by("code")})


@login_required
@require_POST
def notice_edit(request, pk):
    user = request.user
    notice = get_notice_for_user(user, pk)
    form = NoticeForm(request.POST, findings=_group_findings(user, notice.group))
    if form.is_valid():
        with refusal_on_form(form):
            services.update_notice(notice, actor=user, title=form.cleaned_data["title"],
                                   body=form.cleaned_data["body"],
                                   findings=list(form.cleaned_data["findings"]))
            messages.success(request, _("Draft saved."))
            return redirect("supervision:notice_detail", notice.pk)
    return render(request, "supervision/notice_detail.html", {
        "notice": notice, "may_manage": True, "form": form,
        "findings": notice.findings.select_related("community"),
        "communities": notice.communities.order_by("code")}, status=400)


@login_required
@require_POST
def notice_send(request, pk):
    user = request.user
    notice = get_notice_for_user(user, pk)
    with refusal_as_message(request):
        notice = services.send_notice(notice, actor=user)
        messages.success(request, _("Notice %(number)s sent to the communities' inboxes.")
                         % {"number": notice.number})
    return redirect("supervision:notice_detail", notice.pk)


@login_required
@require_safe
def notice_print(request, pk):
    """The notice as an A4 document: street header, title, number, text, the findings'
    table, the group, the date; the printer's name and time at the foot."""
    user = request.user
    notice = get_notice_for_user(user, pk)
    return render(request, "supervision/notice_print.html", {
        "notice": notice,
        "findings": notice.findings.select_related("community", "risk")
        .order_by("community__code", "id"),
        "communities": notice.communities.order_by("code"),
        "printed_at": timezone.localtime()})
