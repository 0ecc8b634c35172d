"""Reading matters for the one-row-per-matter ledgers, fast and in a fixed number of
queries per chunk: plain values (no model instances) with every label joined in, and the
parties of each chunk of 2,000 matters read in one query. Parties are masked unless the
export was asked unmasked by someone allowed to (the caller checks and logs that)."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from grids.choices import AreaKind
from ledgers import wording
from risks.masking import mask_name, mask_phone
from risks.models import Party

CHUNK_SIZE = 2000
PERSON_FIELDS = ("dispatch_person", "investigate_person", "resolve_person", "stabilize_person",
                 "lead")
MATTER_VALUES = (
    "id", "code", "title", "description", "discovered_at", "source", "level", "tier",
    "status", "due_on", "closed_at", "resolution_note", "people_involved", "address",
    "area__kind", "area__name", "area__code", "community__name", "grid__name",
    "category__name", "category__code", "subtype__name",
    "department__name", "plan__measures",
    *(f"{person}__{part}" for person in PERSON_FIELDS for part in ("name", "username")),
)


@dataclass
class Labels:
    """The Chinese words for the register's codes (ledgers.wording)."""

    source: dict = field(default_factory=dict)
    level: dict = field(default_factory=dict)
    tier: dict = field(default_factory=dict)
    status: dict = field(default_factory=dict)
    relation: dict = field(default_factory=dict)

    @classmethod
    def chinese(cls) -> "Labels":
        return cls(wording.SOURCES, wording.LEVELS, wording.TIERS, wording.STATUSES,
                   wording.RELATIONS)


@dataclass
class PartyLines:
    names: str = ""
    phones: str = ""
    count: int = 0
    first_name: str = ""
    first_phone: str = ""


def place(row: dict) -> tuple[str, str]:
    """(社区, 网格) of a matter: a micro-grid is shown inside its grid."""
    grid = row["grid__name"] or ""
    if row["area__kind"] == AreaKind.MICROGRID:
        grid = f"{grid}/{row['area__name']}"
    return row["community__name"] or "", grid


def person(row: dict, field_name: str) -> str:
    return row[f"{field_name}__name"] or row[f"{field_name}__username"] or ""


def read_parties(risk_ids: list[int], labels: Labels, unmask: bool) -> dict[int, PartyLines]:
    lines: dict[int, PartyLines] = {}
    parties = (Party.objects.filter(risk_id__in=risk_ids)
               .order_by("risk_id", "id").values_list("risk_id", "name", "phone", "relation"))
    for risk_id, name, phone, relation in parties:
        shown_name = name if unmask else mask_name(name)
        shown_phone = phone if unmask else mask_phone(phone)
        entry = lines.setdefault(risk_id, PartyLines())
        label = f"{shown_name}（{labels.relation.get(relation, relation)}）"
        entry.names = f"{entry.names}；{label}" if entry.names else label
        if shown_phone:
            entry.phones = f"{entry.phones}；{shown_phone}" if entry.phones else shown_phone
        if not entry.count:
            entry.first_name, entry.first_phone = shown_name, shown_phone
        entry.count += 1
    return lines


def matter_rows(queryset, *, unmask: bool, labels: Labels, extra_values: tuple = ()
                ) -> Iterator[tuple[dict, PartyLines]]:
    """(values of a matter, its parties) in the queryset's order, chunk by chunk."""
    chunk: list[dict] = []
    rows = queryset.values(*MATTER_VALUES, *extra_values).iterator(chunk_size=CHUNK_SIZE)
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield from _with_parties(chunk, labels, unmask)
            chunk = []
    if chunk:
        yield from _with_parties(chunk, labels, unmask)


def _with_parties(chunk, labels, unmask):
    parties = read_parties([row["id"] for row in chunk], labels, unmask)
    empty = PartyLines()
    for row in chunk:
        yield row, parties.get(row["id"], empty)
