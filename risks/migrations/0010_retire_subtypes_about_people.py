"""Subtypes describe hazards, events and disputes, never a class of people (DOMAIN.md, as
corrected): five seed subtypes named groups of residents. Each is retired (kept, inactive,
so that history and old exports keep their words) and replaced; the matters filed under it
move to the replacement, each with an event saying from which subtype and why.

Reversible: going back moves the matters home (with an event saying so), reactivates the
old subtypes and removes the new ones if nothing else uses them.
"""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

# retired code → (replacement code, its name, the reason written on each moved matter)
REPLACEMENTS = {
    "group_grievance": (
        "collective_interest_dispute",
        "多人涉及的利益纠纷（欠薪、房产、征迁、金融等，需协调化解）",
        "分类调整：细类描述需化解的纠纷，而非群体"),
    "economic_crime_victims": (
        "economic_crime_losses", "涉众型经济犯罪造成的损失与追偿",
        "分类调整：细类描述损失与追偿事项，而非受损群体"),
    "new_economy_workers": (
        "platform_work_disputes", "平台用工与新业态劳动纠纷",
        "分类调整：细类描述劳动纠纷，而非从业群体"),
    "guardianship_gap": (
        "care_gap", "监护或照料缺失引发的安全风险",
        "分类调整：细类描述监护照料缺失的风险，而非健康状况"),
    "reintegration_support": (
        "livelihood_hardship", "生活困难引发的风险（就业、住房、债务）",
        "分类调整：细类描述生活困难引发的风险，而非前科"),
}
REVERSE_NOTE = "分类调整撤回：恢复原细类"


def _move(apps, old, new, note):
    """Point every matter of ``old`` at ``new`` (one UPDATE) and write one event each."""
    Risk = apps.get_model("risks", "Risk")
    RiskEvent = apps.get_model("risks", "RiskEvent")
    matters = Risk.objects.filter(subtype=old)
    now = timezone.now()
    events = [RiskEvent(risk_id=pk, kind="subtype_moved", note=note, created_at=now,
                        changes={"subtype": [old.name, new.name],
                                 "subtype_code": [old.code, new.code]})
              for pk in matters.values_list("pk", flat=True).iterator(chunk_size=2000)]
    RiskEvent.objects.bulk_create(events, batch_size=1000)
    # A new version and update time: the district platform's sync walk sees the new code.
    return matters.update(subtype=new, updated_at=now, version=F("version") + 1)


def retire(apps, schema_editor):
    Subtype = apps.get_model("risks", "Subtype")
    for old_code, (new_code, new_name, reason) in REPLACEMENTS.items():
        old = Subtype.objects.filter(code=old_code).first()
        if old is None:
            continue
        new, _ = Subtype.objects.get_or_create(
            code=new_code, defaults={"category_id": old.category_id, "name": new_name,
                                     "position": old.position})
        _move(apps, old, new, reason)
        old.is_active = False
        old.replaced_by = new
        if old.position < 90:  # retired ones after the active ones in lists
            old.position += 90
        old.save(update_fields=["is_active", "replaced_by", "position"])


def restore(apps, schema_editor):
    Subtype = apps.get_model("risks", "Subtype")
    Risk = apps.get_model("risks", "Risk")
    for old_code, (new_code, _name, _reason) in REPLACEMENTS.items():
        old = Subtype.objects.filter(code=old_code).first()
        new = Subtype.objects.filter(code=new_code).first()
        if old is None or new is None:
            continue
        _move(apps, new, old, REVERSE_NOTE)
        old.is_active = True
        old.replaced_by = None
        old.position = old.position - 90 if old.position > 90 else old.position
        old.save(update_fields=["is_active", "replaced_by", "position"])
        if not Risk.objects.filter(subtype=new).exists() and not new.replaces.exists():
            new.delete()


class Migration(migrations.Migration):
    dependencies = [("risks", "0009_people_involved_retired_subtypes")]
    operations = [migrations.RunPython(retire, restore)]
