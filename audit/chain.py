"""The hash chain that makes tampering with the audit log evident.

Every entry carries ``seq`` (1, 2, 3, … without gaps), the ``prev_hash`` of the entry
before it and its own ``hash``: SHA-256 over a canonical serialisation (sorted-key JSON,
UTF-8, times in UTC to the microsecond) of its recorded fields and ``prev_hash``. Changing
a field changes the hash; deleting or inserting an entry breaks the link of the next one.

Entries are sealed into the chain in one of two ways (settings.AUDIT_SEALING):

- ``deferred`` (the default on PostgreSQL): the writer INSERTs its entry unsealed (``seq``
  null), in its own transaction and without any lock, so audited writes never wait for
  each other; the sealer (``seal``: a beat task every few seconds, and on demand) takes
  the chain's lock alone and seals what has committed since, in the order it became
  visible. An entry rolled back with its change is never seen by the sealer.
- ``inline`` (SQLite, where the IMMEDIATE transaction already serialises writers, and
  where asked): the entry is chained as it is written, under the lock, which is held
  until the writer's transaction ends.

Either way the chain's lock is a transaction-level advisory lock on PostgreSQL, taken
before the last sealed entry is read (in READ COMMITTED each statement sees what was
committed before it started, so the read must be a statement of its own, after the
lock); on SQLite the write lock of the IMMEDIATE transaction (settings:
``transaction_mode``) does the same.

The retention job (audit.services.remove_expired_entries) removes the oldest entries; the
verifier then starts from the oldest remaining entry and trusts its ``prev_hash`` as the
anchor, provided a later ``retention`` entry (itself in the chain) allowed removing
everything before it.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from audit.choices import AuditAction

GENESIS_HASH = "0" * 64
# The fields the hash covers, in the canonical serialisation.
HASHED_FIELDS = ("seq", "created_at", "actor_id", "street_id", "username", "action",
                 "model_label", "object_id", "object_repr", "changes", "target", "detail",
                 "ip_address", "user_agent", "request_id", "origin", "prev_hash")
# Any constant: it names the audit chain among the advisory locks of the database.
ADVISORY_LOCK_KEY = 5_172_044_417
DATABASE = "default"


def moment_text(moment: datetime) -> str:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict) -> bytes:
    """The bytes the hash is taken over: the hashed fields as sorted-key JSON."""
    values = {name: fields[name] for name in HASHED_FIELDS}
    values["created_at"] = moment_text(values["created_at"])
    return json.dumps(values, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def entry_hash(fields: dict) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def lock_chain(using: str = DATABASE) -> None:
    """Hold the chain until the current transaction ends (PostgreSQL; on SQLite the
    IMMEDIATE transaction already holds the database's write lock)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _lock_and_read_last(using: str):
    """(seq, hash) of the last entry, read after the chain's lock is held."""
    from audit.models import AuditEntry  # not above: audit.models imports this module

    connection = connections[using]
    if connection.vendor == "postgresql" and \
            not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        # One round trip, two statements: each gets its own snapshot, so the read sees
        # what the lock's previous holder committed.
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock(%s); "
                           f"SELECT seq, hash FROM {table} WHERE seq IS NOT NULL "
                           "ORDER BY seq DESC LIMIT 1", [ADVISORY_LOCK_KEY])
            cursor.nextset()
            return cursor.fetchone()
    lock_chain(using)
    return (AuditEntry.objects.using(using).filter(seq__isnull=False).order_by("-seq")
            .values_list("seq", "hash").first())


def deferred(using: str = DATABASE) -> bool:
    """Are entries written unsealed, for the sealer (PostgreSQL and AUDIT_SEALING)?"""
    return (connections[using].vendor == "postgresql"
            and getattr(settings, "AUDIT_SEALING", "deferred") == "deferred")


def append(values: dict, *, using: str = DATABASE):
    """Write one entry. ``values`` are the entry's fields except seq, created_at,
    prev_hash and hash. Deferred: one INSERT, unsealed, no lock. Inline: the lock, the read
    of the last entry through the seq index (one round trip), and the INSERT."""
    from audit.models import AuditEntry  # not above: audit.models imports this module

    if deferred(using):
        entry = AuditEntry(seq=None, prev_hash="", hash="", created_at=timezone.now(),
                           **values)
        entry.save(force_insert=True, using=using)
        return entry
    with transaction.atomic(using=using, savepoint=False):
        last = _lock_and_read_last(using)
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry = AuditEntry(seq=seq, prev_hash=prev_hash, created_at=timezone.now(), **values)
        entry.hash = entry_hash(entry.hashed_values())
        entry.save(force_insert=True, using=using)
    return entry


SEAL_BATCH = 5000


def seal(*, batch_size: int = SEAL_BATCH, using: str = DATABASE) -> int:
    """Seal every committed unsealed entry into the chain, in the order of their ids (the
    order they became visible, but for a writer that committed late, which the next seal
    takes): each batch one transaction holding the chain's lock. Returns how many."""
    from audit.models import AuditEntry  # not above: audit.models imports this module

    table = connections[using].ops.quote_name(AuditEntry._meta.db_table)
    waiting = AuditEntry.objects.using(using).filter(seq__isnull=True)
    if not waiting.exists():  # the usual case every few seconds: no lock taken
        return 0
    sealed = 0
    while True:
        with transaction.atomic(using=using):
            last = _lock_and_read_last(using)
            seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
            rows = list(AuditEntry.objects.using(using).filter(seq__isnull=True)
                        .order_by("id").values("id", *HASHED_FIELDS)[:batch_size])
            if not rows:
                return sealed
            updates = []
            for row in rows:
                seq += 1
                row["seq"], row["prev_hash"] = seq, prev_hash
                prev_hash = entry_hash(row)
                updates.append((seq, row["prev_hash"], prev_hash, row["id"]))
            with connections[using].cursor() as cursor:
                if connections[using].vendor == "postgresql":  # the batch in one statement
                    seqs, prevs, hashes, ids = (list(column) for column in zip(*updates,
                                                                               strict=True))
                    cursor.execute(
                        f"UPDATE {table} AS entry SET seq = sealed.seq, "
                        "prev_hash = sealed.prev_hash, hash = sealed.hash "
                        "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[]) "
                        "AS sealed(seq, prev_hash, hash, id) "
                        "WHERE entry.id = sealed.id AND entry.seq IS NULL",
                        [seqs, prevs, hashes, ids])
                else:
                    cursor.executemany(f"UPDATE {table} SET seq = %s, prev_hash = %s, "
                                       "hash = %s WHERE id = %s AND seq IS NULL", updates)
            sealed += len(rows)


def unsealed(using: str = DATABASE) -> tuple[int, datetime | None]:
    """How many entries wait for the sealer, and when the oldest of them was written."""
    from django.db.models import Count, Min

    from audit.models import AuditEntry  # not above: audit.models imports this module

    waiting = (AuditEntry.objects.using(using).filter(seq__isnull=True)
               .aggregate(n=Count("id"), oldest=Min("created_at")))
    return waiting["n"], waiting["oldest"]


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    entries: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str | None
    broken: Break | None
    unsealed: int = 0  # entries written and waiting for the sealer (not verified yet)
    oldest_unsealed_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(*, batch_size: int = 2000, using: str = DATABASE) -> Verification:
    """Walk the chain in seq order, ``batch_size`` entries at a time (memory stays flat),
    and stop at the first entry that does not hold."""
    from audit.models import AuditEntry  # not above: audit.models imports this module

    entries = AuditEntry.objects.using(using)
    count, first_seq, expected_seq, expected_prev = 0, None, None, None
    allowed_anchor = 0  # retention entries allow removing every entry below this seq
    anchor_hashes = {}
    after = 0
    while True:
        batch = list(entries.filter(seq__gt=after).order_by("seq")
                     .values(*HASHED_FIELDS, "hash")[:batch_size])
        if not batch:
            break
        for row in batch:
            seq = row["seq"]
            if first_seq is None:
                first_seq = seq
                first_prev = row["prev_hash"]
            elif seq != expected_seq:
                return _broken(count, first_seq, Break(
                    seq, f"entries {expected_seq} to {seq - 1} are missing"))
            elif row["prev_hash"] != expected_prev:
                return _broken(count, first_seq, Break(
                    seq, "its prev_hash is not the hash of the entry before it"))
            if entry_hash(row) != row["hash"]:
                return _broken(count, first_seq, Break(
                    seq, "its content does not match its hash (changed after writing)"))
            if row["action"] == AuditAction.RETENTION:
                anchor = (row["changes"] or {}).get("anchor_seq")
                if isinstance(anchor, int):
                    allowed_anchor = max(allowed_anchor, anchor)
                    anchor_hashes[anchor] = (row["changes"] or {}).get("anchor_prev_hash")
            count += 1
            expected_seq, expected_prev = seq + 1, row["hash"]
        after = batch[-1]["seq"]
    if first_seq is not None and first_seq != 1:
        if first_seq > allowed_anchor:
            return _broken(count, first_seq, Break(
                first_seq, f"the entries before it were removed without a retention entry "
                           f"allowing it (allowed below seq {allowed_anchor or 1})"))
        recorded = anchor_hashes.get(first_seq)
        if recorded is not None and recorded != first_prev:
            return _broken(count, first_seq, Break(
                first_seq, "its prev_hash is not the anchor the retention entry recorded"))
    waiting, oldest = unsealed(using)
    return Verification(count, first_seq, expected_seq - 1 if expected_seq else None,
                        expected_prev, None, waiting, oldest)


def _broken(count, first_seq, broken: Break) -> Verification:
    return Verification(count, first_seq, None, None, broken)
