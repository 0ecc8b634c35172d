"""The inbox page folds repeats: the notices of one kind about one page (three warnings
on the same matter, a clock's yellow then red) read as one line with a count. A notice
without a link stands alone, and so does a burst digest (it counts what it stands for)."""

from django.db.models import Case, CharField, Count, F, Max, Q, QuerySet, When
from django.db.models.functions import Cast

from inbox.models import Message


def folded_lines(messages: QuerySet) -> QuerySet:
    """One row per (kind, link) of ``messages``, newest first: ``last_id`` (the newest
    notice, whose title the line shows), ``count``, ``unread`` and ``newest``."""
    alone = Q(link="") | Q(folded__gt=0)  # a digest already stands for its notices
    return (messages.annotate(fold=Case(When(alone, then=Cast("id", CharField())),
                                        default=F("link"), output_field=CharField()))
            .order_by().values("kind", "fold")
            .annotate(last_id=Max("id"), count=Count("id"), newest=Max("created_at"),
                      unread=Count("id", filter=Q(read_at__isnull=True)))
            .order_by("-newest", "-last_id"))


def attach_messages(lines) -> list[dict]:
    """The page's lines with their newest notice (one query for the page)."""
    lines = list(lines)
    newest = Message.objects.in_bulk([line["last_id"] for line in lines])
    for line in lines:
        line["message"] = newest[line["last_id"]]
    return lines


def same_fold(message: Message) -> QuerySet:
    """The notices a line stands for: of the same person, kind and link."""
    if not message.link or message.folded:
        return Message.objects.filter(pk=message.pk)
    return Message.objects.filter(recipient_id=message.recipient_id, kind=message.kind,
                                  link=message.link)
