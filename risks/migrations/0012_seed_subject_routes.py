"""The default section for each active subtype (属事), by the section's kind (the end of
its code). An administrator changes them in the admin; seeding leaves existing rows."""

from django.db import migrations

ROUTES = {
    "pingan": [  # 平安法治和信访办公室: security, mediation, the centre
        "foreign_infiltration", "econ_to_political", "political_other",
        "collective_interest_dispute", "economic_crime_losses", "extreme_act_risk",
        "relationship_breakdown", "threat_to_retaliate", "heavy_debt", "marriage_family",
        "neighbour", "private_lending", "dispute_other", "theft_robbery_fraud", "vice",
        "online_fraud", "online_illegal_trade", "online_pyramid", "hacking",
        "dispute_to_crime", "violent_crime", "major_economic_crime"],
    "social": [  # 社会事务办公室: labour, social security, health, care
        "labour_wages", "platform_work_disputes", "labour", "medical_conflict",
        "medical_damage", "care_gap", "livelihood_hardship", "youth_unsupervised"],
    "economy": ["finance_fundraising"],  # 经济发展办公室
    "community": ["real_estate"],  # 社区建设办公室: housing estates and property
    "enforcement": ["key_places", "food_drug_environment"],  # 综合行政执法中队
    "emergency": ["dangerous_goods"],  # 应急管理办公室
}


def seed(apps, schema_editor):
    Subtype = apps.get_model("risks", "Subtype")
    SubjectRoute = apps.get_model("risks", "SubjectRoute")
    subtypes = {subtype.code: subtype for subtype in Subtype.objects.all()}
    for kind, codes in ROUTES.items():
        for code in codes:
            if code in subtypes:
                SubjectRoute.objects.get_or_create(subtype=subtypes[code],
                                                   defaults={"department_kind": kind})


def unseed(apps, schema_editor):
    apps.get_model("risks", "SubjectRoute").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("risks", "0011_dispatch_and_verification")]
    operations = [migrations.RunPython(seed, unseed)]
