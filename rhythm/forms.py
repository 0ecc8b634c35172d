"""Forms of the rhythm's pages. They check the shape of the input and offer only what lies
in the user's scope; every rule (T+2, who may answer, deadlines ahead) is in
rhythm.services, whose refusals the views put next to the field they name."""

from datetime import datetime, time

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.pickers import person_label
from accounts.roles import Role
from accounts.scoping import visible_people
from grids.choices import AreaKind
from grids.scoping import visible_areas
from quanfu.clock import local_moment
from quanfu.forms import StyledFormMixin, TextareaField
from rhythm.calendar import nth_workday_after
from rhythm.choices import CheckOutcome, InstructionKind, InstructionStatus, WarningStatus
from risks.forms import AreaChoiceField

NOTE_ROWS = 3
DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT_FORMAT)


class WarningIssueForm(StyledFormMixin, forms.Form):
    """Issue a warning (预警) on a graded, open matter; feedback is due at T+2."""

    content = TextareaField(label=_("What the warning is about"), rows=4)
    issued_at = forms.DateTimeField(
        required=False, widget=_datetime_input(), label=_("Issued at"),
        help_text=_("Leave empty for now. A warning received earlier (on paper, from the "
                    "district platform) is entered with the time it was issued."))


class FeedbackForm(StyledFormMixin, forms.Form):
    """The responsible unit's feedback (反馈) that closes a warning."""

    content = TextareaField(label=_("Feedback"), rows=4,
                            help_text=_("What was found and what was done."))


class CheckConfirmForm(StyledFormMixin, forms.Form):
    """One matter of today's checklist: unchanged, or changed with a note."""

    outcome = forms.ChoiceField(choices=CheckOutcome.choices, widget=forms.HiddenInput)
    note = TextareaField(required=False, label=_("What changed"), rows=2)


class InstructionAnswerForm(StyledFormMixin, forms.Form):
    answer = TextareaField(label=_("Your answer"), rows=3,
                           help_text=_("What you did and what you found."))


class WorkersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return person_label(person)


INSTRUCTION_AREA_KINDS = (AreaKind.STREET, AreaKind.COMMUNITY, AreaKind.GRID,
                          AreaKind.MICROGRID)


def default_deadline() -> datetime:
    """The end of the next working day's office hours."""
    day = nth_workday_after(timezone.localdate(), 1)
    return local_moment(day, time(18, 0))


class InstructionForm(StyledFormMixin, forms.Form):
    """A work instruction (工作指令) to grid workers in the sender's scope, about a matter
    (``risk``, carried from the matter's page in the address) or an area, with a
    deadline."""

    kind = forms.ChoiceField(choices=InstructionKind.choices, initial=InstructionKind.VISIT,
                             label=_("Kind"))
    content = TextareaField(label=_("Instruction"), rows=4)
    deadline = forms.DateTimeField(widget=_datetime_input(), label=_("Deadline"))
    workers = WorkersField(queryset=None, label=_("Grid workers"),
                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, risk=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("deadline", timezone.localtime(default_deadline())
                                     .replace(tzinfo=None))
        super().__init__(*args, **kwargs)
        self.risk = risk
        workers = visible_people(user).filter(role=Role.GRID_WORKER)
        if risk is not None:
            # those who work in the matter's area, or in the grid around its micro-grid
            workers = workers.filter(Q(area__path__startswith=risk.area.path)
                                     | Q(area_id__in=risk.area.ancestor_ids()))
        self.fields["workers"].queryset = workers.order_by("area__path", "username")
        self.fields["workers"].widget.attrs["class"] = "form-check-input"
        areas = visible_areas(user).filter(kind__in=INSTRUCTION_AREA_KINDS).order_by("path")
        self.fields["area"] = AreaChoiceField(
            areas, required=risk is None, label=_("Area"),
            help_text=_("Leave empty to use the matter's area.") if risk else "",
            widget=forms.Select(attrs={"class": "form-select"}))
        self.order_fields(["area", "kind", "content", "deadline", "workers"])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"workers": list(data["workers"]), "kind": data["kind"],
                "content": data["content"], "deadline": data["deadline"],
                "risk": self.risk, "area": data.get("area")}


class WarningStatusChoiceForm(forms.Form):
    """The list's filter row (the filtering itself is rhythm.filters.WarningFilterSet)."""

    status = forms.ChoiceField(choices=[("", _("All")), *WarningStatus.choices],
                               required=False, label=_("Status"),
                               widget=forms.Select(attrs={"class": "form-select"}))


class InstructionFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", _("All")), *InstructionStatus.choices],
                               required=False, label=_("Status"),
                               widget=forms.Select(attrs={"class": "form-select"}))
    mine = forms.BooleanField(required=False, label=_("Sent by me"),
                              widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


class DayForm(forms.Form):
    day = forms.DateField(required=False, label=_("Day"),
                          widget=forms.DateInput(attrs={"type": "date", "class": "form-control"},
                                                 format="%Y-%m-%d"))


class WeekForm(forms.Form):
    week = forms.DateField(required=False, label=_("A day of the week"),
                           widget=forms.DateInput(attrs={"type": "date",
                                                         "class": "form-control"},
                                                  format="%Y-%m-%d"))


class MonthForm(forms.Form):
    month = forms.DateField(required=False, label=_("Month"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month",
                                                          "class": "form-control"},
                                                   format="%Y-%m"))
