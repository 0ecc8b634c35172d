"""``dispute.changed`` for the webhooks (issue 21): a dispute record of the ledger is a
matter of the disputes category (ledgers/DISPUTES_HANDOVER.md), so whenever such a
matter is reported, changed or written off, the city platform's subscription is told
that its record changed too — written with the matter's own event, in the same INSERT
(webhooks.outbox.also_record, registered in LedgersConfig.ready: the register never
imports the ledgers)."""

from ledgers.exports import DISPUTES_CATEGORY
from webhooks.choices import WebhookEvent
from webhooks.outbox import Change

MATTER_EVENTS = (WebhookEvent.RISK_CREATED, WebhookEvent.RISK_CHANGED,
                 WebhookEvent.RISK_CLOSED)


def dispute_record_changed(change: Change) -> Change | None:
    if change.payload.get("category") != DISPUTES_CATEGORY:
        return None
    return Change(WebhookEvent.DISPUTE_CHANGED, "dispute", change.object_id,
                  change.street_id, change.community_id, change.payload)
