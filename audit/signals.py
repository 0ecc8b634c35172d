"""The audit log's receivers: framework housekeeping, not control flow.

- ``post_init`` keeps a copy of each audited record as loaded (the old values of a
  change, without a query); ``post_save`` and ``post_delete`` write one entry for each
  create, change (or transition) and delete of an audited record (audit.model_changes).
  They are connected per audited model: other models keep Django's fast paths.
- Celery's ``task_prerun`` / ``task_postrun`` make a task's writes come from
  ``task:<name>`` with no actor.
"""

from celery.signals import task_postrun, task_prerun
from django.db.models.signals import post_delete, post_init, post_save

from audit.choices import AuditAction
from audit.context import AuditContext, bind, unbind
from audit.model_changes import STATUS_FIELD, audited_models
from audit.origin import Origin
from audit.services import record_model_change

_task_tokens: dict = {}


def remember_loaded_values(sender, instance, **kwargs):
    instance._audit_values = audited_models()[sender].snapshot(instance)


def record_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:  # fixtures being loaded: not an action of anyone
        return
    described = audited_models()[sender]
    if created:
        record_model_change(AuditAction.CREATE, instance)
    else:
        before = getattr(instance, "_audit_values", None)
        changes = described.changes(before, instance, update_fields) if before is not None \
            else {}
        if before is None or changes:
            action = AuditAction.TRANSITION if STATUS_FIELD in changes else AuditAction.UPDATE
            record_model_change(action, instance, changes)
    instance._audit_values = described.snapshot(instance)


def record_delete(sender, instance, **kwargs):
    record_model_change(AuditAction.DELETE, instance)


def connect_model_receivers() -> None:
    for model in audited_models():
        uid = f"audit:{model._meta.label_lower}"
        post_init.connect(remember_loaded_values, sender=model, dispatch_uid=uid)
        post_save.connect(record_save, sender=model, dispatch_uid=uid)
        post_delete.connect(record_delete, sender=model, dispatch_uid=uid)


@task_prerun.connect(dispatch_uid="audit:task_prerun")
def enter_task(task_id=None, task=None, **kwargs):
    _task_tokens[task_id] = bind(AuditContext(origin=Origin.of_task(task.name)))


@task_postrun.connect(dispatch_uid="audit:task_postrun")
def leave_task(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        unbind(token)
