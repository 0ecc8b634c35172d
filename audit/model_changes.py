"""Which records the audit log follows, and how a change to one is written down.

Audited: every model of the apps accounts, grids, risks, ledgers, meetings, supervision,
rhythm and webhooks, except those in ``NOT_AUDITED`` and the append-only histories
(quanfu.append_only.AppendOnlyModel: a matter's events, a meeting's amendments and
action-item progress, supervision's finding, listing and campaign-progress events), which
are themselves the history of a change the log already has. Not audited at all: the audit
log itself, sessions, django-celery-beat's bookkeeping, inbox messages, django-axes'
attempts, django-otp's devices, contenttypes, permissions and the admin's own log.

A change lists the fields that changed with their old and new values; personal fields
(``PERSONAL_FIELDS``: parties' names and phones, people's names, e-mail, password, token
keys) are listed as changed without their values. Bookkeeping fields (``IGNORED_FIELDS``
and every ``auto_now`` field) are left out, and a save that changed nothing else writes
no entry. A change of ``status`` is written as a transition.

Old values come from a copy of the loaded row kept on the instance (``post_init``), so
recording a change costs no query before the INSERT. Writes that bypass ``save()`` and
``delete()`` (``QuerySet.update``, ``bulk_create``, raw SQL) send no signals: the service
that does them records one summary entry with audit.services.record_event.
"""

import copy
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.apps import apps
from django.db import connections, models
from django.utils import timezone

from quanfu.append_only import AppendOnlyModel

AUDITED_APPS = ("accounts", "grids", "risks", "ledgers", "meetings", "supervision", "rhythm",
                "webhooks")

NOT_AUDITED = {
    "risks.riskcodecounter": "a counter raised with UPDATE; the matter's code is recorded",
    "ledgers.archivenumbercounter": "a counter raised with UPDATE",
    "ledgers.exportjob": "a queued export's bookkeeping; the export itself is an entry",
    "risks.emergencyplanrevision": "a copy kept at each revision of the emergency plan, "
                                   "whose change is recorded",
    "rhythm.snapshot": "figures computed by the weekly and monthly jobs",
    "accounts.idempotentrequest": "a stored answer kept 24 hours to replay a retried API "
                                  "POST; the request's own changes are recorded",
    "risks.clocksweep": "how far the 15-minute sweep has told of red clocks; each sweep "
                        "that found some is an entry",
    "inbox.noticerun": "the sweeps' outbox of notices still to write; each sweep that found "
                       "something is an entry",
    "webhooks.outboxevent": "what the other systems are told of a change, written with the "
                            "change, which is recorded",
    "webhooks.delivery": "the webhook worker's log of its POSTs (the admin lists them); an "
                         "administrator's replay is an entry",
}

PERSONAL_FIELDS = {
    "risks.party": frozenset({"name", "phone"}),
    "accounts.user": frozenset({"password", "first_name", "last_name", "name", "email"}),
    "accounts.apitoken": frozenset({"key_hash"}),
    "webhooks.subscription": frozenset({"secret"}),
}

# Bumped by every save (optimistic locking, timestamps, last use): noise, not a change.
IGNORED_FIELDS = frozenset({"version", "updated_at", "last_login", "last_used_at"})
STATUS_FIELD = "status"
MAX_VALUE_LENGTH = 300
MAX_REPR_LENGTH = 200


@dataclass(frozen=True)
class AuditedModel:
    label: str
    fields: tuple  # (name, attname) of the fields whose changes are written down
    personal: frozenset
    json_attnames: tuple

    def snapshot(self, instance) -> dict:
        """The row as loaded or last saved (post_init and post_save)."""
        values = instance.__dict__.copy()
        values.pop("_audit_values", None)
        for attname in self.json_attnames:  # a JSON value may be changed in place
            if attname in values:
                values[attname] = copy.deepcopy(values[attname])
        return values

    def changes(self, before: dict, instance, update_fields) -> dict:
        current = instance.__dict__
        changed = {}
        for name, attname in self.fields:
            if update_fields is not None and name not in update_fields \
                    and attname not in update_fields:
                continue
            if attname not in current or attname not in before:  # deferred: not loaded
                continue
            old, new = before[attname], current[attname]
            if old == new:
                continue
            if name in self.personal:
                changed[name] = {"withheld": True}
            else:
                changed[name] = {"old": plain(old), "new": plain(new)}
        return changed


def plain(value):
    """A field's value as JSON that reads back identically (the hash depends on it)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, datetime):
        text = timezone.localtime(value).isoformat() if timezone.is_aware(value) \
            else value.isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = str(value)
    return clean_text(text)[:MAX_VALUE_LENGTH]


def clean_text(text: str) -> str:
    return text.replace("\x00", "")


def _is_history(model) -> bool:
    return issubclass(model, AppendOnlyModel)


def _describe(model) -> AuditedModel:
    label = model._meta.label_lower
    fields = tuple(
        (field.name, field.attname) for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in IGNORED_FIELDS
        and not getattr(field, "auto_now", False)
    )
    json_attnames = tuple(field.attname for field in model._meta.concrete_fields
                          if isinstance(field, models.JSONField))
    return AuditedModel(label, fields, PERSONAL_FIELDS.get(label, frozenset()), json_attnames)


@cache
def audited_models() -> dict:
    """{model class: AuditedModel} for every audited model (after the apps are ready)."""
    audited = {}
    for app_label in AUDITED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.proxy or model._meta.label_lower in NOT_AUDITED or _is_history(model):
                continue
            audited[model] = _describe(model)
    return audited


class _QueryAttempted(Exception):
    pass


def _refuse_queries(execute, sql, params, many, context):
    raise _QueryAttempted


def describe_object(instance) -> str:
    """The record's own label (``str()``), unless that would need a query (a related
    object not loaded): then its type and id. Writing an entry never reads more rows."""
    connection = connections[instance._state.db or "default"]
    try:
        with connection.execute_wrapper(_refuse_queries):
            text = str(instance)
    except _QueryAttempted:
        text = f"{instance._meta.verbose_name} #{instance.pk}"
    return clean_text(text)[:MAX_REPR_LENGTH]
