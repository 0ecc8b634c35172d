"""Who fits a person field: the one rule per kind of field.

The forms' querysets (which validate what is posted), the search endpoint behind the
pickers (which offers names as one types, accounts.views.people_search) and the register's
services (the lead) all ask here, so that a picker never offers someone the form refuses,
nor the form takes someone the picker would not offer.

Kinds of field:
- ``lead``: a matter's lead (包案领导): a street leader or the head of a section
  (``User.is_department_head``) of the matter's street;
- ``duty``: one of a matter's four responsible persons, or its plan's owner: staff working
  in the matter's area, above it (its community, its street) or below it;
- ``attendee``, ``chair``, ``owner``: people named in a meeting's record or as an action
  item's owner: staff in the user's scope.
"""

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from accounts.scoping import visible_people
from grids.models import Area
from quanfu.forms import SearchSelect, SearchSelectMultiple

LEAD, DUTY, ATTENDEE, CHAIR, OWNER = "lead", "duty", "attendee", "chair", "owner"
KINDS_IN_AN_AREA = (LEAD, DUTY)
KINDS_ON_RECORD = (ATTENDEE, CHAIR, OWNER)
KINDS = (*KINDS_IN_AN_AREA, *KINDS_ON_RECORD)

# People who never hold a duty: supervisors only read, machine clients are not people.
NOT_ON_DUTY_ROLES = (Role.SUPERVISOR, Role.API_CLIENT)
NOT_ON_RECORD_ROLES = (Role.API_CLIENT,)
# 包案领导: the street's leaders and the heads of its sections, nobody else.
LEAD_Q = Q(role=Role.STREET_LEADER) | Q(role=Role.SECTION_STAFF, is_department_head=True)
SEARCH_LIMIT = 20
SECTION_HEAD = _("Section head")


def may_lead(person) -> bool:
    """May ``person`` be a matter's lead (包案领导)? The same rule as ``LEAD_Q``."""
    return person.role == Role.STREET_LEADER or (
        person.role == Role.SECTION_STAFF and person.is_department_head)


def person_label(person) -> str:
    """A person as the pickers show them: 王芳 (社区工作人员 · 花园社区); a section's
    head as 科室负责人, whom the lead's picker offers."""
    area = f" · {person.area.name}" if person.area_id else ""
    # Role(...).label, not get_role_display(): that rebuilds the choices dict on each call
    role = Role(person.role).label if person.role in Role.values else person.role
    if person.is_department_head:
        role = SECTION_HEAD
    return f"{person.display_name} ({role}{area})"


def _keeping(candidates: QuerySet, keep) -> QuerySet:
    """``candidates`` and the present holders ``keep``, so that saving a form never drops
    someone silently (the services check only what changes)."""
    kept = [person.pk for person in keep if person is not None]
    if kept:
        candidates = User.objects.filter(Q(pk__in=candidates.values("pk")) | Q(pk__in=kept))
    return candidates.select_related("area").order_by("area__path", "username")


def lead_candidates(area: Area, keep=()) -> QuerySet[User]:
    """Who may lead a matter in ``area``: the leaders and section heads of its street."""
    candidates = User.objects.filter(LEAD_Q, is_active=True, area_id__in=area.ancestor_ids())
    return _keeping(candidates, keep)


def duty_candidates(area: Area, keep=()) -> QuerySet[User]:
    """Who may hold a duty on a matter in ``area``: those working in it, above it (its
    community, its street) or below it, as risks.services requires."""
    where = Q(area__path__startswith=area.path) | Q(area_id__in=area.ancestor_ids())
    candidates = (User.objects.filter(is_active=True).filter(where)
                  .exclude(role__in=NOT_ON_DUTY_ROLES).exclude(role=""))
    return _keeping(candidates, keep)


def people_on_record(user) -> QuerySet[User]:
    """Who may be named in a meeting's record (chair, attendees) or own an action item:
    staff in the user's scope."""
    return (visible_people(user).exclude(role__in=NOT_ON_RECORD_ROLES)
            .order_by("area__path", "username"))


def candidates(kind: str, *, user, area: Area | None = None, keep=()) -> QuerySet[User]:
    """The people who fit a field of ``kind``; ``area`` (the matter's) for lead and duty."""
    if kind == LEAD:
        return lead_candidates(area, keep)
    if kind == DUTY:
        return duty_candidates(area, keep)
    if kind in KINDS_ON_RECORD:
        return people_on_record(user)
    raise ValueError(f"no such kind of person field: {kind}")


def search_people(kind: str, *, user, area: Area | None, query: str) -> list[dict]:
    """At most SEARCH_LIMIT people who fit a field of ``kind`` and whose name or user name
    holds ``query``, as the picker shows them."""
    found = candidates(kind, user=user, area=area)
    query = query.strip()
    if query:
        found = found.filter(Q(name__icontains=query) | Q(username__icontains=query))
    return [{"id": person.pk, "text": person_label(person)}
            for person in found[:SEARCH_LIMIT]]


def search_url(kind: str, area: Area | None = None) -> str:
    url = f"{reverse('accounts:people_search')}?for={kind}"
    return f"{url}&area={area.pk}" if area is not None else url


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return person_label(person)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return person_label(person)


def person_field(kind: str, *, user, area: Area | None = None, keep=(),
                 multiple: bool = False, **options) -> forms.ModelChoiceField:
    """A form field for a person (``multiple``: people) of ``kind``: it validates against
    everyone who fits, and renders only the chosen ones; the picker searches the rest."""
    url = search_url(kind, area if kind in KINDS_IN_AN_AREA else None)
    if multiple:
        return PeopleChoiceField(candidates(kind, user=user, area=area, keep=keep),
                                 widget=SearchSelectMultiple(url), **options)
    options.setdefault("empty_label", "—")
    return PersonChoiceField(candidates(kind, user=user, area=area, keep=keep),
                             widget=SearchSelect(url), **options)
