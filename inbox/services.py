"""Delivering notices: the in-app inbox, and e-mail through Django's e-mail backend."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import timezone

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
    rows, people, seen = [], {}, set()
    for notice in notices:
        if notice.recipient is None or (notice.recipient.pk, notice.key) in seen:
            continue
        seen.add((notice.recipient.pk, notice.key))
        people[notice.recipient.pk] = notice.recipient
        rows.append(Message(recipient_id=notice.recipient.pk, kind=notice.kind,
                            title=notice.title[:200], body=notice.body, link=notice.link,
                            dedupe_key=notice.key[:200], batch=batch,
                            emailed_at=no_email_needed))
    if not rows:
        return [] if fetch else 0
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    new = Message.objects.filter(batch=batch)
    created = list(new) if fetch else new.count()
    if email and any(person.email for person in people.values()):
        from inbox.tasks import send_pending_emails_task  # not above: it imports this module

        enqueue_on_commit(send_pending_emails_task)
    return created


def send_pending_emails(now=None) -> int:
    """The e-mail outbox: send every message not yet e-mailed to a person with an address,
    claiming them first with one UPDATE so that two workers never send the same one."""
    now = now or timezone.now()
    claimed = Message.objects.filter(emailed_at__isnull=True).exclude(
        recipient__email="").update(emailed_at=now)
    if not claimed:
        return 0
    messages = Message.objects.filter(emailed_at=now).select_related("recipient")
    mails = [(message.title, f"{message.body}\n\n{message.link}".strip(),
              settings.DEFAULT_FROM_EMAIL, [message.recipient.email]) for message in messages]
    send_mass_mail(mails, fail_silently=True)
    return len(mails)


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
    each notice's ``kind, title, link, dedupe_key`` for ``recipients`` joined with
    ``counted`` and ``joins``; a person told of more than ``digest_after`` items gets one
    digest instead, titled ``digest_title`` (with ``%(count)s``), linking ``digest_link``."""

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


def insert_notices(notices: SetBasedNotices, now) -> int:
    """Write the notices in one statement; the unique (recipient, dedupe_key) makes a
    second run add nothing. The e-mails go after the commit. Returns the notices added."""
    from django.db import connection

    from inbox.tasks import send_pending_emails_task  # it imports these services

    stamp = connection.ops.adapt_datetimefield_value(now)
    batch = Message._meta.get_field("batch").get_db_prep_value(uuid.uuid4(), connection)
    before, after = notices.digest_title.split("%(count)s")
    params = [*notices.ctes_params, stamp, batch, *notices.item_params, notices.digest_after,
              notices.digest_kind, before, after, notices.digest_link, notices.digest_key,
              notices.digest_after]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {notices.ctes}, "
            "counted AS (SELECT person_id, COUNT(*) AS n FROM recipients GROUP BY person_id) "
            f"INSERT INTO {Message._meta.db_table} (recipient_id, kind, title, body, link, "
            "dedupe_key, created_at, batch) "
            "SELECT person_id, kind, title, '', link, dedupe_key, %s, %s FROM ("
            f"SELECT recipients.person_id, {notices.item} "
            "FROM recipients JOIN counted ON counted.person_id = recipients.person_id "
            f"{notices.joins} WHERE counted.n <= %s "
            "UNION ALL "
            "SELECT person_id, %s, %s || CAST(n AS TEXT) || %s, %s, %s "
            "FROM counted WHERE n > %s) AS notices WHERE true "
            "ON CONFLICT (recipient_id, dedupe_key) DO NOTHING", params)
        created = max(cursor.rowcount, 0)
    if created:
        enqueue_on_commit(send_pending_emails_task)
    return created
