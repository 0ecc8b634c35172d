"""The seven categories and their seed subtypes (DOMAIN.md, from section 三 of attachment 1).

Subtypes describe hazards, events and disputes — never a class of people by profession,
belief, ethnicity or political view, nor the lawful exercise of a right.
"""

from django.db import migrations

CATEGORIES = [
    ("political", "政治安全风险", [
        ("foreign_infiltration", "境外渗透破坏活动"),
        ("econ_to_political", "经济社会问题向政治安全领域传导"),
        ("political_other", "其他政治安全风险"),
    ]),
    ("mass_interest", "涉众利益风险", [
        ("group_grievance", "利益诉求群体聚集风险"),
        ("finance_fundraising", "涉众金融与非法集资"),
        ("real_estate", "房地产与物业"),
        ("labour_wages", "劳动关系与欠薪"),
        ("economic_crime_victims", "涉众型经济犯罪受损群体"),
        ("new_economy_workers", "新业态新就业群体权益"),
    ]),
    ("key_persons", "重点人员风险", [
        ("extreme_act_risk", "个人极端行为风险"),
        ("relationship_breakdown", "恋爱婚姻关系破裂"),
        ("threat_to_retaliate", "扬言报复社会"),
        ("heavy_debt", "大额负债"),
        ("medical_conflict", "严重医患矛盾"),
        ("guardianship_gap", "严重精神障碍患者监护缺位"),
        ("reintegration_support", "刑满释放与社区矫正人员帮教"),
        ("youth_unsupervised", "青少年失管"),
    ]),
    ("disputes", "社会矛盾风险", [
        ("marriage_family", "婚恋家庭纠纷（抚养、彩礼、赡养、继承、家暴）"),
        ("neighbour", "邻里纠纷"),
        ("private_lending", "民间借贷与经济往来"),
        ("labour", "劳动关系与工资支付"),
        ("medical_damage", "医疗损害纠纷"),
        ("dispute_other", "其他矛盾纠纷"),
    ]),
    ("public_order", "治安隐患风险", [
        ("key_places", "重点场所部位治安隐患（市场、出租房、旅馆、闲置房屋、废弃厂房等）"),
        ("theft_robbery_fraud", "盗抢骗"),
        ("vice", "黄赌毒"),
        ("food_drug_environment", "食药环"),
        ("dangerous_goods", "枪爆、管制刀具、危化品、散装汽油"),
    ]),
    ("cyber", "网络安全风险", [
        ("online_fraud", "网络诈骗与套路贷"),
        ("online_illegal_trade", "网络贩枪与黄赌毒"),
        ("online_pyramid", "网络传销"),
        ("hacking", "黑客攻击与网络黑产"),
    ]),
    ("serious_crime", "恶性案件风险", [
        ("dispute_to_crime", "民转刑、刑转命风险"),
        ("violent_crime", "严重暴力犯罪风险（杀人、伤害、放火、爆炸、投毒）"),
        ("major_economic_crime", "重大经济犯罪风险"),
    ]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("risks", "Category")
    Subtype = apps.get_model("risks", "Subtype")
    for position, (code, name, subtypes) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "position": position})
        for sub_position, (sub_code, sub_name) in enumerate(subtypes, start=1):
            Subtype.objects.get_or_create(
                code=sub_code,
                defaults={"category": category, "name": sub_name, "position": sub_position})


def unseed(apps, schema_editor):
    Subtype = apps.get_model("risks", "Subtype")
    Category = apps.get_model("risks", "Category")
    codes = [code for code, _, _ in CATEGORIES]
    Subtype.objects.filter(category__code__in=codes).delete()
    Category.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
