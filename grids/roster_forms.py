"""The form with which a community's keeper names a grid's duty holder (grids.rosters)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.pickers import DUTY, person_field
from grids.choices import Duty
from quanfu.forms import StyledFormMixin


class DutyHolderForm(StyledFormMixin, forms.Form):
    """Who holds which duty of ``grid`` from which day. The person is picked among those
    who may hold a duty there (accounts.pickers' ``duty`` rule: people of the grid, of its
    community or street), searched as one types."""

    duty = forms.ChoiceField(label=_("Duty"), choices=Duty.choices)
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Today or a later day; the present holder keeps the duty until then."))

    def __init__(self, *args, grid, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("starts_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["person"] = person_field(DUTY, user=user, area=grid, label=_("New holder"))
        self.order_fields(["duty", "person", "starts_on"])
