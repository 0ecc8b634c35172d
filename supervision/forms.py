"""Forms of the supervision pages. They check the shape of the input and offer only the
choices within the user's scope; every rule lives in supervision.services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.choices import AreaKind
from grids.models import Area, Department
from grids.scoping import visible_areas, visible_departments
from quanfu.forms import StyledFormMixin, TextareaField
from risks.scoping import visible_risks
from supervision.choices import (
    FindingSubject,
    InspectionKind,
    InspectionManner,
    Ledger,
    Severity,
    TaskStatus,
)
from supervision.models import Finding, SupervisionGroup
from supervision.scoping import groups_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DateField(forms.DateField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DATE)
        super().__init__(*args, **kwargs)


class MatterCodeField(forms.CharField):
    """A matter named by its code (QF-2026-000123), found only among those the user
    sees: a code outside the scope reads exactly like one that does not exist."""

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        matter = visible_risks(self.user).filter(code=value.strip().upper()).first()
        if matter is None:
            raise forms.ValidationError(_("No matter with this code in your scope."))
        return matter


def _communities(user):
    return visible_areas(user).filter(kind=AreaKind.COMMUNITY).order_by("code")


class InspectionForm(StyledFormMixin, forms.Form):
    group = forms.ModelChoiceField(SupervisionGroup.objects.none(),
                                   label=_("Supervision group"))
    community = forms.ModelChoiceField(Area.objects.none(), label=_("Community"))
    held_on = DateField(label=_("Inspection date"))
    kind = forms.ChoiceField(choices=InspectionKind.choices, label=_("Kind"))
    manner = forms.ChoiceField(choices=InspectionManner.choices, label=_("Manner"))
    checked = TextareaField(label=_("What was checked"))
    summary = TextareaField(label=_("Overall conclusion"), required=False, rows=3)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        groups = groups_of(user).order_by("code") if not user.is_superuser else \
            SupervisionGroup.objects.order_by("code")
        self.fields["group"].queryset = groups
        self.fields["community"].queryset = Area.objects.filter(
            supervision_groups__in=groups, kind=AreaKind.COMMUNITY).distinct().order_by("code")


class FindingForm(StyledFormMixin, forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices, label=_("Severity"),
                                 initial=Severity.GENERAL)
    subject = forms.ChoiceField(choices=FindingSubject.choices, label=_("Concerns"))
    risk = MatterCodeField(label=_("Matter code"), required=False,
                           help_text=_("For a finding on a matter, e.g. QF-2026-000123."))
    ledger = forms.ChoiceField(choices=[("", "---------"), *Ledger.choices],
                               label=_("Ledger"), required=False)
    description = TextareaField(label=_("What was found"))
    rectification_required = TextareaField(label=_("Rectification required"), rows=3)
    deadline = DateField(label=_("Rectification deadline"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].user = user


class NoteForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("Note"), rows=3)


class OptionalNoteForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("Acceptance note"), rows=2, required=False)


class ReturnForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("Why it is not accepted"), rows=3)
    deadline = DateField(label=_("New deadline"), required=False)


class EvidenceForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Photo or PDF"),
                           widget=forms.ClearableFileInput(
                               attrs={"accept": "image/jpeg,image/png,image/webp,"
                                                "application/pdf"}))


class NoticeForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = TextareaField(label=_("Text"), rows=12, required=False)
    findings = forms.ModelMultipleChoiceField(Finding.objects.none(), label=_("Findings"),
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = findings
        self.fields["findings"].widget.attrs["class"] = "form-check-input"
        self.fields["findings"].label_from_instance = (
            lambda finding: f"{finding.community.name} · {finding.description[:60]}")


class ListingForm(StyledFormMixin, forms.Form):
    MATTER, COMMUNITY = "matter", "community"
    target = forms.ChoiceField(choices=[(MATTER, _("A matter")),
                                        (COMMUNITY, _("A whole community"))],
                               label=_("What is listed"), widget=forms.RadioSelect,
                               initial=MATTER)
    risk = MatterCodeField(label=_("Matter code"), required=False)
    community = forms.ModelChoiceField(Area.objects.none(), label=_("Community"),
                                       required=False)
    reason = TextareaField(label=_("Reason"), rows=3)
    deadline = DateField(label=_("Deadline"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].user = user
        self.fields["community"].queryset = _communities(user)
        self.fields["target"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("target") == self.MATTER and not data.get("risk"):
            self.add_error("risk", _("Give the code of the matter to list."))
        if data.get("target") == self.COMMUNITY and not data.get("community"):
            self.add_error("community", _("Choose the community to list."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        matter = data["target"] == self.MATTER
        return {"risk": data["risk"] if matter else None,
                "community": None if matter else data["community"],
                "reason": data["reason"], "deadline": data["deadline"]}


class CampaignTaskForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner_community = forms.ModelChoiceField(Area.objects.none(),
                                             label=_("Responsible community"), required=False)
    owner_department = forms.ModelChoiceField(Department.objects.none(),
                                              label=_("Responsible department"),
                                              required=False)
    deadline = DateField(label=_("Deadline"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_community"].queryset = _communities(user)
        self.fields["owner_department"].queryset = visible_departments(user).order_by("code")


class ProgressForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("What was done"), rows=3)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    status = forms.ChoiceField(choices=TaskStatus.choices, label=_("Status"))

    def __init__(self, *args, task=None, **kwargs):
        if task is not None:
            kwargs.setdefault("initial", {"progress": task.progress,
                                          "status": TaskStatus.IN_PROGRESS
                                          if task.status == TaskStatus.NOT_STARTED
                                          else task.status})
        super().__init__(*args, **kwargs)


class LinkMatterForm(StyledFormMixin, forms.Form):
    risk = MatterCodeField(label=_("Matter code"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].user = user

