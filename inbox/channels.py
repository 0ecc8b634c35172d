"""Notices beyond the inbox: e-mail, and the chat robot of the person's unit, each at the
cadence the person chose (NoticePreference; without a row e-mail is immediate and the chat
robot off). The inbox itself is always immediate (inbox.services writes it).

- immediate: each notice at once (the task sent after the insert commits, and the
  15-minute sweep as a catch-up); but a notice that comes when the person has had
  NOTICES_IMMEDIATE_PER_HOUR notices in the hour before it waits, with the rest of the
  burst, for one digest at the next hourly run (FixMyStreet's 177-report e-mails);
- hourly: one digest at the top of each hour;
- daily: one digest at 08:00 on working days of the official calendar, which the rhythm app
  registers with ``use_calendar`` (the inbox sits below it and cannot import it);
- off: nothing.

The outboxes are ``Message.emailed_at`` and ``Message.chatted_at``: a run claims what it
sends with one conditional UPDATE … RETURNING, so two workers never send the same notice.
Only recent notices are looked at (the last hour for the immediate pass, the last day for
the hourly digest, since the previous working day's 08:00 for the daily one): a person who
turns a channel on is not flooded with what came before.

A chat notice becomes a ChatDelivery: an HTTPS POST of JSON in the robot's platform format
(企业微信 / 钉钉 group robots), sent by ``inbox.tasks.send_chat_delivery_task``, each attempt
recorded on the delivery and retried with exponential backoff until
CHAT_ROBOT_MAX_ATTEMPTS; pending → sent or failed through inbox/transitions.py.
"""

import base64
import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as wall_clock
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.choices import Cadence, Channel, ChatPlatform, DeliveryStatus
from inbox.models import ChatDelivery, ChatRobot, Message, NoticePreference
from inbox.transitions import DELIVERY_TRANSITIONS, DeliveryAction
from quanfu.clock import local_date, local_moment
from quanfu.enqueue import enqueue_on_commit

DEFAULT_CADENCE = {Channel.EMAIL: Cadence.IMMEDIATE, Channel.CHAT: Cadence.OFF}
OUTBOX = {Channel.EMAIL: "emailed_at", Channel.CHAT: "chatted_at"}

# What each run looks at: a notice the immediate pass missed for longer than an hour (a
# worker down) goes to the hourly digest; the hourly digest forgets what is a day old.
IMMEDIATE_WINDOW = timedelta(hours=1)
LIMIT_WINDOW = timedelta(hours=1)
HOURLY_WINDOW = timedelta(days=1)
DAILY_DIGEST_AT = wall_clock(8, 0)
# Far enough back to cross the longest holiday (Spring Festival, National Day: 8–9 days).
_LOOKBACK_DAYS = 31

# A digest lists this many notices, then points to the inbox for the rest. A WeCom
# markdown message holds 4,096 bytes at most.
DIGEST_ITEMS_EMAIL = 50
DIGEST_ITEMS_CHAT = 15
CHAT_CONTENT_BYTES = 4000
# A delivery not attempted for this long is handed out again by the hourly run (its task
# was lost with a broker or a worker); longer than the longest backoff between attempts.
STALLED_AFTER = timedelta(minutes=30)


# The official calendar (registered from above) ------------------------------------------------

_workday_rule: list[Callable[[date], bool]] = []


def use_calendar(is_workday: Callable[[date], bool] | None) -> None:
    """Decide working days with ``is_workday(day)`` (the official calendar, 调休 included);
    without one, Monday–Friday are the working days."""
    _workday_rule[:] = [is_workday] if is_workday is not None else []


def is_workday(day: date) -> bool:
    return _workday_rule[0](day) if _workday_rule else day.weekday() < 5


def _previous_workday(day: date) -> date:
    for back in range(1, _LOOKBACK_DAYS + 1):
        earlier = day - timedelta(days=back)
        if is_workday(earlier):
            return earlier
    return day - timedelta(days=_LOOKBACK_DAYS)


# A person's choice -----------------------------------------------------------------------------

def cadences_of(user) -> dict[str, str]:
    """The person's cadence on each channel (the default where they chose none)."""
    chosen = dict(NoticePreference.objects.filter(user=user).values_list("channel", "cadence"))
    return {str(channel): chosen.get(channel, str(DEFAULT_CADENCE[channel]))
            for channel in Channel}


def choose_cadences(user, cadences: dict[str, str]) -> None:
    """Keep the person's choice per channel (a row each; the unique (user, channel) keeps
    one). The inbox has no choice: it is always immediate."""
    for channel, cadence in cadences.items():
        NoticePreference.objects.update_or_create(user=user, channel=Channel(channel),
                                                  defaults={"cadence": Cadence(cadence)})


# The runs ------------------------------------------------------------------------------------

def send_immediate_notices(now: datetime | None = None) -> int:
    """Send, one by one, the notices of the last hour whose person wants them at once, up
    to NOTICES_IMMEDIATE_PER_HOUR in any hour; the rest wait for the hourly digest.
    Returns the e-mails and chat deliveries made."""
    now = now or timezone.now()
    limit = settings.NOTICES_IMMEDIATE_PER_HOUR
    sent = 0
    for channel in Channel:
        candidates = (_pending(channel, [Cadence.IMMEDIATE], since=now - IMMEDIATE_WINDOW)
                      .filter(folded=0)
                      .alias(earlier=_notices_in_the_hour_before())
                      .filter(earlier__lt=limit))
        sent += _send(channel, _claim(channel, candidates, now), now, digest=False)
    return sent


# The name the callers of the old e-mail outbox know (rhythm's sweep, the insert's task).
send_pending_emails = send_immediate_notices


def send_hourly_digests(now: datetime | None = None) -> int:
    """At the top of each hour: one digest per person of what waits for them, for those who
    chose the hourly digest and for those past their immediate limit. A delivery's task
    lost on the way is handed out again. Returns the e-mails and chat deliveries made."""
    now = now or timezone.now()
    sent = 0
    for channel in Channel:
        candidates = _pending(channel, [Cadence.IMMEDIATE, Cadence.HOURLY],
                              since=now - HOURLY_WINDOW)
        sent += _send(channel, _claim(channel, candidates, now), now, digest=True)
    requeue_stalled_chat_deliveries(now)
    return sent


def send_daily_digests(now: datetime | None = None) -> int:
    """08:00 on a working day of the official calendar (a 调休 Saturday is one, a holiday
    is not): one digest per person who chose the daily digest, of the notices since the
    previous working day's digest. Nothing on other days."""
    now = now or timezone.now()
    today = local_date(now)
    if not is_workday(today):
        return 0
    since = local_moment(_previous_workday(today), DAILY_DIGEST_AT)
    sent = 0
    for channel in Channel:
        candidates = _pending(channel, [Cadence.DAILY], since=since)
        sent += _send(channel, _claim(channel, candidates, now), now, digest=True)
    return sent


def _pending(channel: str, cadences: Iterable[str], *, since: datetime) -> QuerySet:
    """The channel's notices not yet sent, since ``since``, of active people whose cadence
    on it is one of ``cadences`` (an e-mail needs an address)."""
    chosen = (NoticePreference.objects.filter(user=OuterRef("recipient_id"), channel=channel)
              .values("cadence")[:1])
    pending = (Message.objects.filter(**{f"{OUTBOX[channel]}__isnull": True},
                                      created_at__gte=since, recipient__is_active=True)
               .alias(cadence=Coalesce(Subquery(chosen), Value(str(DEFAULT_CADENCE[channel]))))
               .filter(cadence__in=[str(cadence) for cadence in cadences]))
    if channel == Channel.EMAIL:
        pending = pending.exclude(recipient__email="")
    return pending


def _notices_in_the_hour_before():
    """How many of its person's notices came in the hour before a notice (the earlier of
    equal moments by id): from NOTICES_IMMEDIATE_PER_HOUR on, it waits for the digest.
    The inbox's own burst digests (``folded`` > 0, inbox.services.notify_people) do not
    count, and always wait for the hourly digest: they stand for the rest of a burst."""
    earlier = (Message.objects.filter(recipient_id=OuterRef("recipient_id"), folded=0,
                                      created_at__gt=OuterRef("created_at") - LIMIT_WINDOW)
               .filter(Q(created_at__lt=OuterRef("created_at"))
                       | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
               .order_by().values("recipient_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(earlier), 0)


def _claim(channel: str, candidates: QuerySet, now: datetime) -> list[int]:
    """Stamp the channel's outbox column of the candidates still unsent, in one UPDATE, and
    return the ids it stamped: a second worker running the same query at the same moment
    finds them stamped (the row lock, then the re-checked IS NULL) and gets none of them."""
    column = connection.ops.quote_name(OUTBOX[channel])
    table = connection.ops.quote_name(Message._meta.db_table)
    subquery, params = candidates.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {column} IS NULL "
                       f"AND id IN ({subquery}) RETURNING id",
                       [connection.ops.adapt_datetimefield_value(now), *params])
        return [row[0] for row in cursor.fetchall()]


def _send(channel: str, ids: list[int], now: datetime, *, digest: bool) -> int:
    """Send the claimed notices: each on its own, or (``digest``) one digest per person who
    has more than one."""
    if not ids:
        return 0
    messages = (Message.objects.filter(pk__in=ids).select_related("recipient__area")
                .order_by("recipient_id", "created_at", "pk"))
    by_person = [(notices[0].recipient, notices) for notices in
                 (list(group) for _person, group in groupby(messages,
                                                            key=lambda m: m.recipient_id))]
    if channel == Channel.EMAIL:
        return _send_emails(by_person, digest=digest)
    return _send_to_chat(by_person, now, digest=digest)


def _absolute(link: str) -> str:
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link


def _inbox_link() -> str:
    return _absolute(reverse("inbox:message_list"))


# E-mail ---------------------------------------------------------------------------------------

def _send_emails(by_person, *, digest: bool) -> int:
    mails = []
    for person, notices in by_person:
        if digest and len(notices) > 1:
            mails.append((_("%(count)s new notices in the risk register")
                          % {"count": len(notices)},
                          _digest_text(notices), settings.DEFAULT_FROM_EMAIL, [person.email]))
        else:
            mails += [(message.title,
                       f"{message.body}\n\n{_absolute(message.link)}".strip(),
                       settings.DEFAULT_FROM_EMAIL, [person.email]) for message in notices]
    send_mass_mail(mails, fail_silently=True)
    return len(mails)


def _digest_text(notices: list[Message]) -> str:
    lines = []
    for number, message in enumerate(notices[:DIGEST_ITEMS_EMAIL], start=1):
        lines.append(f"{number}. {message.title}")
        if message.link:
            lines.append(f"   {_absolute(message.link)}")
    if len(notices) > DIGEST_ITEMS_EMAIL:
        lines.append(_("… and %(count)s more.") % {"count": len(notices) - DIGEST_ITEMS_EMAIL})
    lines += ["", _("All your notices are in the inbox: %(link)s") % {"link": _inbox_link()}]
    return "\n".join(lines)


# The chat robot -------------------------------------------------------------------------------

def robots_for(people) -> dict[int, ChatRobot | None]:
    """Each person's unit's robot (turned on): their department's if they have one and it
    has a robot, else the nearest of their area's (their own, then up: a grid worker's
    community). Two queries whatever the number of people."""
    by_department, by_area_path = {}, {}
    for robot in ChatRobot.objects.filter(is_active=True).select_related("area").order_by("pk"):
        if robot.department_id is not None:
            by_department.setdefault(robot.department_id, robot)
        else:
            by_area_path.setdefault(robot.area.path, robot)
    found = {}
    for person in people:
        robot = by_department.get(person.department_id)
        if robot is None and person.area_id is not None and by_area_path:
            above = [path for path in by_area_path if person.area.path.startswith(path)]
            robot = by_area_path[max(above, key=len)] if above else None
        found[person.pk] = robot
    return found


def _send_to_chat(by_person, now: datetime, *, digest: bool) -> int:
    """A delivery per notice (or per digest) to the person's unit's robot, each sent by its
    task after commit. A person whose unit has no robot turned on gets nothing: their
    notices stay claimed (the outbox column says "handed over, or nowhere to go")."""
    from inbox.tasks import send_chat_delivery_task  # not above: it imports this module

    robots = robots_for(person for person, _notices in by_person)
    deliveries = []
    for person, notices in by_person:
        robot = robots[person.pk]
        if robot is None:
            continue
        if digest and len(notices) > 1:
            deliveries.append(ChatDelivery(robot=robot, recipient=person,
                                           messages=len(notices), created_at=now,
                                           payload=_chat_digest(robot.platform, person,
                                                                notices)))
        else:
            deliveries += [ChatDelivery(robot=robot, recipient=person, messages=1,
                                        created_at=now,
                                        payload=_chat_notice(robot.platform, person, message))
                           for message in notices]
    ChatDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        enqueue_on_commit(send_chat_delivery_task, delivery.pk)
    return len(deliveries)


def _markdown_link(text: str, link: str) -> str:
    url = _absolute(link)
    return f"[{text}]({url})" if url.startswith(("https://", "http://")) else text


def _chat_notice(platform: str, person, message: Message) -> dict:
    lines = [f"**{message.title}**",
             "> " + _("For %(name)s") % {"name": person.display_name}]
    if message.body:
        lines.append(message.body)
    if message.link:
        lines.append(_markdown_link(_("Open it in the register"), message.link))
    return chat_payload(platform, message.title, "\n".join(lines))


def _chat_digest(platform: str, person, notices: list[Message]) -> dict:
    title = _("%(name)s: %(count)s new notices") % {"name": person.display_name,
                                                    "count": len(notices)}
    lines = [f"**{title}**"]
    for number, message in enumerate(notices[:DIGEST_ITEMS_CHAT], start=1):
        text = _markdown_link(message.title, message.link) if message.link else message.title
        lines.append(f"{number}. {text}")
    if len(notices) > DIGEST_ITEMS_CHAT:
        lines.append(_("… and %(count)s more.") % {"count": len(notices) - DIGEST_ITEMS_CHAT})
    lines.append(_markdown_link(_("All of them are in the inbox"), reverse("inbox:message_list")))
    return chat_payload(platform, title, "\n".join(lines))


def chat_payload(platform: str, title: str, content: str) -> dict:
    """The JSON a platform's group robot takes: markdown, cut to what it accepts."""
    encoded = content.encode("utf-8")
    if len(encoded) > CHAT_CONTENT_BYTES:
        content = encoded[:CHAT_CONTENT_BYTES - 3].decode("utf-8", errors="ignore") + "…"
    if platform == ChatPlatform.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": content}}
    return {"msgtype": "markdown", "markdown": {"content": content}}


def webhook_url_problem(url: str) -> str | None:
    """Why a robot's webhook URL may not be used, or None: it must be https (plain http
    only under DEBUG or CHAT_ROBOT_ALLOW_HTTP, for development and tests)."""
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return None
    if (parts.scheme == "http" and parts.hostname
            and (settings.DEBUG or settings.CHAT_ROBOT_ALLOW_HTTP)):
        return None
    return _("A robot's webhook URL must start with https://.")


def masked_url(url: str) -> str:
    """The webhook URL as lists show it: its host and the last four characters (the key
    in it lets anyone post to the group)."""
    parts = urllib.parse.urlsplit(url or "")
    return f"{parts.scheme}://{parts.hostname or ''}/…{url[-4:]}" if url else ""


def signed_url(robot: ChatRobot, timestamp_ms: int | None = None) -> str:
    """The URL to POST to: DingTalk's, when the robot has a signing secret (加签), with
    ``timestamp`` (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")))."""
    if robot.platform != ChatPlatform.DINGTALK or not robot.secret:
        return robot.url
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(robot.secret.encode(),
                      f"{timestamp}\n{robot.secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if urllib.parse.urlsplit(robot.url).query else "?"
    return f"{robot.url}{separator}timestamp={timestamp}&sign={sign}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that answers with a redirect has failed: the notice is not re-posted
    elsewhere (a redirected POST would also lose its body)."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_to_robot(robot: ChatRobot, payload: dict) -> tuple[int | None, str]:
    """POST ``payload`` to the robot: (HTTP status or None, "" or what went wrong). A non-2xx
    answer, a platform errcode other than 0, a timeout or a refused connection fail."""
    request = urllib.request.Request(
        signed_url(robot), data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
    try:
        with _opener.open(request, timeout=settings.CHAT_ROBOT_TIMEOUT_SECONDS) as response:
            code, body = response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:  # timeouts are OSErrors
        return None, _connection_problem(getattr(error, "reason", error))
    if not 200 <= code < 300:
        return code, f"HTTP {code}"
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return code, ""
    if isinstance(answer, dict) and str(answer.get("errcode", 0)) != "0":
        return code, f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"
    return code, ""


def _connection_problem(reason) -> str:
    """What an administrator reads when the robot could not be reached."""
    if isinstance(reason, socket.gaierror):
        return _("The robot's host name could not be resolved.")
    if isinstance(reason, TimeoutError):
        return _("The robot did not answer in time.")
    if isinstance(reason, ConnectionRefusedError):
        return _("The robot's server refused the connection.")
    return _("The robot could not be reached (%(reason)s).") % {"reason": reason}


@dataclass(frozen=True)
class Attempt:
    """How an attempt left its delivery: its status, and for one to retry, in how many
    seconds (None: nothing more to do). ``status`` is None when the delivery is gone."""

    status: str | None
    retry_in: int | None = None


def attempt_chat_delivery(delivery_id: int, *, now: datetime | None = None,
                          max_attempts: int | None = None, even_if_off: bool = False
                          ) -> Attempt:
    """One attempt at a pending delivery, recorded on it (attempts, last_attempt_at,
    response_code, error). Through: sent. Failed: pending again with the time of the next
    attempt (base × 2^(attempts−1) seconds), or failed at the ``max_attempts``-th
    (CHAT_ROBOT_MAX_ATTEMPTS). A robot turned off since (unless ``even_if_off``: an
    administrator's test) or an URL refused give up at once. Two deliveries of the same
    task never make the same attempt: it is claimed by a conditional UPDATE first."""
    now = now or timezone.now()
    max_attempts = max_attempts or settings.CHAT_ROBOT_MAX_ATTEMPTS
    delivery = ChatDelivery.objects.select_related("robot").filter(pk=delivery_id).first()
    if delivery is None:
        return Attempt(None)
    if delivery.status != DeliveryStatus.PENDING:
        return Attempt(delivery.status)
    this_one = ChatDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING,
                                           attempts=delivery.attempts)
    if not this_one.update(attempts=F("attempts") + 1, last_attempt_at=now):
        return Attempt(DeliveryStatus.PENDING)  # another worker is making this attempt
    attempts = delivery.attempts + 1
    row = ChatDelivery.objects.filter(pk=delivery.pk)
    robot = delivery.robot
    refusal = webhook_url_problem(robot.url) or (
        "" if robot.is_active or even_if_off else _("The chat robot is turned off."))
    if refusal:
        DELIVERY_TRANSITIONS.move_all(row, DeliveryAction.GIVE_UP, error=refusal[:300])
        return Attempt(DeliveryStatus.FAILED)
    code, error = post_to_robot(robot, delivery.payload)
    if not error:
        DELIVERY_TRANSITIONS.move_all(row, DeliveryAction.SEND, response_code=code, error="")
        return Attempt(DeliveryStatus.SENT)
    if attempts >= max_attempts:
        DELIVERY_TRANSITIONS.move_all(row, DeliveryAction.GIVE_UP, response_code=code,
                                      error=error[:300])
        return Attempt(DeliveryStatus.FAILED)
    row.update(response_code=code, error=error[:300])
    return Attempt(DeliveryStatus.PENDING,
                   retry_in=settings.CHAT_ROBOT_RETRY_SECONDS * 2 ** (attempts - 1))


def send_test_message(robot: ChatRobot, *, now: datetime | None = None) -> ChatDelivery:
    """An administrator's test of a robot (on or off): one delivery, one attempt, now."""
    title = _("Test message from the risk register")
    content = "\n".join([f"**{title}**",
                         _("If this group sees this message, the robot %(name)s is set up "
                           "correctly.") % {"name": robot.name}])
    delivery = ChatDelivery.objects.create(robot=robot, recipient=None, messages=0,
                                           payload=chat_payload(robot.platform, title, content),
                                           created_at=now or timezone.now())
    attempt_chat_delivery(delivery.pk, now=now, max_attempts=1, even_if_off=True)
    delivery.refresh_from_db()
    return delivery


def requeue_stalled_chat_deliveries(now: datetime | None = None) -> int:
    """Hand out again the pending deliveries whose task was lost (a broker or a worker
    down): none attempted for STALLED_AFTER. Their attempt claim keeps a late original
    from making the same attempt twice."""
    from inbox.tasks import send_chat_delivery_task  # not above: it imports this module

    now = now or timezone.now()
    stalled = list(ChatDelivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(last_attempt_at__isnull=True, created_at__lt=now - STALLED_AFTER)
        | Q(last_attempt_at__lt=now - STALLED_AFTER)).values_list("pk", flat=True)[:1000])
    for delivery_id in stalled:
        enqueue_on_commit(send_chat_delivery_task, delivery_id)
    return len(stalled)
