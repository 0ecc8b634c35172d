"""The pages with which a community keeps its grid workers' accounts (accounts.grid_workers):
the list of a community's workers, a new account, one worker's page (their duties, a
password link, deactivation), and the page where a worker sets their password through
the one-time link. Who keeps which worker is the scoping's rule (accounts.scoping: 403 for
a role that keeps none, 404 for another community's worker)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import grid_workers
from accounts.forms import DeactivateWorkerForm, GridWorkerForm, SetPasswordForm
from accounts.models import User
from accounts.scoping import get_kept_worker_for_user, kept_workers
from accounts.views import _qr_code_svg as qr_code_svg
from grids.choices import AreaKind
from grids.models import Area
from grids.rosters import open_on_q
from grids.scoping import BOUNDARY_FIELDS, get_kept_community_for_user
from quanfu.refusals import refusal_as_message, refusal_on_form

# The link just issued, kept in the officer's session until their next look at the
# worker's page: shown once, never stored anywhere else.
LINK_SESSION_KEY = "accounts.password_link"


def _community_of(worker: User) -> Area:
    return Area.objects.defer(*BOUNDARY_FIELDS).get(pk=worker.area.ancestor_ids()[1])


def _open_grids(community: Area):
    return (Area.objects.filter(parent=community, kind=AreaKind.GRID)
            .filter(open_on_q(timezone.localdate())).defer(*BOUNDARY_FIELDS).order_by("code"))


def _keep_link(request, worker: User, link: grid_workers.PasswordLink) -> None:
    url = request.build_absolute_uri(
        reverse("accounts:password_link", args=[link.uidb64, link.token]))
    request.session[LINK_SESSION_KEY] = {
        "worker": worker.pk, "url": url,
        "valid_until": timezone.localtime(link.valid_until).strftime("%Y-%m-%d %H:%M")}


@login_required
def worker_list(request, pk):
    """The community's grid workers, active first, with the duties each holds today."""
    community = get_kept_community_for_user(request.user, pk)
    workers = (kept_workers(request.user).filter(area__path__startswith=community.path)
               .annotate(duties=Count("grid_duties",
                                      filter=Q(grid_duties__ends_on__isnull=True)))
               .order_by("-is_active", "area__code", "username"))
    return render(request, "accounts/worker_list.html",
                  {"community": community, "workers": workers})


@login_required
def worker_create(request, pk):
    """Open a grid worker's account; its page then shows the link to hand over."""
    community = get_kept_community_for_user(request.user, pk)
    form = GridWorkerForm(request.POST or None, grids=_open_grids(community))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on_form(form):
            worker = grid_workers.create_grid_worker(
                actor=request.user, username=data["username"], name=data["name"],
                grid=data["grid"])
            _keep_link(request, worker,
                       grid_workers.issue_password_link(worker, actor=request.user))
            messages.success(request, _(
                "The account of %(person)s is open. Hand them the one-time link below: "
                "they choose their password with it.") % {"person": worker.display_name})
            return redirect("accounts:worker_detail", worker.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/worker_form.html",
                  {"community": community, "form": form}, status=status)


def _worker_page(request, worker, deactivate_form=None, status=200):
    link = request.session.get(LINK_SESSION_KEY)
    if link and link.get("worker") == worker.pk:
        del request.session[LINK_SESSION_KEY]  # shown once
        link["qr_code"] = qr_code_svg(link["url"])  # the worker's phone scans it
    else:
        link = None
    context = {
        "worker": worker, "community": _community_of(worker), "link": link,
        "duties": grid_workers.current_duties(worker),
        "deactivate_form": deactivate_form or DeactivateWorkerForm(
            worker=worker, user=request.user),
        "link_hours": grid_workers.LINK_VALID_HOURS,
    }
    return render(request, "accounts/worker_detail.html", context, status=status)


@login_required
def worker_detail(request, pk):
    """One grid worker: their grid and duties, a new password link, deactivation."""
    return _worker_page(request, get_kept_worker_for_user(request.user, pk))


@login_required
@require_POST
def worker_password_link(request, pk):
    """Reset the worker's password: their old one stops working; a one-time link is shown
    on their page to hand over."""
    worker = get_kept_worker_for_user(request.user, pk)
    with refusal_as_message(request):
        _keep_link(request, worker, grid_workers.issue_password_link(worker, actor=request.user))
        messages.success(request, _(
            "The password of %(person)s is reset. Hand them the one-time link below.") % {
            "person": worker.display_name})
    return redirect("accounts:worker_detail", worker.pk)


@login_required
@require_POST
def worker_deactivate(request, pk):
    """Deactivate the worker's account, their roster duties passing to a successor."""
    worker = get_kept_worker_for_user(request.user, pk)
    form = DeactivateWorkerForm(request.POST, worker=worker, user=request.user)
    if form.is_valid():
        with refusal_on_form(form):
            passed = grid_workers.deactivate_grid_worker(
                worker, actor=request.user, successor=form.cleaned_data["successor"])
            text = _("The account of %(person)s is deactivated: they can no longer log "
                     "in.") % {"person": worker.display_name}
            if passed:
                text += " " + _("%(count)d duties passed to %(successor)s.") % {
                    "count": passed, "successor": form.cleaned_data["successor"].display_name}
            messages.success(request, text)
            return redirect("accounts:worker_list", _community_of(worker).pk)
    return _worker_page(request, worker, deactivate_form=form, status=400)


class PasswordLinkView(PasswordResetConfirmView):
    """A worker sets their password through the link their officer handed them (valid
    once, for grid_workers.LINK_VALID_HOURS); the password rules apply. Django's view: the
    token leaves the address for the session at once, so it never reaches a Referer."""

    template_name = "accounts/password_link.html"
    form_class = SetPasswordForm
    token_generator = grid_workers.password_links
    success_url = reverse_lazy("accounts:login")
    title = gettext_lazy("Choose your password")

    def form_valid(self, form):
        grid_workers.set_password_through_link(self.user, form.cleaned_data["new_password1"],
                                               request=self.request)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your password is set. Log in with it now."))
        return HttpResponseRedirect(self.get_success_url())
