"""The access log's rows (reads in the clear and exports) become the first entries of the
hash chain, oldest first, with the same who, what, when and from where."""

from django.conf import settings
from django.db import migrations

from audit.chain import GENESIS_HASH, entry_hash
from audit.origin import clean_ip_address

BATCH = 2000


def copy_into_chain(apps, schema_editor):
    AccessLog = apps.get_model("audit", "AccessLog")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    people = {pk: (username, int(path.split(".", 1)[0]) if path else None)
              for pk, username, path in User.objects.filter(
                  pk__in=AccessLog.objects.values("actor_id"))
              .values_list("pk", "username", "area__path")}
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = last or (0, GENESIS_HASH)
    batch = []
    for row in AccessLog.objects.order_by("created_at", "id").iterator(chunk_size=BATCH):
        seq += 1
        values = {
            "seq": seq, "created_at": row.created_at, "actor_id": row.actor_id,
            "street_id": people.get(row.actor_id, ("", None))[1],
            "username": people.get(row.actor_id, ("", None))[0], "action": row.action,
            "model_label": "", "object_id": "", "object_repr": "", "changes": {},
            "target": row.target, "detail": row.detail,
            "ip_address": clean_ip_address(row.ip_address), "user_agent": row.user_agent,
            "request_id": "", "origin": "access-log", "prev_hash": prev_hash,
        }
        values["hash"] = prev_hash = entry_hash(values)
        batch.append(AuditEntry(**values))
        if len(batch) >= BATCH:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    AccessLog = apps.get_model("audit", "AccessLog")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    rows = (AuditEntry.objects.filter(action__in=["unmasked_read", "export"],
                                      actor_id__isnull=False).order_by("seq"))
    AccessLog.objects.bulk_create(
        [AccessLog(actor_id=row.actor_id, action=row.action, target=row.target,
                   detail=row.detail, ip_address=row.ip_address or None,
                   user_agent=row.user_agent, created_at=row.created_at)
         for row in rows.iterator(chunk_size=BATCH)], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_auditentry"),
    ]

    operations = [migrations.RunPython(copy_into_chain, copy_back)]
