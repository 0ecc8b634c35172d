"""The six special campaigns (专项攻坚行动) of attachment 2 of the work plan
(《全福街道社会治安治理专项工作方案》, 二、重点任务 (一)–(六)), as data an administrator
keeps. Idempotent: a campaign whose code exists is left as the administrator made it."""

from django.db import migrations

CAMPAIGNS = [
    ("dispute_resolution", "矛盾纠纷实质性化解攻坚行动",
     "对排查出的矛盾纠纷逐一建立工作台账、明确责任主体、研判风险等级、制定化解措施，动态挂账销号；"
     "常态化研判12345、110及信访渠道的重复、敏感警情；坚持“一人一策、一事一策”，推动实质性化解；"
     "开展非法集资风险隐患专项整治。"),
    ("seasonal_crackdown", "季节性打击整治攻坚行动",
     "重拳打击严重暴力犯罪，常态化推进扫黑除恶；对季节性高发的聚众斗殴、寻衅滋事、飙车炸街等即案即侦；"
     "打击入户盗窃、“两抢”犯罪；集中清查整治流动人口、出租房屋，梳理重点地区挂牌整治。"),
    ("key_groups", "重点人群服务管理攻坚行动",
     "落实刑满释放、社区矫正对象帮扶、安置、教育、管理措施，防止脱管失控；摸清易肇事肇祸严重精神障碍患者底数，"
     "压实监护责任；建立街道、社区两级高风险人员预警管控机制，“一事一专班、一人一专班”。"),
    ("public_safety", "公共安全监管攻坚行动",
     "紧盯重点车辆，严查严重交通违法；加强枪支危爆、散装汽油、管制器具、剧毒等重点物品安全监管，"
     "落实寄递安全“三项制度”，加大非法危险物品清查收缴力度。"),
    ("campus_safety", "护校安园攻坚行动",
     "定期开展校园风险隐患大排查，化解校园内外矛盾纠纷；加强人防、物防、技防建设和校园周边治安巡逻，"
     "落实“护学岗”高峰勤务；“一校一策”整治校园周边交通秩序，规范校外培训监管。"),
    ("youth_crime_prevention", "预防惩治青少年违法犯罪攻坚行动",
     "完善防治校园暴力和学生欺凌工作机制，推进综合治理；构建罪错未成年人教育矫治长效机制；"
     "重视青少年心理健康，加强留守儿童关爱服务，深化青少年法治教育。"),
]


def seed(apps, schema_editor):
    Campaign = apps.get_model("supervision", "Campaign")
    for position, (code, name, summary) in enumerate(CAMPAIGNS, start=1):
        Campaign.objects.get_or_create(code=code, defaults={
            "name": name, "summary": summary, "position": position, "is_active": True})


def unseed(apps, schema_editor):
    Campaign = apps.get_model("supervision", "Campaign")
    Campaign.objects.filter(code__in=[code for code, _, _ in CAMPAIGNS],
                            tasks__isnull=True, links__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_history_is_append_only")]
    operations = [migrations.RunPython(seed, unseed)]
