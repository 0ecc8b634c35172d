"""Delivering notices: the in-app inbox, and e-mail through Django's e-mail backend."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from inbox import channels
from inbox.models import Message
from quanfu.enqueue import enqueue_on_commit


@dataclass(frozen=True)
class Notice:
    recipient: object
    kind: str
    title: str
    key: str
    body: str = ""
    link: str = ""


def deliver(notices: Iterable[Notice], *, email: bool = True, fetch: bool = True
            ) -> list[Message] | int:
    """Put each notice in its recipient's inbox, at most once per (recipient, key), in
    one INSERT whatever the number of notices; e-mail the new ones after commit.

    Idempotent by construction: the unique (recipient, dedupe_key) constraint decides
    what is new, not a check before the insert. Returns the messages really created, or
    with ``fetch=False`` (sweeps touching thousands) only how many.
    """
    batch = uuid.uuid4()
    no_email_needed = None if email else timezone.now()
    rows, seen = [], set()
    for notice in notices:
        if notice.recipient is None or (notice.recipient.pk, notice.key) in seen:
            continue
        seen.add((notice.recipient.pk, notice.key))
        rows.append(Message(recipient_id=notice.recipient.pk, kind=notice.kind,
                            title=notice.title[:200], body=notice.body, link=notice.link,
                            dedupe_key=notice.key[:200], batch=batch,
                            emailed_at=no_email_needed))
    if not rows:
        return [] if fetch else 0
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    new = Message.objects.filter(batch=batch)
    created = list(new) if fetch else new.count()
    if email:  # the task sends by e-mail and chat robot, as each person chose
        from inbox.tasks import send_pending_emails_task  # not above: it imports this module

        enqueue_on_commit(send_pending_emails_task)
    return created


def send_pending_emails(now=None) -> int:
    """The outboxes (e-mail and chat robot, each at its person's cadence) live in
    inbox.channels; this name stays for its callers (rhythm's sweep)."""
    return channels.send_pending_emails(now)


def notify(recipients: Iterable, *, kind: str, title: str, key: str, body: str = "",
           link: str = "", email: bool = True) -> list[Message]:
    """The same notice to several people."""
    return deliver([Notice(person, kind, title, key, body, link) for person in recipients],
                   email=email)


def unread_count(user) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, message_ids: Iterable[int] | None = None) -> int:
    unread = Message.objects.filter(recipient=user, read_at__isnull=True)
    if message_ids is not None:
        unread = unread.filter(pk__in=list(message_ids))
    return unread.update(read_at=timezone.now())


@dataclass
class SetBasedNotices:
    """Notices written by one INSERT … SELECT (a sweep's, over thousands of rows): ``ctes``
    define ``recipients`` (a row per item and ``person_id`` told of it); ``item`` selects
    each notice's ``kind, title, link, dedupe_key`` from the ``recipients`` rows of those
    told one by one, joined with ``joins``; a person told of more than ``digest_after``
    items gets one digest instead, titled ``digest_title`` (with ``%(count)s``), linking
    ``digest_link``."""

    ctes: str
    ctes_params: list
    item: str
    item_params: list
    joins: str
    digest_kind: str
    digest_title: str
    digest_link: str
    digest_key: str
    digest_after: int
    # How many items the caller knows there are (warnings, clocks), when it knows: past
    # MANY_ITEMS the statement joins by hashing (see insert_notices).
    items: int = 0


SET_BASED_WORK_MEM = "64MB"
# Past this many items, the notices are joined by hashing, not by an index lookup per row:
# the planner, which cannot see how many rows the sweep has just marked (they were written
# by the same transaction), otherwise loops over them one by one (bench/city.py: 200,000
# warnings going overdue at once after an outage).
MANY_ITEMS = 20_000


def insert_notices(notices: SetBasedNotices, now) -> int:
    """Write the notices in one statement; the unique (recipient, dedupe_key) makes a
    second run add nothing. The e-mails go after the commit. Returns the notices added."""
    from django.db import connection

    from inbox.tasks import send_pending_emails_task  # it imports these services

    stamp = connection.ops.adapt_datetimefield_value(now)
    batch = Message._meta.get_field("batch").get_db_prep_value(uuid.uuid4(), connection)
    before, after = notices.digest_title.split("%(count)s")
    params = [*notices.ctes_params, notices.digest_after, stamp, batch, *notices.item_params,
              notices.digest_kind, before, after, notices.digest_link, notices.digest_key,
              notices.digest_after]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # Who is told of what, over a sweep's hundreds of thousands of rows, is
            # deduplicated and counted in memory: with the default 4 MB it spills to disk
            # (bench/city.py, the first sweep after an outage). Until the sweep commits.
            cursor.execute(f"SET LOCAL work_mem = '{SET_BASED_WORK_MEM}'")
        hashed = connection.vendor == "postgresql" and notices.items > MANY_ITEMS
        if hashed:
            cursor.execute("SET LOCAL enable_nestloop = off")
        # INSERT first, the WITH inside (as notify_people): Python's sqlite3 counts the
        # rows written only for a statement that starts as one.
        # Those told one by one are picked before anything is joined to them (their rows'
        # texts): PostgreSQL cannot estimate a sweep's rows, so the order is written down.
        materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"INSERT INTO {Message._meta.db_table} (recipient_id, kind, title, body, link, "
            "dedupe_key, created_at, batch) "
            f"WITH {notices.ctes}, "
            "counted AS (SELECT person_id, COUNT(*) AS n FROM recipients GROUP BY person_id), "
            f"itemised AS {materialized}(SELECT recipients.* FROM recipients JOIN counted "
            "ON counted.person_id = recipients.person_id WHERE counted.n <= %s) "
            "SELECT person_id, kind, title, '', link, dedupe_key, %s, %s FROM ("
            f"SELECT recipients.person_id, {notices.item} "
            f"FROM itemised AS recipients {notices.joins} "
            "UNION ALL "
            "SELECT person_id, %s, %s || CAST(n AS TEXT) || %s, %s, %s "
            "FROM counted WHERE n > %s) AS notices WHERE true "
            "ON CONFLICT (recipient_id, dedupe_key) DO NOTHING", params)
        created = max(cursor.rowcount, 0)
        if hashed:
            cursor.execute("SET LOCAL enable_nestloop = on")
    if created:
        enqueue_on_commit(send_pending_emails_task)
    return created


# Burst digests (issue 17) -----------------------------------------------------------------

def digest_key(kind: str, now) -> str:
    """The key of a person's digest of ``kind`` for the local clock hour of ``now``."""
    return f"digest:{kind}:{timezone.localtime(now):%Y%m%d%H}"


def notify_people(people: QuerySet, *, kind: str, title: str, key: str, digest_title: str,
                  digest_link: str, body: str = "", link: str = "", now=None,
                  email: bool = True) -> int:
    """Give ``people`` (a queryset of users, compiled into the statement: never read
    into Python) the same notice, at most once per person and ``key``, in one INSERT …
    SELECT whatever their number.

    A burst is folded: a person who got NOTICES_IMMEDIATE_PER_HOUR notices or more in
    the last hour gets, instead of this one, their digest of ``kind`` for this clock
    hour (created with ``folded`` 1, or counted up by the same statement's ON CONFLICT
    DO UPDATE): titled ``digest_title`` (with ``%(count)s``, the notices it stands for)
    and linking ``digest_link``, a list where those notices' matters can be seen. Digests
    do not count towards the limit. The conflict update touches only digests (``folded``
    > 0): an ordinary notice already delivered under ``key`` stays as it is, and a person
    who has it is not counted again in a digest.

    The e-mails go after the commit (the outbox, as ``deliver``). Returns the rows
    written (notices added and digests counted up)."""
    from inbox.tasks import send_pending_emails_task  # not above: it imports this module

    now = now or timezone.now()
    try:
        people_sql, people_params = (people.order_by().values("pk").query
                                     .get_compiler(connection=connection).as_sql())
    except EmptyResultSet:  # e.g. .none(): nobody to tell
        return 0
    before, after = digest_title.split("%(count)s")
    table = Message._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    batch = Message._meta.get_field("batch").get_db_prep_value(uuid.uuid4(), connection)
    params = [
        *people_params, adapt(now - timezone.timedelta(hours=1)),
        settings.NOTICES_IMMEDIATE_PER_HOUR, key[:200],
        kind, title[:200], f"{before}1{after}"[:200], body, link, digest_link, key[:200],
        digest_key(kind, now), adapt(now), batch, None if email else adapt(now),
        before, after]
    with connection.cursor() as cursor:
        # INSERT first, the WITH inside: Python's sqlite3 counts the rows written only
        # for a statement that starts as one.
        cursor.execute(
            f"INSERT INTO {table} (recipient_id, kind, title, body, link, dedupe_key, "
            "created_at, batch, emailed_at, folded) "
            f"WITH people(id) AS ({people_sql}), "
            f"recent AS (SELECT recipient_id, COUNT(*) AS n FROM {table} "
            "WHERE recipient_id IN (SELECT id FROM people) AND created_at > %s "
            "AND folded = 0 GROUP BY recipient_id), "
            "told AS (SELECT DISTINCT people.id AS person_id, "
            "COALESCE(recent.n, 0) < %s AS immediate "
            "FROM people LEFT JOIN recent ON recent.recipient_id = people.id "
            f"WHERE people.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} known "
            "WHERE known.recipient_id = people.id AND known.dedupe_key = %s)) "
            "SELECT person_id, %s, CASE WHEN immediate THEN %s ELSE %s END, "
            "CASE WHEN immediate THEN %s ELSE '' END, "
            "CASE WHEN immediate THEN %s ELSE %s END, "
            "CASE WHEN immediate THEN %s ELSE %s END, %s, %s, %s, "
            "CASE WHEN immediate THEN 0 ELSE 1 END "
            "FROM told WHERE true "  # (SQLite: ON CONFLICT after a bare FROM is ambiguous)
            "ON CONFLICT (recipient_id, dedupe_key) DO UPDATE SET "
            f"folded = {table}.folded + excluded.folded, "
            f"title = SUBSTR(%s || CAST({table}.folded + excluded.folded AS TEXT) || %s, "
            "1, 200), created_at = excluded.created_at, read_at = NULL "
            f"WHERE {table}.folded > 0", params)
        written = max(cursor.rowcount, 0)
    if written and email:
        enqueue_on_commit(send_pending_emails_task)
    return written
