"""What the other systems are told of a matter (webhooks, issue 21): the contract's
events ``risk.created``, ``risk.changed`` and ``risk.closed``, written into the webhooks
outbox in the transaction of the change (one INSERT; webhooks.outbox). Called by the
services where a matter is reported, edited and moved (risks.services), never by views.

The payload is the matter's key facts as the API names them; a receiver that wants more
asks ``risks/{id}/`` with its token.
"""

from django.utils import timezone

from risks.choices import Action
from risks.models import Category, Risk
from webhooks import outbox
from webhooks.choices import WebhookEvent


def _category_code(risk: Risk) -> str | None:
    if Risk.category.is_cached(risk):
        return risk.category.code if risk.category else None
    # a matter re-read under its lock comes without its category: one read by key
    return Category.objects.filter(pk=risk.category_id).values_list("code", flat=True).first()


def _moment(value):
    return timezone.localtime(value).isoformat() if value else None


def payload(risk: Risk) -> dict:
    return {"id": risk.pk, "code": risk.code, "status": risk.status, "level": risk.level,
            "tier": risk.tier, "category": _category_code(risk), "area": risk.area_id,
            "version": risk.version, "updated_at": _moment(risk.updated_at),
            "closed_at": _moment(risk.closed_at)}


def _change(risk: Risk, event: str) -> outbox.Change:
    return outbox.Change(event, "risk", risk.pk, risk.street_id, risk.community_id,
                         payload(risk))


def tell_reported(risks: list[Risk]) -> None:
    """``risk.created`` for each new matter (a bulk import: one INSERT for all)."""
    outbox.record_many([_change(risk, WebhookEvent.RISK_CREATED) for risk in risks])


def tell_moved(risks: list[Risk]) -> None:
    """``risk.changed`` for each matter a change of areas moved (one INSERT for all)."""
    outbox.record_many([_change(risk, WebhookEvent.RISK_CHANGED) for risk in risks])


def tell_changed(risk: Risk, action: str | None = None) -> None:
    """``risk.closed`` when it was written off (销号), ``risk.changed`` otherwise."""
    event = (WebhookEvent.RISK_CLOSED if action == Action.CLOSE
             else WebhookEvent.RISK_CHANGED)
    outbox.record_many([_change(risk, event)])
