"""Forms of the register's list page: the filters above the table (rendering only;
RiskFilterSet does the filtering) and the bulk actions on the selected rows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.pickers import DUTY, NOT_ON_DUTY_ROLES, PersonChoiceField, search_url
from accounts.scoping import visible_people
from grids.pickers import area_label
from grids.pickers import search_url as area_search_url
from grids.scoping import spans_several_streets, visible_departments
from quanfu.forms import SearchSelect, StyledFormMixin
from risks.choices import ClockFlag, ClockStage, RiskLevel, RiskStatus, Source, Tier
from risks.data_gaps import GAP_LABELS
from risks.filters import OPEN, PENDING, WAITING
from risks.flow_figures import FIGURE_LABELS, Period
from risks.forms import DUTY_LABELS
from risks.models import DUTY_FIELDS, Category, Subtype


class SelectedIdsField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return sorted({int(item) for item in value or []})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(_("The selection is not valid.")) from error

    def validate(self, value):
        if not value:
            raise forms.ValidationError(_("Select at least one matter."))


class BulkActionForm(StyledFormMixin, forms.Form):
    """One operation for many selected matters: verify, set the level, or name duties.

    Each row of the list carries ``version_<id>``: the version the user saw.
    """

    VERIFY, SET_LEVEL, CONFIRM_GRADE, ASSIGN_DUTIES = (
        "verify", "set_level", "confirm_grade", "assign_duties")

    selected = SelectedIdsField()
    operation = forms.ChoiceField(choices=[
        (VERIFY, _("Verify")), (SET_LEVEL, _("Set the risk level")),
        (CONFIRM_GRADE, _("Confirm the grade (weekly re-grading)")),
        (ASSIGN_DUTIES, _("Name the responsible persons")),
    ], label=_("Bulk action"))
    level = forms.ChoiceField(choices=[("", "---------"), *RiskLevel.choices], required=False,
                              label=_("Risk level"))
    next_query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, place=None, **kwargs):
        """``place``: the area the list is narrowed to (``within``), if any."""
        super().__init__(*args, **kwargs)
        people = (visible_people(user).exclude(role__in=NOT_ON_DUTY_ROLES)
                  .order_by("area__path", "username"))
        # A city's people are tens of thousands: four selects of them made the page
        # megabytes. Beyond one street, the people of the chosen place's street, and no
        # duties to name until a place is chosen.
        several_streets = spans_several_streets(user)
        self.duties_need_a_place = several_streets and place is None and not self.is_bound
        if self.duties_need_a_place:
            self.fields["operation"].choices = [
                choice for choice in self.fields["operation"].choices
                if choice[0] != self.ASSIGN_DUTIES]
            return
        # The four pickers search the people who may hold a duty in the place the list is
        # narrowed to (else the user's own area) as one types; the page carries none of
        # them (a busy street's register page: 4 × 250 options before). What is posted is
        # checked against ``people``, and each matter's area by the services.
        url = search_url(DUTY, place if place is not None else user.area)
        for duty, field in DUTY_FIELDS.items():
            self.fields[field] = PersonChoiceField(
                people, required=False, label=DUTY_LABELS[duty], empty_label=_("Leave as it is"),
                widget=SearchSelect(url))

    def clean(self):
        data = super().clean()
        operation = data.get("operation")
        if operation == self.SET_LEVEL and not data.get("level"):
            self.add_error("level", _("Choose the level to set."))
        if operation == self.ASSIGN_DUTIES and not self.duty_changes():
            self.add_error(None, _("Choose at least one responsible person."))
        versions = {}
        for risk_id in data.get("selected") or []:
            try:
                versions[risk_id] = int(self.data.get(f"version_{risk_id}", ""))
            except ValueError:
                self.add_error(None, _("Reload the list: a selected row has no version."))
                break
        data["versions"] = versions
        return data

    def duty_changes(self) -> dict:
        return {field: self.cleaned_data[field] for field in DUTY_FIELDS.values()
                if self.cleaned_data.get(field)}


class RiskFilterForm(StyledFormMixin, forms.Form):
    """The filters above the register's table. Renders only: RiskFilterSet filters."""

    q = forms.CharField(required=False, label=_("Search"),
                        widget=forms.TextInput(attrs={"placeholder": _("Code, title, text")}))
    status = forms.ChoiceField(required=False, label=_("Status"), choices=[
        ("", _("Any status")), (OPEN, _("Open (being handled)")), *RiskStatus.choices])
    level = forms.ChoiceField(required=False, label=_("Risk level"),
                              choices=[("", _("Any level")), *RiskLevel.choices])
    category = forms.ChoiceField(required=False, label=_("Category"))
    subtype = forms.ChoiceField(required=False, label=_("Subtype"))
    tier = forms.ChoiceField(required=False, label=_("Tier"),
                             choices=[("", _("Any tier")), *Tier.choices])
    within = forms.ChoiceField(required=False, label=_("Within"))
    department = forms.ChoiceField(required=False, label=_("Department"))
    section = forms.ChoiceField(required=False, label=_("Owned by or dispatched to"))
    dispatched_to = forms.ChoiceField(required=False, label=_("Dispatched to"))
    returned = forms.ChoiceField(required=False, label=_("Returned"), choices=[
        ("", _("Returned or not")), ("true", _("Returned at least once")),
        ("false", _("Never returned"))])
    dispatch = forms.ChoiceField(required=False, label=_("Dispatch state"), choices=[
        ("", _("Any dispatch state")), (WAITING, _("Waiting to be dispatched")),
        (PENDING, _("Waiting to be signed for"))])
    mine = forms.ChoiceField(required=False, label=_("Mine"), choices=[
        ("", _("Anyone's")), ("true", _("Mine (a duty or the lead)"))])
    source = forms.ChoiceField(required=False, label=_("Source"),
                               choices=[("", _("Any source")), *Source.choices])
    overdue = forms.ChoiceField(required=False, label=_("Overdue"), choices=[
        ("", _("Overdue or not")), ("true", _("Overdue only")), ("false", _("Not overdue"))])
    clock = forms.ChoiceField(required=False, label=_("Clock"), choices=[
        ("", _("Any clock")), (ClockFlag.YELLOW, _("Yellow light")),
        (ClockFlag.RED, _("Red light"))])
    stage = forms.ChoiceField(required=False, label=_("Stage"),
                              choices=[("", _("Any stage")), *ClockStage.choices])
    ordering = forms.CharField(required=False, widget=forms.HiddenInput)
    # a flow figure's matters (risks.flow_figures), kept when other filters change
    flow = forms.CharField(required=False, widget=forms.HiddenInput)
    flow_month = forms.CharField(required=False, widget=forms.HiddenInput)
    flow_department = forms.CharField(required=False, widget=forms.HiddenInput)
    # a data quality figure's matters (risks.data_gaps), kept when other filters change
    gap = forms.CharField(required=False, widget=forms.HiddenInput)

    def flow_notice(self) -> str:
        """Which flow figure the list shows (a dashboard's number opened here), or ""."""
        figure = self.data.get("flow", "") if self.is_bound else ""
        if figure not in FIGURE_LABELS:
            return ""
        month = self.data.get("flow_month") or Period.of().key
        return f"{FIGURE_LABELS[figure]} · {month}"

    def gap_notice(self) -> str:
        """Which data quality figure the list shows, or ""."""
        gap = self.data.get("gap", "") if self.is_bound else ""
        return str(GAP_LABELS.get(gap, ""))

    def __init__(self, *args, user, place=None, **kwargs):
        """``place``: the area chosen under ``within``, if any."""
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(is_active=True)
        self.fields["category"].choices = [
            ("", _("Any category")), *((c.code, c.name) for c in categories)]
        groups: dict[str, list] = {}
        for subtype in Subtype.objects.filter(is_active=True).select_related("category"):
            groups.setdefault(subtype.category.name, []).append((subtype.code, subtype.name))
        self.fields["subtype"].choices = [("", _("Any subtype")), *groups.items()]
        # The place is searched as one types (grids.pickers): the page carries only the
        # chosen one, not a street's 220 places nor a city's 30,000 grids.
        self.fields["within"].choices = [("", _("My whole scope")), *(
            [(place.pk, area_label(place))] if place is not None else [])]
        self.fields["within"].widget = SearchSelect(area_search_url(), attrs={
            "data-placeholder": _("Type a place's name to search"),
            "data-picker-no-results": _("No place found")})
        departments = [(department.pk, department.name)
                       for department in visible_departments(user).order_by("name")]
        self.fields["department"].choices = [("", _("Any department")), *departments]
        for name in ("section", "dispatched_to"):
            self.fields[name].choices = [("", _("Any department")), *departments]
