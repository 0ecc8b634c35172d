"""Which street an entry belongs to, so that a street leader reads the entries of their
own street (audit.permissions): the street of the record it is about when that is known
without a query (the record's own ``street``, an area it holds, a related record already
loaded), else the street of the person who acted (their area, memoised on the user
object for the request), else — in tasks and commands — the street of an area the record
points to (one lookup by primary key). Entries of no street (a failed login under an
unknown name, the jobs' summaries, the retention entry) are read by administrators only.
"""

from django.db import models

from grids.models import Area

AREA_MODEL = "grids.area"
DEPTH = 2  # how far along loaded relations a record's street is looked for


def _is_area(model) -> bool:
    return model._meta.label_lower == AREA_MODEL


def street_of_area(area) -> int | None:
    if area.path:
        return area.ancestor_ids()[0]
    if area.parent_id is None:
        return area.pk
    parent = area._state.fields_cache.get("parent")
    return street_of_area(parent) if parent is not None else None


def _area_foreign_keys(model) -> list:
    return [field for field in model._meta.concrete_fields
            if isinstance(field, models.ForeignKey) and _is_area(field.related_model)]


def street_of_record(instance, depth: int = DEPTH) -> int | None:
    """The record's street from what is already in memory, or None."""
    if _is_area(instance.__class__):
        return street_of_area(instance)
    values, cache = instance.__dict__, instance._state.fields_cache
    area_keys = _area_foreign_keys(instance.__class__)
    for field in area_keys:
        if field.name == "street" and values.get(field.attname) is not None:
            return values[field.attname]
    for field in area_keys:
        if cache.get(field.name) is not None:
            street = street_of_area(cache[field.name])
            if street is not None:
                return street
    if depth > 0:
        for field in instance.__class__._meta.concrete_fields:
            related = cache.get(field.name) if field.is_relation else None
            if related is not None and not _is_area(related.__class__):
                street = street_of_record(related, depth - 1)
                if street is not None:
                    return street
    return None


def street_of_user(user) -> int | None:
    """The street of a person's area (one query the first time in a request, unless the
    area is already loaded; memoised on the user object)."""
    if user is None or not getattr(user, "area_id", None):
        return None
    if not hasattr(user, "_audit_street"):
        user._audit_street = street_of_area(user.area)
    return user._audit_street


def street_of_area_ids(instance) -> int | None:
    """Last resort: look up the first area the record points to."""
    for field in _area_foreign_keys(instance.__class__):
        area_id = instance.__dict__.get(field.attname)
        if area_id is not None:
            area = Area.objects.filter(pk=area_id).only("path", "parent_id").first()
            return street_of_area(area) if area is not None else None
    return None
