"""Which dispute records the city one-stop dispute platform has taken (同步上传, issue 21):
its acknowledgement of a record (``ledgers/disputes/{id}/ack/``), with its own reference.

An acknowledgement covers the matter's version it was given for (the matter's row lock
orders it against every change, which bumps the version): a record changed after it was
taken reads as not taken again, with no clock compared and nothing to clear. The feed
shows it and filters by it (``acked=false``); the disputes ledger page counts what is not
taken yet.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from ledgers.exports import disputes_only
from ledgers.models import DisputeAcknowledgement
from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from risks.models import Risk


def taken_q() -> Q:
    """The matters whose current version the platform acknowledged (one indexed lookup
    per matter: the acknowledgement is one-to-one)."""
    return Q(Exists(DisputeAcknowledgement.objects.filter(
        risk_id=OuterRef("pk"), acked_version=OuterRef("version"))))


def not_taken_count(matters) -> int:
    """How many disputes of ``matters`` (already scoped and filtered) the city platform has
    not taken in their current state."""
    return disputes_only(matters).exclude(taken_q()).count()


def may_acknowledge(user) -> bool:
    """The city platform acknowledges through its API client; the administrator may too."""
    return bool(user.is_authenticated and user.is_active
                and (user.is_superuser or user.role == Role.API_CLIENT))


@transaction.atomic
def acknowledge_dispute(risk: Risk, *, actor, platform_ref: str,
                        version: int | None = None) -> DisputeAcknowledgement:
    """Record that the city platform took the dispute record ``risk`` (from the actor's
    scope, a dispute) under ``platform_ref``, for the matter's current version — or, when
    ``version`` is given, for that version only: a record changed since it was read raises
    StaleVersion (409) and records nothing, so the platform takes it again. Acknowledging
    again replaces the reference and the time. Not a change of the matter: its version
    and its place in the sync walk stay.

    Raises Forbidden for anyone but an API client (or the administrator), RuleBroken for
    an empty or over-long reference or a matter that is no dispute.
    """
    if not may_acknowledge(actor):
        raise Forbidden(_("Only the city platform's API client acknowledges dispute "
                          "records."))
    platform_ref = (platform_ref or "").strip()
    if not platform_ref:
        raise RuleBroken(_("Give the platform's own reference for the record."),
                         field="platform_ref")
    if len(platform_ref) > 100:
        raise RuleBroken(_("The platform's reference is at most 100 characters."),
                         field="platform_ref")
    locked = Risk.objects.select_for_update(of=("self",), no_key=True).get(pk=risk.pk)
    if not disputes_only(Risk.objects.filter(pk=locked.pk)).exists():
        raise RuleBroken(_("Only dispute records are taken by the city platform."),
                         field="risk")
    if version is not None and int(version) != locked.version:
        raise StaleVersion(_("This record was changed since you read it (now version "
                             "%(current)s, you took version %(yours)s): take it again.")
                           % {"current": locked.version, "yours": version},
                           current_version=locked.version)
    acknowledgement = DisputeAcknowledgement.objects.filter(risk=locked).first()
    if acknowledgement is None:
        acknowledgement = DisputeAcknowledgement(risk=locked)
    acknowledgement.platform_ref = platform_ref
    acknowledgement.acked_at = timezone.now()
    acknowledgement.acked_version = locked.version
    acknowledgement.acked_by = actor
    acknowledgement.save()  # audited (audit.signals) as the client's create or change
    return acknowledgement


def acknowledgements_of(rows: list[dict]) -> dict[int, dict]:
    """For a page of the feed (rows with ``id`` and ``version``): by matter id,
    ``acked_at`` (null when not taken in the current version) and ``platform_ref`` (the
    platform's reference, kept when the record changed since). One query."""
    versions = {row["id"]: row["version"] for row in rows}
    taken = DisputeAcknowledgement.objects.filter(risk_id__in=versions).values(
        "risk_id", "platform_ref", "acked_at", "acked_version")
    found = {}
    for ack in taken:
        current = ack["acked_version"] == versions[ack["risk_id"]]
        found[ack["risk_id"]] = {"acked": current,
                                 "acked_at": ack["acked_at"] if current else None,
                                 "platform_ref": ack["platform_ref"]}
    return found
