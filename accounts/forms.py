"""Forms of the login's second step, of the profile page, and of the grid workers' accounts
that a community keeps."""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts.pickers import DUTY, person_field
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


# A community keeps its grid workers' accounts (accounts.grid_workers) -------------------

class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, grid):
        return f"{grid.name} ({grid.code})"


class GridWorkerForm(StyledFormMixin, forms.Form):
    """A new grid worker: the least the register needs of a person (DOMAIN.md): the name
    they log in with, the name colleagues know them by, and their grid."""

    username = forms.CharField(
        label=_("Username"), max_length=150,
        help_text=_("What they type to log in: letters, digits and @ . + - _ only."))
    name = forms.CharField(label=_("Display name"), max_length=50)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"] = GridChoiceField(grids, label=_("Grid"), empty_label="—",
                                              widget=forms.Select(attrs={"class": "form-select"}))


class DeactivateWorkerForm(StyledFormMixin, forms.Form):
    """Who takes over the duties the worker holds in the grids' rosters (when they hold
    any); picked among those who may hold a duty in the worker's grid."""

    def __init__(self, *args, worker, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"] = person_field(
            DUTY, user=user, area=worker.area, required=False, label=_("Takes over the duties"))


class SetPasswordForm(StyledFormMixin, DjangoSetPasswordForm):
    """Django's form (the new password twice, the validators of AUTH_PASSWORD_VALIDATORS)
    with the project's widget classes."""
