"""Shapes of the register's API (API_CONTRACT.md). Serializers check types and scope of
referenced objects only; every rule lives in risks.services."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.scoping import people_for_duties
from grids.choices import Duty
from grids.models import Area, Department
from grids.scoping import visible_areas, visible_departments
from risks.api.clocks import StageClockSerializer, clock_json, clocks_of, now_of
from risks.choices import OPEN_STATUSES, Action, Relation, RiskLevel, Source
from risks.masking import mask_name, mask_phone
from risks.models import DUTY_FIELDS, Category, Party, Risk, RiskEvent, Subtype
from risks.services import available_actions


class SubtypeSerializer(serializers.ModelSerializer):
    """A subtype; a retired one (``active`` false) is listed for history, with the code
    of the subtype that replaced it."""

    active = serializers.BooleanField(source="is_active", read_only=True)
    replaced_by = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                               allow_null=True)

    class Meta:
        model = Subtype
        fields = ["code", "name", "active", "replaced_by"]


class CategorySerializer(serializers.ModelSerializer):
    subtypes = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["code", "name", "subtypes"]

    @extend_schema_field(SubtypeSerializer(many=True))
    def get_subtypes(self, category):
        return SubtypeSerializer(category.subtypes.all(), many=True).data


class DutiesSerializer(serializers.Serializer):
    dispatch = serializers.IntegerField(allow_null=True, required=False)
    investigate = serializers.IntegerField(allow_null=True, required=False)
    resolve = serializers.IntegerField(allow_null=True, required=False)
    stabilize = serializers.IntegerField(allow_null=True, required=False)


class MaskedPartySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["id", "name", "phone", "relation"]

    def get_name(self, party) -> str:
        return mask_name(party.name)

    def get_phone(self, party) -> str:
        return mask_phone(party.phone)


class UnmaskedPartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "name", "phone", "relation"]


class PartyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    relation = serializers.ChoiceField(choices=Relation.choices, default=Relation.PARTY)


class DuplicateSuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    similarity = serializers.FloatField()


def _moment(value, zone):
    """A date-time as DRF's DateTimeField writes it: ISO 8601 in the current time zone."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# What a list page reads of each matter (RiskViewSet.page_queryset): plain rows, no model
# instances; the codes of category and subtype come joined.
LIST_ROW_FIELDS = (
    "id", "code", "title", "description", "category_id", "subtype_id", "area_id",
    "department_id", "source", "level", "status", "tier", "discovered_at", "created_at",
    "updated_at", "due_on", "closed_at", *(f"{field}_id" for field in DUTY_FIELDS.values()),
    "lead_id", "version", "reported_by_id", "resolution_note", "duplicate_of_id",
    "graded_at", "people_involved", "dispatched_to_id", "dispatched_at", "accepted_at",
    "returns", "reworks", "category_code", "subtype_code", "address", "location_lat",
    "location_lng", "external_ref",
)
_DUTY_COLUMNS = tuple((duty, f"{field}_id") for duty, field in DUTY_FIELDS.items())


def _row_of(risk) -> dict:
    """A matter's values by column: the page row itself, or a loaded instance's own
    values (with its category's and subtype's codes read through the relations)."""
    if isinstance(risk, dict):
        return risk
    if risk.get_deferred_fields():
        risk.refresh_from_db(fields=risk.get_deferred_fields())
    row = risk.__dict__
    if "category_code" not in row:
        row = {**row, "category_code": risk.category.code,
               "subtype_code": risk.subtype.code if risk.subtype_id else None}
    return row


class LocationSerializer(serializers.Serializer):
    """A point in WGS84 (the phone's GPS): both coordinates, in degrees."""

    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="Latitude, -90 to 90.")
    lng = serializers.FloatField(min_value=-180, max_value=180,
                                 help_text="Longitude, -180 to 180.")


def location_json(lat, lng) -> dict | None:
    return None if lat is None or lng is None else {"lat": lat, "lng": lng}


class DispatchSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    dispatched_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)


class RiskSerializer(serializers.ModelSerializer):
    """A matter as read: ids for areas and people, codes for category and subtype."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    subtype = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    duties = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    dispatch = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField(help_text=(
        "Where the matter is, as a WGS84 point (the reporter's GPS), or null."))

    class Meta:
        model = Risk
        fields = ["id", "code", "title", "description", "category", "subtype", "area",
                  "department", "source", "level", "status", "tier", "discovered_at",
                  "created_at", "updated_at", "due_on", "closed_at", "duties", "lead",
                  "version", "overdue", "reported_by", "resolution_note", "duplicate_of",
                  "graded_at", "people_involved", "dispatch", "returns", "reworks", "clocks",
                  "address", "location", "external_ref"]
        read_only_fields = fields

    @extend_schema_field(DutiesSerializer)
    def get_duties(self, risk) -> dict:
        return risk.duty_holder_ids()

    def get_overdue(self, risk) -> bool:
        return risk.is_overdue

    @extend_schema_field(DispatchSerializer(allow_null=True))
    def get_dispatch(self, risk):
        return self.to_representation(risk)["dispatch"]  # schema only: rows are built below

    @extend_schema_field(StageClockSerializer(many=True))
    def get_clocks(self, risk) -> list:
        return self.to_representation(risk)["clocks"]  # schema only: rows are built below

    @extend_schema_field(LocationSerializer(allow_null=True))
    def get_location(self, risk):
        return location_json(risk.location_lat, risk.location_lng)

    def to_representation(self, risk):
        """Every list page and the sync walk serialise through here: the fields are read
        straight off the row in the shapes DRF's fields give them (a test compares the
        two), at a tenth of the generic per-field cost. Fields a subclass adds (parties,
        actions) still go through DRF."""
        today, zone = self.context.get("today"), self.context.get("zone")
        if today is None:
            today = self.context["today"] = timezone.localdate()
            zone = self.context["zone"] = timezone.get_current_timezone()
        row = _row_of(risk)
        due_on = row["due_on"]
        data = {
            "id": row["id"], "code": row["code"], "title": row["title"],
            "description": row["description"], "category": row["category_code"],
            "subtype": row["subtype_code"] if row["subtype_id"] else None,
            "area": row["area_id"], "department": row["department_id"],
            "source": row["source"], "level": row["level"], "status": row["status"],
            "tier": row["tier"], "discovered_at": _moment(row["discovered_at"], zone),
            "created_at": _moment(row["created_at"], zone),
            "updated_at": _moment(row["updated_at"], zone),
            "due_on": due_on.isoformat() if due_on else None,
            "closed_at": _moment(row["closed_at"], zone),
            "duties": {duty: row[column] for duty, column in _DUTY_COLUMNS},
            "lead": row["lead_id"], "version": row["version"],
            "overdue": bool(due_on and row["status"] in OPEN_STATUSES and due_on < today),
            "reported_by": row["reported_by_id"], "resolution_note": row["resolution_note"],
            "duplicate_of": row["duplicate_of_id"],
            "graded_at": _moment(row["graded_at"], zone),
            "people_involved": row["people_involved"],
            "dispatch": ({"department": row["dispatched_to_id"],
                          "dispatched_at": _moment(row["dispatched_at"], zone),
                          "accepted_at": _moment(row["accepted_at"], zone)}
                         if row["dispatched_to_id"] else None),
            "returns": row["returns"], "reworks": row["reworks"],
            "clocks": [clock_json(clock, lambda value: _moment(value, zone),
                                  now_of(self.context)) for clock in clocks_of(risk)],
            "address": row["address"],
            "location": location_json(row["location_lat"], row["location_lng"]),
            "external_ref": row["external_ref"],
        }
        for field in self._added_fields():
            attribute = field.get_attribute(risk)
            data[field.field_name] = (None if attribute is None
                                      else field.to_representation(attribute))
        return data

    def _added_fields(self):
        # A plain RiskSerializer adds none: building DRF's fields just to find that out
        # was a fifth of a list request's Python time.
        if not hasattr(self, "_added"):
            added = set(self.Meta.fields) - set(RiskSerializer.Meta.fields)
            self._added = [field for field in self._readable_fields
                           if field.field_name in added] if added else []
        return self._added


class RiskDetailSerializer(RiskSerializer):
    parties = MaskedPartySerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField()

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "parties", "available_actions"]
        read_only_fields = fields

    def get_available_actions(self, risk) -> list[str]:
        return available_actions(risk, self.context["request"].user)


class RiskCreatedSerializer(RiskDetailSerializer):
    """The answer to a report: the new matter plus its possible duplicates."""

    duplicate_suggestions = DuplicateSuggestionSerializer(many=True, read_only=True)

    class Meta(RiskDetailSerializer.Meta):
        fields = [*RiskDetailSerializer.Meta.fields, "duplicate_suggestions"]
        read_only_fields = fields


class _ScopedInput(serializers.Serializer):
    """Input whose references (areas, departments, people) must lie in the caller's scope:
    an id outside it is answered exactly like an id that does not exist."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation: no user, nothing to scope
            return
        user = request.user
        if "area" in self.fields:
            self.fields["area"].queryset = visible_areas(user)
        if "department" in self.fields:
            self.fields["department"].queryset = visible_departments(user)
        if "lead" in self.fields:
            self.fields["lead"].queryset = people_for_duties(user)

    def resolve_duties(self, duties: dict | None, field: str = "duties") -> dict:
        if not duties:
            return {}
        user = self.context["request"].user
        people = people_for_duties(user).in_bulk([pk for pk in duties.values() if pk])
        resolved = {}
        for duty, pk in duties.items():
            if pk and pk not in people:
                raise serializers.ValidationError(
                    {field: {duty: [f'Invalid pk "{pk}" - object does not exist.']}})
            resolved[Duty(duty)] = people.get(pk) if pk else None
        return resolved


class RiskCreateSerializer(_ScopedInput):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = serializers.SlugRelatedField(slug_field="code",
                                            queryset=Category.objects.filter(is_active=True))
    # every subtype passes: risks.services refuses a retired one, naming its replacement
    subtype = serializers.SlugRelatedField(slug_field="code", required=False, allow_null=True,
                                           queryset=Subtype.objects.select_related(
                                               "replaced_by"))
    people_involved = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                    help_text="Where the matter is, in words (no ID or "
                                              "mobile numbers).")
    location = LocationSerializer(required=False, allow_null=True, help_text=(
        "Where the matter is, as a WGS84 point (the phone's GPS on the worker's tap), or "
        "null."))
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())
    department = serializers.PrimaryKeyRelatedField(required=False, allow_null=True,
                                                    queryset=Department.objects.none())
    source = serializers.ChoiceField(choices=Source.choices, default=Source.GRID_PATROL)
    discovered_at = serializers.DateTimeField(required=False)
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    duties = DutiesSerializer(required=False)
    lead = serializers.PrimaryKeyRelatedField(required=False, allow_null=True,
                                              queryset=User.objects.none())
    parties = PartyInputSerializer(many=True, required=False)
    external_ref = serializers.CharField(
        max_length=100, required=False, allow_null=True, allow_blank=True, help_text=(
            "The sending system's own id for the matter. Unique per API client: sending "
            "one already used answers 409 with {\"existing\": id} and creates nothing."))

    def validated_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["duties"] = self.resolve_duties(data.get("duties"))
        return data


class ExternalRefTakenSerializer(serializers.Serializer):
    existing = serializers.IntegerField(help_text="The id of the matter sent before.")
    external_ref = serializers.ListField(child=serializers.CharField())


class RiskUpdateSerializer(_ScopedInput):
    version = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False)
    category = serializers.SlugRelatedField(slug_field="code", required=False,
                                            queryset=Category.objects.filter(is_active=True))
    # every subtype passes: risks.services refuses a retired one, naming its replacement
    subtype = serializers.SlugRelatedField(slug_field="code", required=False, allow_null=True,
                                           queryset=Subtype.objects.select_related(
                                               "replaced_by"))
    people_involved = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                    help_text="Where the matter is, in words; empty clears it.")
    location = LocationSerializer(required=False, allow_null=True, help_text=(
        "Where the matter is, as a WGS84 point; null clears it."))
    area = serializers.PrimaryKeyRelatedField(required=False, queryset=Area.objects.none())
    department = serializers.PrimaryKeyRelatedField(required=False, allow_null=True,
                                                    queryset=Department.objects.none())
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    discovered_at = serializers.DateTimeField(required=False)
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    duties = DutiesSerializer(required=False)
    lead = serializers.PrimaryKeyRelatedField(required=False, allow_null=True,
                                              queryset=User.objects.none())

    def changes(self) -> dict:
        data = dict(self.validated_data)
        data.pop("version")
        duties = self.resolve_duties(data.pop("duties", None))
        for duty, person in duties.items():
            data[DUTY_FIELDS[duty]] = person
        return data


class TransitionSerializer(_ScopedInput):
    action = serializers.ChoiceField(choices=Action.choices)
    department = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=Department.objects.none(),
        help_text="dispatch: the department (id) the matter goes to")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, required=False)


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class RiskEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = RiskEvent
        fields = ["id", "kind", "action", "from_status", "to_status", "changes", "note",
                  "actor", "created_at"]

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_actor(self, event):
        if event.actor is None:
            return None
        return {"id": event.actor.pk, "username": event.actor.username,
                "name": event.actor.display_name}


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField()
