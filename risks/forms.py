"""Forms of the register's pages. They check the shape of the input and offer only the
choices within the user's scope; every rule about matters lives in risks.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import pickers
from accounts.models import User
from accounts.pickers import PersonChoiceField
from grids.choices import Duty
from grids.models import Area, Department
from grids.restructuring import closed_area_message
from grids.scoping import visible_areas, visible_departments
from quanfu.forms import StyledFormMixin, TextareaField
from risks.attachment_forms import photos_field
from risks.choices import Action, FollowUpOutcome, Relation, RiskLevel, Source
from risks.models import DUTY_FIELDS, Category, EmergencyPlan, Subtype
from risks.services import REPORTABLE_AREA_KINDS

NOTE_ROWS = 3


class AreaChoiceField(forms.ModelChoiceField):
    """An area shown with the names of its visible ancestors: 花园社区 / 花园第1网格."""

    def __init__(self, queryset, closed_scope=None, **kwargs):
        super().__init__(queryset, **kwargs)
        # the areas whose closing is said by name when chosen (the user's scope)
        self.closed_scope = closed_scope
        names = {area.pk: area.name for area in queryset}
        self.labels = {
            area.pk: " / ".join(names[ancestor] for ancestor in area.ancestor_ids()
                                if ancestor in names)
            for area in queryset
        }

    def label_from_instance(self, area):
        return self.labels.get(area.pk, area.name)

    def to_python(self, value):
        """A closed area (split, merged or retired) is refused by name, not as an unknown
        choice: the page may have been opened before the change."""
        try:
            return super().to_python(value)
        except ValidationError:
            closed = (self.closed_scope.filter(pk=value, closed_on__isnull=False).first()
                      if self.closed_scope is not None and str(value).isdigit() else None)
            if closed is None:
                raise
            raise ValidationError(closed_area_message(closed), code="closed") from None


def reportable_areas(user, keep=None):
    """The areas a user may file a matter under: open communities, grids and micro-grids
    (a split, merged or retired one is closed; ``keep``, a matter's present area, stays
    offered so that saving its form never moves it)."""
    return (visible_areas(user).filter(kind__in=REPORTABLE_AREA_KINDS)
            .filter(Q(closed_on__isnull=True) | Q(pk=keep or 0)).order_by("path"))


def subtype_choices(keep=None):
    """Active subtypes grouped under their category, for one select with option groups.
    ``keep`` (a matter's present subtype id) stays offered even when retired, marked so,
    that saving a form never drops it silently."""
    return subtype_options(keep)[0]


def subtype_options(keep=None) -> tuple[list, dict[int, list[int]]]:
    """The subtype select's choices (subtype_choices) and, from the same query, the ids of
    the subtypes offered under each category id: the page filters the select by the chosen
    category with them (static/js/subtype_filter.js), with no request to the server."""
    groups: dict[str, list] = {}
    by_category: dict[int, list[int]] = {}
    for subtype in (Subtype.objects.filter(Q(is_active=True) | Q(pk=keep or 0))
                    .select_related("category")):
        name = subtype.name if subtype.is_active else _("%(name)s (no longer used)") % {
            "name": subtype.name}
        groups.setdefault(subtype.category.name, []).append((subtype.pk, name))
        by_category.setdefault(subtype.category_id, []).append(subtype.pk)
    return [("", "---------"), *groups.items()], by_category


def address_field():
    return forms.CharField(max_length=200, required=False, label=_("Address"),
                           help_text=_("Where it is: street, building, shop. No ID or "
                                       "phone numbers."))


def coordinate_field(label):
    """One half of the matter's point, filled by the phone's GPS on the worker's tap
    (static/js/location.js), never typed: risks.services.clean_location checks it."""
    return forms.FloatField(required=False, label=label, widget=forms.HiddenInput)


def people_involved_field():
    return forms.IntegerField(
        required=False, min_value=1, label=_("People involved"),
        help_text=_("How many people the matter involves: a number, no names."))


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


DUTY_LABELS = {
    Duty.DISPATCH: _("Responsible for dispatch"),
    Duty.INVESTIGATE: _("Responsible for investigation"),
    Duty.RESOLVE: _("Responsible for resolution"),
    Duty.STABILIZE: _("Responsible for stabilisation"),
}


class RiskReportForm(StyledFormMixin, forms.Form):
    """Report a matter (排查上报): one column, for a grid worker on a phone."""

    area = AreaChoiceField(Area.objects.none(), label=_("Area"))
    category = forms.ModelChoiceField(Category.objects.filter(is_active=True),
                                      label=_("Category"))
    # Every subtype passes the field: the service refuses a retired one, naming its
    # replacement (a form posted from an old page must learn what to choose instead).
    subtype = forms.ModelChoiceField(Subtype.objects.all(), required=False,
                                     label=_("Subtype"))
    title = forms.CharField(max_length=200, label=_("Title"),
                            help_text=_("In a few words: what, where."))
    description = TextareaField(label=_("Description"), rows=5)
    people_involved = people_involved_field()
    address = address_field()
    location_lat = coordinate_field(_("Latitude"))
    location_lng = coordinate_field(_("Longitude"))
    source = forms.ChoiceField(choices=Source.choices, initial=Source.GRID_PATROL,
                               label=_("Source"))
    discovered_at = forms.DateTimeField(required=False, widget=_datetime_input(),
                                        label=_("Discovered at"),
                                        help_text=_("Leave empty for now."))
    party_name = forms.CharField(max_length=50, required=False, label=_("Party's name"),
                                 help_text=_("Optional. Only a name, a phone number and "
                                             "how they are involved are kept."))
    party_phone = forms.CharField(max_length=20, required=False, label=_("Party's phone"))
    # Not required: the party box is optional, and a box left empty demands nothing.
    party_relation = forms.ChoiceField(choices=Relation.choices, initial=Relation.PARTY,
                                       required=False,
                                       label=_("Party's relation to the matter"))
    # Photos taken on the spot (the phone's camera); the view hands them to the service
    # apart from service_arguments: risks.services.report_risk_with_photos.
    photos = photos_field()

    # A service refusal about a party names the party's own fields; one about the
    # location, its first coordinate (shown with the location's buttons).
    service_fields = {"name": "party_name", "phone": "party_phone",
                      "relation": "party_relation", "location": "location_lat"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"] = AreaChoiceField(reportable_areas(user), label=_("Area"),
                                              closed_scope=visible_areas(user))
        self.fields["area"].widget.attrs["class"] = "form-select"
        self.fields["subtype"].choices, self.subtypes_by_category = subtype_options()
        if user.area_id and user.area.kind in REPORTABLE_AREA_KINDS:
            self.fields["area"].initial = user.area_id

    def clean(self):
        data = super().clean()
        if data.get("party_phone") and not data.get("party_name"):
            self.add_error("party_name", _("Give the party's name with their phone number, "
                                           "or leave both empty."))
        return data

    @property
    def location_field(self):
        return self["location_lat"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {field: data[field] for field in (
            "area", "category", "subtype", "title", "description", "source", "discovered_at",
            "people_involved", "address")}
        arguments["location"] = location_argument(data)
        if data["party_name"]:
            arguments["parties"] = [{"name": data["party_name"], "phone": data["party_phone"],
                                     "relation": data["party_relation"] or Relation.PARTY}]
        return arguments


def location_argument(data: dict) -> dict | None:
    """The two coordinates of a form as risks.services takes a location (it refuses half
    a point)."""
    lat, lng = data.get("location_lat"), data.get("location_lng")
    return None if lat is None and lng is None else {"lat": lat, "lng": lng}


class DuplicateQueryForm(forms.Form):
    """What the report form has so far, to look for possible duplicates while typing."""

    area = forms.ModelChoiceField(Area.objects.none())
    category = forms.ModelChoiceField(Category.objects.filter(is_active=True))
    title = forms.CharField(required=False)
    description = forms.CharField(required=False)

    MIN_TEXT_LENGTH = 4

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = reportable_areas(user)

    def has_enough_text(self) -> bool:
        text = f"{self.cleaned_data['title']}{self.cleaned_data['description']}".strip()
        return len(text) >= self.MIN_TEXT_LENGTH


class RiskEditForm(StyledFormMixin, forms.Form):
    """A matter's facts and, for those who may assign, its level, duties and lead.

    ``changes()`` holds only the fields the user changed, as risks.services.update_risk
    takes them; ``version`` is the one the user read (optimistic locking).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(max_length=200, label=_("Title"))
    description = TextareaField(label=_("Description"), rows=5)
    category = forms.ModelChoiceField(Category.objects.filter(is_active=True),
                                      label=_("Category"))
    subtype = forms.ModelChoiceField(Subtype.objects.all(), required=False,
                                     label=_("Subtype"))
    area = forms.ModelChoiceField(Area.objects.none(), label=_("Area"))
    department = forms.ModelChoiceField(Department.objects.none(), required=False,
                                        label=_("Owning department"))
    source = forms.ChoiceField(choices=Source.choices, label=_("Source"))
    discovered_at = forms.DateTimeField(widget=_datetime_input(), label=_("Discovered at"))
    due_on = forms.DateField(required=False, widget=_date_input(), label=_("Due on"))
    people_involved = people_involved_field()
    address = address_field()
    location_lat = coordinate_field(_("Latitude"))
    location_lng = coordinate_field(_("Longitude"))

    FACT_FIELDS = ("title", "description", "category", "subtype", "area", "department",
                   "source", "discovered_at", "due_on", "people_involved", "address")
    LOCATION_FIELDS = ("location_lat", "location_lng")
    ASSIGN_FIELDS = ("level", *DUTY_FIELDS.values(), "lead")
    # the service names the point ``location``: its refusal goes with the location's buttons
    service_fields = {"location": "location_lat"}

    def __init__(self, *args, risk, user, may_edit: bool, may_assign: bool, **kwargs):
        kwargs.setdefault("initial", self.initial_from(risk))
        super().__init__(*args, **kwargs)
        if may_edit:
            self.fields["area"] = AreaChoiceField(reportable_areas(user, keep=risk.area_id),
                                                  label=_("Area"),
                                                  closed_scope=visible_areas(user))
            self.fields["area"].widget.attrs["class"] = "form-select"
            self.fields["department"].queryset = visible_departments(user)
            self.fields["subtype"].choices, self.subtypes_by_category = subtype_options(
                keep=risk.subtype_id)
        else:
            for name in (*self.FACT_FIELDS, *self.LOCATION_FIELDS):
                del self.fields[name]
        if may_assign:
            self.add_assign_fields(risk, user)

    @staticmethod
    def initial_from(risk) -> dict:
        # Minutes only: the form shows minutes, and seconds must not count as a change.
        discovered_at = timezone.localtime(risk.discovered_at).replace(second=0, microsecond=0)
        initial = {"version": risk.version, "discovered_at": discovered_at,
                   "level": risk.level or ""}
        for name in ("title", "description", "source", "due_on", "people_involved",
                     "address", "location_lat", "location_lng"):
            initial[name] = getattr(risk, name)
        for name in ("category", "subtype", "area", "department", "lead",
                     *DUTY_FIELDS.values()):
            initial[name] = getattr(risk, f"{name}_id")
        return initial

    def add_assign_fields(self, risk, user):
        holders = [getattr(risk, field) for field in DUTY_FIELDS.values()]
        self.fields["level"] = forms.ChoiceField(
            choices=[("", _("Not graded")), *RiskLevel.choices], required=False,
            label=_("Risk level"), widget=forms.Select(attrs={"class": "form-select"}))
        for duty, field in DUTY_FIELDS.items():
            self.fields[field] = pickers.person_field(
                pickers.DUTY, user=user, area=risk.area, keep=holders, required=False,
                label=DUTY_LABELS[duty])
        self.fields["lead"] = pickers.person_field(
            pickers.LEAD, user=user, area=risk.area, keep=[risk.lead], required=False,
            label=_("Lead official"),
            help_text=_("A street leader or the head of a section. Needed before a "
                        "high-level matter starts."))

    def fact_fields(self):
        return [self[name] for name in self.FACT_FIELDS if name in self.fields]

    @property
    def location_field(self):
        """The location's first coordinate (with the location's errors), or None when the
        user may not change the facts."""
        return self["location_lat"] if "location_lat" in self.fields else None

    def assign_fields(self):
        return [self[name] for name in self.ASSIGN_FIELDS if name in self.fields]

    def changes(self) -> dict:
        changes = {}
        for name in self.changed_data:
            if name == "version":
                continue
            if name in self.LOCATION_FIELDS:  # the point changes whole (risks.services)
                changes["location"] = location_argument(self.cleaned_data)
                continue
            value = self.cleaned_data[name]
            # An empty level means "not graded", which the model stores as null.
            changes[name] = (value or None) if name == "level" else value
        return changes


class TransitionForm(StyledFormMixin, forms.Form):
    action = forms.ChoiceField(choices=Action.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = TextareaField(required=False, label=_("Note"), rows=NOTE_ROWS)
    # dispatch only; the service refuses a department of another street
    department = forms.ModelChoiceField(Department.objects.all(), required=False,
                                        label=_("Department"))


class NoteForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("Progress note"), rows=NOTE_ROWS)


class PartyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=50, label=_("Party's name"))
    phone = forms.CharField(max_length=20, required=False, label=_("Party's phone"))
    relation = forms.ChoiceField(choices=Relation.choices, initial=Relation.PARTY,
                                 label=_("Relation to the matter"))


class ResolutionPlanForm(StyledFormMixin, forms.Form):
    """一事一策: the measures, who carries them out, and by when."""

    measures = TextareaField(label=_("Measures"), rows=6)
    owner = PersonChoiceField(User.objects.none(), required=False, label=_("Owner"))
    target_date = forms.DateField(required=False, widget=_date_input(),
                                  label=_("Target date"))

    def __init__(self, *args, risk, user, **kwargs):
        super().__init__(*args, **kwargs)
        plan = getattr(risk, "current_plan", None)
        self.fields["owner"] = pickers.person_field(
            pickers.DUTY, user=user, area=risk.area, keep=[plan.owner] if plan else [],
            required=False, label=_("Owner"))


class EmergencyPlanForm(StyledFormMixin, forms.Form):
    """一事一案: when it starts and stops, command, duties, measures, supplies."""

    start_criteria = TextareaField(label=_("When it starts"), rows=NOTE_ROWS)
    stop_criteria = TextareaField(label=_("When it stops"), rows=NOTE_ROWS)
    command = TextareaField(label=_("Command"), rows=NOTE_ROWS)
    duties = TextareaField(label=_("Duties"), rows=NOTE_ROWS)
    measures = TextareaField(label=_("Measures"), rows=NOTE_ROWS)
    supplies = TextareaField(label=_("Supplies"), rows=NOTE_ROWS)
    reason = TextareaField(required=False, label=_("Reason for the revision"), rows=2,
                           help_text=_("Needed when an existing plan is revised."))

    def service_arguments(self) -> dict:
        return {field: self.cleaned_data[field]
                for field in (*EmergencyPlan.CONTENT_FIELDS, "reason")}


class DrillForm(StyledFormMixin, forms.Form):
    """A drill (演练) of the emergency plan."""

    held_on = forms.DateField(widget=_date_input(), label=_("Held on"))
    participants = TextareaField(label=_("Participants"), rows=2)
    summary = TextareaField(label=_("How it went"), rows=NOTE_ROWS)
    findings = TextareaField(required=False, label=_("Findings to improve"), rows=NOTE_ROWS)


class LinkDuplicateForm(forms.Form):
    original = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)


class FollowUpForm(StyledFormMixin, forms.Form):
    """A follow-up call after write-off (回访): its outcome and what was said."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        ("", _("Choose the outcome")), *FollowUpOutcome.choices])
    note = TextareaField(required=False, rows=2, label=_("What was said"))
