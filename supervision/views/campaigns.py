"""Special campaigns (专项攻坚行动): the six campaigns with their progress in the user's
scope, and one campaign's page with its tasks, progress reports and linked matters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from quanfu.refusals import refusal_on_form
from supervision import permissions, services
from supervision.choices import TaskStatus
from supervision.forms import CampaignTaskForm, LinkMatterForm, ProgressForm
from supervision.models import CampaignProgressReport
from supervision.scoping import (
    get_campaign_for_user,
    get_task_for_user,
    visible_campaign_matters,
    visible_campaigns,
    visible_tasks,
)
from supervision.views.common import require


@login_required
@require_safe
def campaign_list(request):
    """Each campaign with its tasks and linked matters as far as the user's scope goes.
    Three queries whatever the number of tasks and matters."""
    user, today = request.user, timezone.localdate()
    tasks = {row["campaign_id"]: row for row in visible_tasks(user).values("campaign_id")
             .annotate(total=Count("id"), done=Count("id", filter=Q(status=TaskStatus.DONE)),
                       overdue=Count("id", filter=~Q(status=TaskStatus.DONE)
                                     & Q(deadline__lt=today)),
                       progress=Avg("progress")).order_by()}
    links = {row["campaign_id"]: row["total"] for row in visible_campaign_matters(user)
             .values("campaign_id").annotate(total=Count("id")).order_by()}
    campaigns = []
    for campaign in visible_campaigns(user).order_by("position", "code"):
        figures = tasks.get(campaign.pk, {})
        campaigns.append({"campaign": campaign, "tasks": figures.get("total", 0),
                          "done": figures.get("done", 0), "overdue": figures.get("overdue", 0),
                          "progress": round(figures["progress"])
                          if figures.get("progress") is not None else 0,
                          "matters": links.get(campaign.pk, 0)})
    return render(request, "supervision/campaign_list.html", {"campaigns": campaigns})


def _render_campaign(request, pk, *, forms=None, status=200):
    user = request.user
    campaign = get_campaign_for_user(user, pk)
    forms = forms or {}
    tasks = list(visible_tasks(user).filter(campaign=campaign)
                 .select_related("owner_department__street", "owner_community")
                 .prefetch_related(Prefetch("reports", queryset=CampaignProgressReport.objects
                                            .select_related("actor").order_by("-created_at",
                                                                              "-id")))
                 .order_by("deadline", "id"))
    for task in tasks:
        task.may_report = permissions.may_report_on(user, task)
        task.form = (forms.get(("report", task.pk))
                     or ProgressForm(task=task, auto_id=f"id_task{task.pk}_%s"))
    links = (visible_campaign_matters(user).filter(campaign=campaign)
             .select_related("risk__community", "linked_by").order_by("-linked_at", "-id"))
    may_link = permissions.may(user, permissions.LINK_MATTER)
    may_plan = permissions.may(user, permissions.PLAN_CAMPAIGN)
    return render(request, "supervision/campaign_detail.html", {
        "campaign": campaign, "tasks": tasks, "links": links,
        "may_plan": may_plan, "may_link": may_link,
        "task_form": forms.get("task") or (CampaignTaskForm(user=user) if may_plan else None),
        "link_form": forms.get("link") or (LinkMatterForm(user=user) if may_link else None),
    }, status=status)


@login_required
@require_safe
def campaign_detail(request, pk):
    return _render_campaign(request, pk)


@login_required
@require_POST
def campaign_task_create(request, pk):
    user = request.user
    require(user, permissions.PLAN_CAMPAIGN)
    campaign = get_campaign_for_user(user, pk)
    form = CampaignTaskForm(request.POST, user=user)
    if form.is_valid():
        with refusal_on_form(form):
            services.add_campaign_task(campaign, actor=user, **form.cleaned_data)
            messages.success(request, _("Task added; its owner has been told."))
            return redirect("supervision:campaign_detail", campaign.pk)
    return _render_campaign(request, pk, forms={"task": form}, status=400)


@login_required
@require_POST
def task_report(request, pk):
    user = request.user
    task = get_task_for_user(user, pk)
    form = ProgressForm(request.POST, auto_id=f"id_task{task.pk}_%s")
    if form.is_valid():
        with refusal_on_form(form):
            services.report_task_progress(task, actor=user, **form.cleaned_data)
            messages.success(request, _("Progress reported."))
            return redirect("supervision:campaign_detail", task.campaign_id)
    return _render_campaign(request, task.campaign_id, forms={("report", task.pk): form},
                            status=400)


@login_required
@require_POST
def campaign_link(request, pk):
    user = request.user
    require(user, permissions.LINK_MATTER)
    campaign = get_campaign_for_user(user, pk)
    form = LinkMatterForm(request.POST, user=user)
    if form.is_valid():
        with refusal_on_form(form):
            services.link_matter(campaign, actor=user, risk=form.cleaned_data["risk"])
            messages.success(request, _("Matter linked to the campaign."))
            return redirect("supervision:campaign_detail", campaign.pk)
    return _render_campaign(request, pk, forms={"link": form}, status=400)


@login_required
@require_POST
def campaign_unlink(request, pk):
    user = request.user
    link = visible_campaign_matters(user).filter(pk=pk).first()
    if link is None:
        raise Http404("No such link.")
    services.unlink_matter(link, actor=user)
    messages.success(request, _("Matter taken off the campaign."))
    return redirect("supervision:campaign_detail", link.campaign_id)

