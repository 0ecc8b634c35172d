"""A service's refusal in the pages, mapped in one place (the API's is
``quanfu.api.exceptions``). Views never catch ``Forbidden``, ``RuleBroken`` or
``StaleVersion`` one by one.

Where a refusal is part of the page, the view wraps the service call, and what follows
the call when it succeeds, in one ``with``; when the service refuses, the block ends there
and the view goes on after it, which is the path of the refusal::

    if form.is_valid():
        with refusal_on_form(form):
            services.add_note(risk, actor=request.user, note=form.cleaned_data["note"])
            return redirect(matter_url(pk))
    return render_matter_page(request, pk, note_form=form, status=400)

- ``refusal_on_form(form)``: what the user typed comes back with the reason next to the
  field the refusal names (through the form's ``service_fields`` when the service calls a
  field otherwise), or above the form when the form has no such field;
- ``refusal_as_message(request)``: a button's refusal is said on the page the view goes
  back to;
- ``caught_refusal()``: the view shows the reason its own way.

Each yields a ``Refusal``: its ``error``, and the ``status`` a page showing it answers with
(400, or 409 when someone changed the record meanwhile).

What no view expects reaches ``RefusalMiddleware``: a ``Forbidden`` is the 403 page with its
reason, anywhere (outside the scope was already a 404: ``Http404`` from the scoped lookups).
A rule broken, or a stale version, after a button (POST) goes back to the page the button
was on with the reason as a message (htmx: that page reloads, with the message); else it is
a page that says why, 400 or 409.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from quanfu.errors import Forbidden, RuleBroken, StaleVersion

REFUSED_TEMPLATE = "refused.html"


@dataclass
class Refusal:
    """What a ``with`` of this module caught: nothing yet, or the service's refusal."""

    error: RuleBroken | StaleVersion | None = None

    @property
    def is_stale(self) -> bool:
        return isinstance(self.error, StaleVersion)

    @property
    def status(self) -> int:
        return 409 if self.is_stale else 400

    @property
    def message(self) -> str:
        return "" if self.error is None else str(self.error.message)


@contextmanager
def caught_refusal(show: Callable[[RuleBroken | StaleVersion], None] | None = None
                   ) -> Iterator[Refusal]:
    """End the block at a RuleBroken or StaleVersion, keep it, and ``show`` it. A
    Forbidden goes on to the middleware: it is never a field's business."""
    refusal = Refusal()
    try:
        yield refusal
    except (RuleBroken, StaleVersion) as error:
        refusal.error = error
        if show is not None:
            show(error)


def refusal_on_form(form, fields: dict | None = None):
    """The refusal next to the field it names, else above the form. ``fields`` maps the
    service's field names to the form's (``None``: above the form); by default the form's
    own ``service_fields``. A stale version is about the whole form: above it."""
    names = fields if fields is not None else getattr(form, "service_fields", {})

    def show(error):
        field = None if isinstance(error, StaleVersion) else names.get(error.field, error.field)
        form.add_error(field if field in form.fields else None, str(error.message))

    return caught_refusal(show)


def refusal_as_message(request):
    """The refusal as an error message on the next page the user sees."""
    return caught_refusal(lambda error: messages.error(request, str(error.message)))


class RefusalMiddleware:
    """Turns a refusal no view caught into the answer a person in a browser expects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Forbidden):
            # Django's 403 page (templates/403.html), with the service's reason
            raise PermissionDenied(str(exception.message)) from exception
        if not isinstance(exception, (RuleBroken, StaleVersion)):
            return None
        refusal = Refusal(exception)
        if request.headers.get("HX-Request"):
            messages.error(request, refusal.message)
            response = HttpResponse(refusal.message, status=refusal.status,
                                    content_type="text/plain; charset=utf-8")
            response["HX-Refresh"] = "true"
            return response
        back = _page_of_the_button(request)
        if back is not None:
            messages.error(request, refusal.message)
            return redirect(back)
        return render(request, REFUSED_TEMPLATE, {"refusal": refusal}, status=refusal.status)


def _page_of_the_button(request) -> str | None:
    """The page a POST came from, when it is one of ours. (A refused GET is not sent
    back: the page it came from could be itself.)"""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return referer
    return None
