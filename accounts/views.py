"""The pages of a person's own account: profile (with the apps signed in with their tokens),
password change, and the second factor (the login's second step, enrolment, removal); and
the people search behind the pickers."""

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import pickers, second_factor, services
from accounts.forms import NoticePreferencesForm, OneTimeCodeForm, PasswordChangeForm
from grids.scoping import get_area_for_user
from inbox import channels


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def _wait_message(wait_until) -> str:
    shown = date_format(timezone.localtime(wait_until), "H:i:s")
    return _("Too many wrong codes in a row. Try again after %(time)s.") % {"time": shown}


def _refusal(form, outcome) -> None:
    if outcome.wait_until is not None:
        form.add_error("code", _wait_message(outcome.wait_until))
    else:
        form.add_error("code", _("This code is not right, or it has already been used."))


@login_required
def profile(request):
    """Who I am in the register, my password, my second factor and how I get my notices."""
    user = request.user
    context = {
        "may_enrol": second_factor.may_enrol(user),
        "device": second_factor.confirmed_device(user),
        "second_factor_required": second_factor.is_required_for(user),
        "remove_form": OneTimeCodeForm(),
        "notice_form": NoticePreferencesForm(initial=channels.cadences_of(user)),
        "chat_robot": channels.robots_for([user])[user.pk],
        "notice_limit": settings.NOTICES_IMMEDIATE_PER_HOUR,
        "tokens": services.usable_tokens_of(user),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def token_revoke(request):
    """Sign one of my apps out (a lost phone): its token stops working at once. Only my own
    tokens: another person's token id is answered as missing (404)."""
    token = services.revoke_own_token(request.user, request.POST.get("token", ""))
    if token is None:
        raise Http404
    messages.success(request, _("The app “%(name)s” is signed out: its key no longer "
                                "works.") % {"name": token.name or token.key_prefix})
    return redirect("accounts:profile")


@login_required
@require_POST
def notice_preferences(request):
    """Keep my cadence for e-mail and for my unit's chat robot."""
    form = NoticePreferencesForm(request.POST)
    if form.is_valid():
        channels.choose_cadences(request.user, form.cleaned_data)
        messages.success(request, _("Your notice settings are saved."))
    else:
        messages.error(request, _("Choose one of the offered ways for each channel."))
    return redirect("accounts:profile")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change my password: the old one, then a new one that passes the password rules."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def second_factor_verify(request):
    """The login's second step: the one-time code from the authenticator app."""
    destination = _next_url(request, reverse("home"))
    if not second_factor.must_verify(request):
        return redirect(destination)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = second_factor.verify(request, form.cleaned_data["code"])
        if outcome.accepted:
            return redirect(destination)
        _refusal(form, outcome)
    return render(request, "accounts/second_factor_verify.html",
                  {"form": form, "next": destination})


def _qr_code_svg(data: str) -> str:
    """The QR code as an SVG element drawn here: the secret never leaves the server for an
    image service."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return image.to_string(encoding="unicode")


def _grouped(secret: str) -> str:
    return " ".join(secret[index:index + 4] for index in range(0, len(secret), 4))


@login_required
def second_factor_enrol(request):
    """Set up the authenticator app: scan the code (or type the key), confirm with a code."""
    user = request.user
    if not second_factor.may_enrol(user):
        raise PermissionDenied
    if second_factor.confirmed_device(user) is not None:
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect("accounts:profile")
    destination = _next_url(request, reverse("accounts:profile"))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = second_factor.confirm_enrolment(request, form.cleaned_data["code"])
        if outcome.accepted:
            messages.success(request, _("Your authenticator app is set up. From now on the "
                                        "login asks for its code after your password."))
            return redirect(destination)
        _refusal(form, outcome)
    device = second_factor.pending_device(user)
    secret = second_factor.base32_secret(device)
    context = {
        "form": form,
        "next": destination,
        "qr_code": _qr_code_svg(device.config_url),
        "secret": _grouped(secret),
        "required": second_factor.is_required_for(user),
    }
    return render(request, "accounts/second_factor_enrol.html", context)


@login_required
@require_POST
def second_factor_remove(request):
    """Turn the second factor off (not allowed when the role requires it)."""
    if second_factor.is_required_for(request.user):
        raise PermissionDenied
    form = OneTimeCodeForm(request.POST)
    if form.is_valid():
        outcome = second_factor.remove_device(request, form.cleaned_data["code"])
        if outcome.accepted:
            messages.success(request, _("Your authenticator app has been removed; the login "
                                        "asks only for your password."))
            return redirect("accounts:profile")
        if outcome.wait_until is not None:
            messages.error(request, _wait_message(outcome.wait_until))
        else:
            messages.error(request, _("This code is not right, or it has already been used."))
    else:
        messages.error(request, _("Enter the 6-digit code your authenticator app shows."))
    return redirect("accounts:profile")


@login_required
@require_safe
def people_search(request):
    """The people who fit a field (``for``: lead, duty, attendee, chair, owner), for the
    pickers: at most 20 whose name holds ``q``, as JSON. ``area`` (the matter's, for lead
    and duty) must lie in the user's scope: outside it answers 404, as if it did not exist.
    Who fits is accounts.pickers' rule, the same that validates the forms."""
    kind = request.GET.get("for", "")
    if kind not in pickers.KINDS:
        return JsonResponse({"detail": _("Say which field the people are for.")}, status=400)
    area = None
    if kind in pickers.KINDS_IN_AN_AREA:
        if not request.GET.get("area"):
            return JsonResponse({"detail": _("Say which area the matter is in.")}, status=400)
        area = get_area_for_user(request.user, request.GET["area"])
    results = pickers.search_people(kind, user=request.user, area=area,
                                    query=request.GET.get("q", "")[:50])
    return JsonResponse({"results": results})
