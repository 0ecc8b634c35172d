"""The forms of a change of areas (区域调整): one per kind, each giving the spec that
grids.restructuring.request_change takes. They check the shape of the input and offer only
open areas within the requester's reach; every rule lives in grids.restructuring."""

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.choices import PARENT_KIND, AreaChangeKind, AreaKind
from grids.models import Area
from grids.scoping import visible_areas
from quanfu.forms import StyledFormMixin, TextareaField

MAX_PARTS = 6


def _open_areas(user, area: Area, *kinds):
    """Open areas of ``kinds`` in the area's street that the requester sees (a community
    officer: their community)."""
    return (visible_areas(user).filter(kind__in=kinds, closed_on__isnull=True,
                                       path__startswith=area.street_path())
            .order_by("path"))


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, area):
        if area.parent_id is None:
            return area.name
        return f"{area.parent.name} / {area.name}"


class AreaChangeForm(StyledFormMixin, forms.Form):
    """What every change says: the day it takes effect and why."""

    kind = ""
    effective_on = forms.DateField(label=_("Takes effect on"),
                                   widget=forms.DateInput(attrs={"type": "date"},
                                                          format="%Y-%m-%d"),
                                   help_text=_("The day the areas change; the change is "
                                               "applied when a street leader approves it on "
                                               "or after that day."))
    reason = TextareaField(label=_("Reason"), rows=3)

    def __init__(self, *args, area: Area, user, **kwargs):
        kwargs.setdefault("initial", {"effective_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.area, self.user = area, user
        self.order_fields([name for name in self.fields
                           if name not in ("effective_on", "reason")]
                          + ["effective_on", "reason"])

    def spec(self) -> dict:
        return {}

    def service_arguments(self) -> dict:
        return {"kind": self.kind, "area": self.area,
                "effective_on": self.cleaned_data["effective_on"],
                "reason": self.cleaned_data["reason"], "spec": self.spec()}


def part_choices(automatic):
    return [("", automatic), *[(str(number), _("Part %(number)s") % {"number": number})
                                for number in range(1, MAX_PARTS + 1)]]


class SplitForm(AreaChangeForm):
    kind = AreaChangeKind.SPLIT
    parts = TextareaField(
        label=_("New grids"), rows=3,
        help_text=_("One line per new grid: its code, a space, its name. Two lines or more; "
                    "the first line is part 1."))
    boundaries = forms.FileField(
        label=_("Boundaries of the new grids (GeoJSON)"), required=False,
        help_text=_("Optional: a GeoJSON FeatureCollection whose features carry the new "
                    "grids' codes in their property code (编码). A matter with a location "
                    "then goes to the part it lies in."))

    def __init__(self, *args, matters=(), microgrids=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.matter_fields, self.microgrid_fields, self.people_fields = [], [], []
        for micro in microgrids:
            name = f"microgrid_{micro.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("Micro-grid %(name)s goes to") % {"name": micro.name}, required=False,
                choices=part_choices(_("by its boundary")),
                widget=forms.Select(attrs={"class": "form-select"}))
            self.microgrid_fields.append(name)
        for item in matters:
            name = f"matter_{item.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("Matter %(matter)s goes to") % {"matter": item.label}, required=False,
                choices=part_choices(_("by its location or micro-grid")),
                widget=forms.Select(attrs={"class": "form-select"}))
            self.matter_fields.append(name)
        for person in people:
            name = f"person_{person.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("%(person)s then works in") % {"person": person.display_name},
                required=False, choices=part_choices(_("part 1")),
                widget=forms.Select(attrs={"class": "form-select"}))
            self.people_fields.append(name)

    def clean_parts(self):
        parts = []
        for number, line in enumerate(self.cleaned_data["parts"].splitlines(), start=1):
            if not line.strip():
                continue
            code, _space, name = line.strip().partition(" ")
            if not name.strip():
                raise forms.ValidationError(
                    _("Line %(line)s: give the code, a space, then the name.") % {"line": number})
            parts.append({"code": code.strip(), "name": name.strip()})
        if len(parts) < 2:
            raise forms.ValidationError(_("A split grid becomes at least two grids."))
        if len(parts) > MAX_PARTS:
            raise forms.ValidationError(_("At most %(count)s parts.") % {"count": MAX_PARTS})
        return parts

    def clean_boundaries(self):
        upload = self.cleaned_data.get("boundaries")
        if not upload:
            return {}
        from shapely.geometry import shape  # only where a boundary is uploaded

        try:
            collection = json.loads(upload.read().decode("utf-8"))
            features = collection["features"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise forms.ValidationError(_("This is not a GeoJSON FeatureCollection.")) \
                from error
        boundaries = {}
        for number, feature in enumerate(features, start=1):
            properties = (feature or {}).get("properties") or {}
            code = str(properties.get("code") or properties.get("编码") or "")
            geometry = (feature or {}).get("geometry") or {}
            try:
                valid = geometry.get("type") in ("Polygon", "MultiPolygon") and \
                    shape(geometry).is_valid
            except (ValueError, TypeError, AttributeError, IndexError):
                valid = False
            if not code or not valid:
                raise forms.ValidationError(
                    _("Feature %(number)s (%(code)s): a valid polygon with the new grid's "
                      "code is needed.")
                    % {"number": number, "code": code or "—"})
            boundaries[code] = geometry
        return boundaries

    def spec(self) -> dict:
        data = self.cleaned_data
        boundaries = data.get("boundaries") or {}

        def picked(names, prefix):
            return {name.removeprefix(prefix): int(data[name]) for name in names
                    if data.get(name)}

        return {
            "parts": [{**part, "boundary": boundaries.get(part["code"])}
                      for part in data["parts"]],
            "matters": picked(self.matter_fields, "matter_"),
            "microgrids": picked(self.microgrid_fields, "microgrid_"),
            "people": picked(self.people_fields, "person_"),
        }


class MergeForm(AreaChangeForm):
    kind = AreaChangeKind.MERGE
    others = forms.ModelMultipleChoiceField(
        Area.objects.none(), label=_("Grids merged with it"),
        widget=forms.CheckboxSelectMultiple)
    code = forms.CharField(max_length=40, label=_("Code of the merged grid"))
    name = forms.CharField(max_length=100, label=_("Name of the merged grid"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area = self.area
        self.fields["others"].queryset = (Area.objects.filter(
            parent_id=area.parent_id, kind=AreaKind.GRID, closed_on__isnull=True)
            .exclude(pk=area.pk).order_by("code"))

    def spec(self) -> dict:
        data = self.cleaned_data
        return {"areas": [self.area.pk, *[other.pk for other in data["others"]]],
                "into": {"code": data["code"].strip(), "name": data["name"].strip()}}


class RetireForm(AreaChangeForm):
    kind = AreaChangeKind.RETIRE
    target = AreaChoiceField(Area.objects.none(), required=False,
                             label=_("Area that takes its open matters"),
                             help_text=_("Needed when it still has open matters."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            _open_areas(self.user, self.area, AreaKind.COMMUNITY, AreaKind.GRID,
                        AreaKind.MICROGRID)
            .exclude(path__startswith=self.area.path).select_related("parent"))

    def spec(self) -> dict:
        target = self.cleaned_data.get("target")
        return {"target": target.pk if target else None}


class MoveForm(AreaChangeForm):
    kind = AreaChangeKind.MOVE
    parent = AreaChoiceField(Area.objects.none(), label=_("New parent area"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent_kind = PARENT_KIND.get(self.area.kind)
        self.fields["parent"].queryset = (
            _open_areas(self.user, self.area, parent_kind).exclude(pk=self.area.parent_id)
            .select_related("parent"))

    def spec(self) -> dict:
        return {"parent": self.cleaned_data["parent"].pk}


class RenameForm(AreaChangeForm):
    kind = AreaChangeKind.RENAME
    name = forms.CharField(max_length=100, label=_("New name"))

    def spec(self) -> dict:
        return {"name": self.cleaned_data["name"].strip()}


class RecodeForm(AreaChangeForm):
    kind = AreaChangeKind.RECODE
    code = forms.CharField(max_length=40, label=_("New code"), required=False,
                           help_text=_("Leave empty to keep the present code."))
    official_code = forms.CharField(max_length=20, label=_("Official code (20 digits)"),
                                    required=False,
                                    help_text=_("The grid code of CJ/T 349-2010; empty: none."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["official_code"].initial = self.area.official_code

    def spec(self) -> dict:
        return {"code": self.cleaned_data["code"].strip(),
                "official_code": self.cleaned_data["official_code"].strip()}


FORMS = {form.kind: form for form in (SplitForm, MergeForm, RetireForm, MoveForm,
                                      RenameForm, RecodeForm)}


class DecisionForm(StyledFormMixin, forms.Form):
    note = TextareaField(label=_("Note"), rows=2, required=False,
                         help_text=_("Needed to refuse."))
