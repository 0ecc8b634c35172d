"""Forms of the login's second step and of the profile page."""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from inbox.choices import Cadence
from quanfu.forms import StyledFormMixin


class OneTimeCodeForm(StyledFormMixin, forms.Form):
    code = forms.RegexField(
        label=_("One-time code"),
        regex=r"^\s*\d{6,8}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the 6-digit code your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )


class PasswordChangeForm(StyledFormMixin, DjangoPasswordChangeForm):
    """Django's form (old password, new password twice, the validators of
    AUTH_PASSWORD_VALIDATORS) with the project's widget classes."""


class NoticePreferencesForm(StyledFormMixin, forms.Form):
    """How a person wants their notices besides the inbox (which is always immediate):
    a cadence per channel, the fields named after inbox.choices.Channel."""

    email = forms.ChoiceField(label=_("By e-mail"), choices=Cadence.choices)
    chat = forms.ChoiceField(label=_("By my unit's chat group robot"), choices=Cadence.choices)
