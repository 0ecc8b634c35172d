"""A service's refusal in the pages, mapped in one place (quanfu.refusals): a Forbidden no
view caught is the 403 page with its reason; a rule broken after a button goes back to
the page of the button with the reason (htmx: that page reloads), else a page that says
why (400, or 409 for a stale version); a form gets the reason next to the field named."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.urls import include, path, reverse

from ledgers.models import ArchiveFile
from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from quanfu.refusals import caught_refusal, refusal_as_message, refusal_on_form

REASON = "只有草稿可以删除。"
PAGE = "http://testserver/meetings/"


def _refuse(request, kind):
    error = {"forbidden": Forbidden(REASON), "rule": RuleBroken(REASON, field="title"),
             "stale": StaleVersion(REASON, current_version=3)}[kind]
    raise error


urlpatterns = [
    path("refusal/<str:kind>/", _refuse, name="refusal"),
    path("", include("quanfu.urls")),
]

pytestmark = pytest.mark.urls(__name__)


def refusal_url(kind: str) -> str:
    return reverse("refusal", args=[kind])


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# The middleware: what no view caught ------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forbidden_no_view_caught_is_the_403_page_with_its_reason(client, officer_a,
                                                                    method):
    client.force_login(officer_a)
    response = getattr(client, method)(refusal_url("forbidden"), HTTP_REFERER=PAGE)
    assert response.status_code == 403
    assert REASON in response.content.decode()


def test_a_rule_broken_after_a_button_goes_back_to_its_page_with_the_reason(client,
                                                                             officer_a):
    client.force_login(officer_a)
    response = client.post(refusal_url("rule"), HTTP_REFERER=PAGE)
    assert response.status_code == 302 and response.url == PAGE
    assert said(response) == [REASON]


@pytest.mark.parametrize("referer", ["", "https://elsewhere.example/page/"])
def test_a_rule_broken_with_no_page_of_ours_to_go_back_to_is_a_400_page(client, officer_a,
                                                                        referer):
    client.force_login(officer_a)
    response = client.post(refusal_url("rule"), HTTP_REFERER=referer)
    assert response.status_code == 400
    assert REASON in response.content.decode()
    assert "elsewhere.example" not in response.get("Location", "")


def test_a_rule_broken_on_a_page_opened_is_a_400_page_not_a_redirect(client, officer_a):
    client.force_login(officer_a)
    response = client.get(refusal_url("rule"), HTTP_REFERER=PAGE)
    assert response.status_code == 400
    assert REASON in response.content.decode()


def test_a_stale_version_no_view_caught_is_409(client, officer_a):
    client.force_login(officer_a)
    response = client.post(refusal_url("stale"))
    assert response.status_code == 409
    assert REASON in response.content.decode()


def test_an_htmx_refusal_reloads_the_page_which_then_says_why(client, officer_a):
    client.force_login(officer_a)
    response = client.post(refusal_url("rule"), HTTP_HX_REQUEST="true", HTTP_REFERER=PAGE)
    assert response.status_code == 400
    assert response["HX-Refresh"] == "true"
    assert said(response) == [REASON]


# The helpers: where a view expects the refusal --------------------------------------------

class TitleForm(forms.Form):
    title = forms.CharField()
    party_name = forms.CharField(required=False)

    service_fields = {"name": "party_name"}


def bound_form() -> TitleForm:
    form = TitleForm({"title": "楼道堆物"})
    assert form.is_valid()
    return form


def test_a_refusal_lands_on_the_field_it_names():
    form = bound_form()
    with refusal_on_form(form) as refusal:
        raise RuleBroken(REASON, field="title")
    assert form.errors == {"title": [REASON]}
    assert refusal.status == 400 and refusal.message == REASON


def test_a_refusal_lands_on_the_field_the_form_calls_it():
    form = bound_form()
    with refusal_on_form(form):
        raise RuleBroken(REASON, field="name")
    assert form.errors == {"party_name": [REASON]}


@pytest.mark.parametrize("fields, field", [(None, "level"), ({"title": None}, "title")])
def test_a_refusal_about_no_field_of_the_form_goes_above_it(fields, field):
    form = bound_form()
    with refusal_on_form(form, fields):
        raise RuleBroken(REASON, field=field)
    assert form.non_field_errors() == [REASON] and "title" not in form.errors


def test_a_stale_version_goes_above_the_form_with_409():
    form = bound_form()
    with refusal_on_form(form) as refusal:
        raise StaleVersion(REASON, current_version=2)
    assert form.non_field_errors() == [REASON]
    assert refusal.is_stale and refusal.status == 409


def test_a_forbidden_is_never_a_field_s_business():
    form = bound_form()
    with pytest.raises(Forbidden), refusal_on_form(form):
        raise Forbidden(REASON)
    assert not form.errors


def test_what_ran_without_refusal_leaves_nothing_behind():
    form = bound_form()
    with refusal_on_form(form) as refusal:
        pass
    assert refusal.error is None and form.errors == {}
    with caught_refusal() as refusal:
        pass
    assert refusal.error is None


def test_a_button_s_refusal_is_said_as_a_message(rf):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with refusal_as_message(request) as refusal:
        raise RuleBroken(REASON)
    assert [str(message) for message in request._messages] == [REASON]
    assert refusal.message == REASON


# A page that used to say every refusal above its form -------------------------------------

def test_the_archive_sheet_says_a_refusal_next_to_its_field(client, report, officer_a):
    matter = report(officer_a)
    client.force_login(officer_a)
    response = client.post(reverse("ledgers:archive_sheet", args=[matter.pk]),
                           {"location": "档案室", "note": "联系人13812345678"})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["note"] and not form.non_field_errors()
    assert not ArchiveFile.objects.filter(risk=matter).exists()
