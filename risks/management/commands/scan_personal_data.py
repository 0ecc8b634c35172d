"""``python manage.py scan_personal_data [--mask]``: identity and mobile numbers written
into the register's free text before the services refused them."""

from collections import Counter

from django.core.management.base import BaseCommand

from quanfu.personal_data import MOBILE, RESIDENT_ID, find_personal_data
from risks.models import Risk, RiskEvent
from risks.services import MASKABLE_FIELDS, mask_personal_data_in_risk

KIND_LABELS = {RESIDENT_ID: "identity number", MOBILE: "mobile number"}


def keyset_batches(queryset, fields, batch_size):
    """Rows (pk first, then ``fields``) in pk order, ``batch_size`` at a time: memory and
    each query stay small however many rows there are."""
    after = 0
    while True:
        rows = list(queryset.filter(pk__gt=after).order_by("pk")
                    .values_list("pk", *fields)[:batch_size])
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def describe(texts) -> str:
    """'mobile number ×2, identity number ×1' for what the texts hold; '' for nothing."""
    kinds = Counter(match.kind for text in texts for match in find_personal_data(text))
    return ", ".join(f"{KIND_LABELS[kind]} ×{count}" for kind, count in sorted(kinds.items()))


def strings_in(value):
    """Every string inside an event's ``changes`` (values of dicts and lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


class Command(BaseCommand):
    help = ("Report the matters whose title, description or resolution note, and the events "
            "whose note or recorded changes, hold a resident identity number or a mobile "
            "number (the matter code and the field; never the number). With --mask the "
            "matters' own fields are masked in place (370102********1234, 138****5678), "
            "each matter writing one 'masked' event. Events are append-only: they are "
            "reported, never masked. Parties are not scanned: a party's phone belongs there.")

    def add_arguments(self, parser):
        parser.add_argument("--mask", action="store_true",
                            help="mask what is found in the matters' fields")
        parser.add_argument("--batch-size", type=int, default=2000,
                            help="rows read per query (default 2000)")

    def handle(self, *args, mask, batch_size, **options):
        batch_size = max(1, batch_size)
        matters, fields = self.scan_matters(mask, batch_size)
        events = self.scan_events(batch_size)
        done = "masked" if mask else "run with --mask to mask them"
        self.stdout.write(f"Matters holding identity or mobile numbers: {matters} ({fields} "
                          f"fields; {done}).")
        self.stdout.write(f"Events holding them: {events} (the history is append-only: "
                          "reported, never masked).")

    def scan_matters(self, mask: bool, batch_size: int) -> tuple[int, int]:
        matters = fields = 0
        for rows in keyset_batches(Risk.objects.all(), ("code", *MASKABLE_FIELDS), batch_size):
            found = {}  # pk → the fields holding personal data
            for pk, code, *texts in rows:
                for field, text in zip(MASKABLE_FIELDS, texts, strict=True):
                    if what := describe([text]):
                        self.stdout.write(f"{code}\t{field}\t{what}")
                        found.setdefault(pk, []).append(field)
            matters, fields = matters + len(found), fields + sum(map(len, found.values()))
            if mask and found:
                for risk in Risk.objects.filter(pk__in=found).order_by("pk"):
                    mask_personal_data_in_risk(risk, actor=None, fields=found[risk.pk])
        return matters, fields

    def scan_events(self, batch_size: int) -> int:
        events = 0
        for rows in keyset_batches(RiskEvent.objects.all(), ("risk__code", "kind", "note",
                                                             "changes"), batch_size):
            for pk, code, kind, note, changes in rows:
                places = [(place, what) for place, what in (
                    ("note", describe([note])), ("changes", describe(strings_in(changes))))
                    if what]
                for place, what in places:
                    self.stdout.write(f"{code}\tevent {pk} ({kind}) {place}\t{what}\t"
                                      "not masked: the history is append-only")
                events += bool(places)
        return events
