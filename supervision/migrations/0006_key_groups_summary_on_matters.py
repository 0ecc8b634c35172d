"""The seeded summaries of the `key_groups` and `seasonal_crackdown` campaigns (0004) told the
street to count or check classes of residents: released prisoners, people under community correction, patients with a
severe mental disorder. DOMAIN.md, as corrected: the register holds matters, not people,
so the campaign acts on risk matters and their causes, each with a responsible office.

The campaign keeps its code (code and API refer to it) and the plan's name, as the
category `key_persons` keeps its name. Only a summary that still holds the seeded text is
rewritten: an administrator's own wording is left alone, both ways. Reversible.
"""

from django.db import migrations

# campaign code → (the summary 0004 seeded, the summary on matters and places)
SUMMARIES = {
    "key_groups": (
        "落实刑满释放、社区矫正对象帮扶、安置、教育、管理措施，防止脱管失控；摸清易肇事肇祸严重精神障碍患者底数，"
        "压实监护责任；建立街道、社区两级高风险人员预警管控机制，“一事一专班、一人一专班”。",
        "对扬言报复、个人极端行为风险事项落实“一事一策”和稳控责任（平安法治和信访办公室）；"
        "对生活困难、监护照料缺失引发的风险事项逐件落实救助帮扶和化解措施，压实监护照料责任"
        "（社会事务办公室）；建立街道、社区两级风险事项预警处置机制，“一事一专班”。"),
    # "流动人口" is a class of residents; the places are what is checked.
    "seasonal_crackdown": (
        "重拳打击严重暴力犯罪，常态化推进扫黑除恶；对季节性高发的聚众斗殴、寻衅滋事、飙车炸街等即案即侦；"
        "打击入户盗窃、“两抢”犯罪；集中清查整治流动人口、出租房屋，梳理重点地区挂牌整治。",
        "重拳打击严重暴力犯罪，常态化推进扫黑除恶；对季节性高发的聚众斗殴、寻衅滋事、飙车炸街等即案即侦；"
        "打击入户盗窃、“两抢”犯罪；集中清查整治出租房屋、闲置房屋等重点场所隐患，梳理重点地区挂牌整治。"),
}
# kept for the tests and for anyone reading what changed
CODE = "key_groups"
SEEDED_SUMMARY, SUMMARY = SUMMARIES[CODE]


def rewrite(apps, schema_editor):
    Campaign = apps.get_model("supervision", "Campaign")
    for code, (seeded, summary) in SUMMARIES.items():
        Campaign.objects.filter(code=code, summary=seeded).update(summary=summary)


def restore(apps, schema_editor):
    Campaign = apps.get_model("supervision", "Campaign")
    for code, (seeded, summary) in SUMMARIES.items():
        Campaign.objects.filter(code=code, summary=summary).update(summary=seeded)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0005_dashboard_cube_index")]
    operations = [migrations.RunPython(rewrite, restore)]
