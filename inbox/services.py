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
