"""Forms of the meetings pages. They check the shape of the input and offer only choices
within the user's scope; every rule lives in meetings.services."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import pickers
from accounts.models import User
from accounts.pickers import PeopleChoiceField, PersonChoiceField
from grids.choices import AreaKind
from grids.models import Area, Department
from grids.scoping import visible_areas, visible_departments
from meetings.choices import (
    MATTER_DECISIONS,
    OTHER_DECISIONS,
    RULE_TIERS,
    ActionItemAction,
    ItemKind,
    MeetingKind,
    MeetingStatus,
)
from meetings.permissions import may_manage_tier
from quanfu.forms import StyledFormMixin, TextareaField
from risks.choices import RiskLevel, Tier


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def meeting_areas(user):
    """The communities and streets the user may hold meetings for."""
    kinds = []
    if may_manage_tier(user, Tier.COMMUNITY):
        kinds.append(AreaKind.COMMUNITY)
    if may_manage_tier(user, Tier.STREET) or may_manage_tier(user, Tier.DISTRICT):
        kinds.append(AreaKind.STREET)
    return visible_areas(user).filter(kind__in=kinds).order_by("path")


class MeetingForm(StyledFormMixin, forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    area = forms.ModelChoiceField(label=_("Held for"), queryset=Area.objects.none(),
                                  help_text=_("A community meeting is held for a community; "
                                              "street and district meetings for the street."))
    title = forms.CharField(label=_("Meeting title"), max_length=200)
    held_on = forms.DateField(label=_("Meeting date"), widget=DateInput())
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    # chair and attendees: their place in the form; __init__ puts the pickers there
    chair = PersonChoiceField(label=_("Chair"), queryset=User.objects.none(), required=False)
    attendees = PeopleChoiceField(label=_("Attendees"), queryset=User.objects.none(),
                                  required=False)
    departments = forms.ModelMultipleChoiceField(
        label=_("Attending departments"), queryset=Department.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    other_attendees = TextareaField(label=_("Other attendees"), required=False, rows=2,
                                    help_text=_("Those who are not users of the register, "
                                                "e.g. district bureaus or the police station."))
    minutes = TextareaField(label=_("Minutes"), required=False, rows=10)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [(value, label) for value, label in Tier.choices
                                       if may_manage_tier(user, value)]
        self.fields["area"].queryset = meeting_areas(user)
        self.fields["chair"] = pickers.person_field(pickers.CHAIR, user=user, required=False,
                                                    label=_("Chair"))
        self.fields["attendees"] = pickers.person_field(
            pickers.ATTENDEE, user=user, multiple=True, required=False, label=_("Attendees"))
        self.fields["departments"].queryset = visible_departments(user)
        if meeting is not None:  # tier and area are fixed once the meeting exists
            del self.fields["tier"], self.fields["area"]
        else:
            del self.fields["version"]

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)

    @classmethod
    def initial_for(cls, meeting) -> dict:
        return {"kind": meeting.kind, "title": meeting.title, "held_on": meeting.held_on,
                "location": meeting.location, "chair": meeting.chair_id,
                "attendees": [person.pk for person in meeting.attendees.all()],
                "departments": [department.pk for department in meeting.departments.all()],
                "other_attendees": meeting.other_attendees, "minutes": meeting.minutes}


class MeetingFilterForm(StyledFormMixin, forms.Form):
    """The filters above the meetings list (the FilterSet does the filtering)."""

    tier = forms.ChoiceField(label=_("Tier"), required=False,
                             choices=[("", _("All tiers")), *Tier.choices])
    kind = forms.ChoiceField(label=_("Kind of meeting"), required=False,
                             choices=[("", _("All kinds")), *MeetingKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *MeetingStatus.choices])
    held_after = forms.DateField(label=_("Held on or after"), required=False,
                                 widget=DateInput())
    held_before = forms.DateField(label=_("Held on or before"), required=False,
                                  widget=DateInput())
    q = forms.CharField(label=_("Search"), required=False)


class AgendaItemForm(StyledFormMixin, forms.Form):
    """A matter (its id), an open action item (its id) or a topic, for the agenda."""

    risk = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    action_item = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


class DecisionForm(StyledFormMixin, forms.Form):
    # two fields, two names: the outcome chosen (议定结果) and its wording (议定内容)
    decision = forms.ChoiceField(label=_("Outcome decided"))
    note = TextareaField(label=_("Text of the decision"), rows=3)

    def __init__(self, *args, kind: str, tier: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = MATTER_DECISIONS[tier] if kind == ItemKind.MATTER else OTHER_DECISIONS
        self.fields["decision"].choices = [("", _("Choose the decision")),
                                           *((choice.value, choice.label) for choice in choices)]


class ActionItemForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Task assigned"), max_length=300)
    owner = PersonChoiceField(label=_("Responsible person"), queryset=User.objects.none(),
                              required=False)
    owner_department = forms.ModelChoiceField(label=_("Responsible department"),
                                              queryset=Department.objects.none(),
                                              required=False)
    deadline = forms.DateField(label=_("Completion deadline"), widget=DateInput())
    item = forms.ModelChoiceField(label=_("For agenda item"), queryset=None, required=False)
    reason = forms.CharField(label=_("Reason for adding it to approved minutes"),
                             required=False, max_length=500)

    def __init__(self, *args, user, meeting, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = pickers.person_field(pickers.OWNER, user=user, required=False,
                                                    label=_("Responsible person"))
        self.fields["owner_department"].queryset = visible_departments(user)
        self.fields["item"].queryset = meeting.items.filter(pk__in=[item.pk for item in items])
        self.fields["item"].choices = [("", "—")] + [(item.pk, item.topic) for item in items]
        if not meeting.is_locked:
            del self.fields["reason"]


class AmendMinutesForm(StyledFormMixin, forms.Form):
    minutes = TextareaField(label=_("Minutes"), rows=12)
    reason = forms.CharField(label=_("Reason for the amendment"), max_length=500)


class AmendDecisionForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("Text of the decision"), rows=3)
    reason = forms.CharField(label=_("Reason for the amendment"), max_length=500)


class NoteForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("Progress note"), rows=3)


class ActionItemTransitionForm(StyledFormMixin, forms.Form):
    action = forms.ChoiceField(choices=ActionItemAction.choices, widget=forms.HiddenInput)
    note = TextareaField(label=_("Note"), rows=3)


class WhistleForm(StyledFormMixin, forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments called"), queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple)
    respond_by = forms.DateTimeField(label=_("Report in by"), widget=DateTimeInput())
    request = TextareaField(label=_("What the departments are called to do"), rows=3)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = visible_departments(user)
        if not self.is_bound:
            self.initial.setdefault("respond_by", timezone.localtime() + timedelta(hours=24))


class MatterCodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Matter code"), max_length=32,
                           widget=forms.TextInput(attrs={"placeholder": "QF-2026-000123"}))


class ReportInForm(StyledFormMixin, forms.Form):
    responder = forms.CharField(label=_("Who reports in"), max_length=100, required=False,
                                help_text=_("Name and post; your own name if left empty."))
    plan = TextareaField(label=_("What the department will do"), rows=3)


def rule_field_name(tier: str, level: str) -> str:
    return f"{tier}_{level}"


class EscalationRulesForm(StyledFormMixin, forms.Form):
    """Days unresolved at a tier that flag a matter of each level; empty: no rule."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for tier in RULE_TIERS:
            for level in RiskLevel:
                self.fields[rule_field_name(tier, level)] = forms.IntegerField(
                    label=f"{Tier(tier).label} · {level.label}", required=False, min_value=1,
                    max_value=365)
