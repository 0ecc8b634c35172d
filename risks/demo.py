"""A few hundred demo matters, spread over communities, categories, levels and statuses,
each with a history written by the same services the pages use. Fictional throughout."""

import random
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from grids.choices import AreaKind
from grids.models import Area
from risks import services
from risks.choices import RiskLevel, Source
from risks.models import Risk, Subtype

# (subtype code, title, description): plausible matters, no real people or places.
SAMPLES = [
    ("neighbour", "楼上漏水引发邻里纠纷", "{building}住户反映楼上卫生间长期渗漏，双方多次争吵，有激化苗头。"),
    ("neighbour", "占用公共楼道堆放杂物纠纷", "{building}楼道被长期堆放杂物，邻里协商未果，存在消防隐患。"),
    ("marriage_family", "赡养老人费用分担纠纷", "{building}一户子女因赡养费分担问题发生争执，老人情绪低落。"),
    ("marriage_family", "离婚后子女抚养探视纠纷", "双方因探视时间安排多次发生口角，需社区调解。"),
    ("private_lending", "民间借贷逾期未还纠纷", "借款人逾期半年未还，出借人扬言上门讨要，存在冲突风险。"),
    ("labour", "装修工人工资支付纠纷", "某装修队拖欠工人工资约三万元，工人多次到小区物业反映。"),
    ("labour_wages", "小微企业欠薪群体诉求", "辖区一家小微企业拖欠十余名员工两个月工资，员工有聚集意向。"),
    ("real_estate", "小区物业费与服务质量矛盾", "业主对物业服务不满，拒缴物业费人数增多，双方关系紧张。"),
    ("real_estate", "商品房延期交付业主诉求", "部分业主因交房延期多次集体反映，情绪较大。"),
    ("finance_fundraising", "疑似非法集资宣传", "有人在{building}附近以高息理财为名发放宣传单，群众有投资意向。"),
    ("new_economy_workers", "外卖骑手劳动权益诉求", "多名骑手反映站点扣罚过多，计划集体停工。"),
    ("heavy_debt", "个人大额负债情绪不稳", "一居民因经营失败负债较多，近期言语偏激，需关注稳控。"),
    ("medical_conflict", "就医纠纷家属情绪激动", "患者家属对治疗结果不满，多次到医院吵闹。"),
    ("guardianship_gap", "监护缺位需落实监护责任", "一户家庭监护人长期外出，需协调落实看护与帮扶。"),
    ("youth_unsupervised", "青少年夜间聚集失管", "多名青少年夜间在{building}附近聚集，家长反映管教困难。"),
    ("reintegration_support", "帮教对象就业困难", "一名帮教对象就业困难，生活拮据，需落实帮扶措施。"),
    ("key_places", "出租房屋消防与治安隐患", "{building}群租房存在私拉电线、人员登记不全等隐患。"),
    ("key_places", "废弃厂房闲置无人管理", "辖区一处废弃厂房长期无人看管，有人员出入痕迹。"),
    ("dangerous_goods", "散装汽油违规销售", "有商户在{building}附近私自销售散装汽油。"),
    ("food_drug_environment", "流动摊贩食品安全隐患", "早市流动摊贩食品来源不明，群众多次反映。"),
    ("theft_robbery_fraud", "电动车盗窃多发", "{building}周边近期连续发生电动车被盗。"),
    ("online_fraud", "冒充客服电信诈骗", "多名老年居民接到冒充客服电话，其中一人被骗。"),
    ("online_pyramid", "网络传销拉人头", "有居民被拉入网络群组，以“投资返利”名义发展下线。"),
    ("hacking", "小区门禁系统遭恶意篡改", "小区门禁管理后台异常，疑似被非法入侵。"),
    ("dispute_to_crime", "邻里矛盾有民转刑风险", "双方矛盾持续升级，一方扬言报复，需重点稳控。"),
    ("violent_crime", "持械斗殴风险", "两户因宅前停车长期争执，近期一方携带器械。"),
    ("econ_to_political", "经济诉求可能被炒作", "某涉众诉求在网上被炒作，存在被利用风险。"),
    ("group_grievance", "拆迁补偿群体诉求", "部分住户对补偿标准有异议，计划集体反映。"),
    ("major_economic_crime", "疑似合同诈骗涉众", "一公司以合作加盟为名收取多名居民费用后失联。"),
    ("dispute_other", "宠物扰民纠纷", "{building}住户饲养犬只夜间吠叫，邻里多次争执。"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "丽娟", "明", "伟", "芳", "军", "静", "磊"]
PLAN_TEXT = {
    "start_criteria": "当事人出现过激言行或聚集人数超过10人时启动。",
    "stop_criteria": "当事人情绪稳定、诉求得到回应且连续7日无异常时解除。",
    "command": "街道分管领导任总指挥，社区书记任现场指挥。",
    "duties": "社区负责稳控与信息报送，派出所负责现场秩序，相关科室负责政策解释。",
    "measures": "落实专人盯守，开展心理疏导，依法处置过激行为。",
    "supplies": "执法记录仪2台，应急车辆1辆，值守人员名单。",
}


def _phone(rng) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _building(area: Area, rng) -> str:
    return f"{area.name.split('第')[0]}{rng.randint(1, 30)}号楼"


@transaction.atomic
def load_matters(street: Area, count: int = 300, seed: int = 2024) -> int:
    """Report ``count`` matters and walk each some way through its life. Idempotent:
    nothing happens when the street already has matters."""
    if Risk.objects.filter(area__path__startswith=street.path).exists():
        return 0
    rng = random.Random(seed)
    leader = User.objects.get(username="leader")
    leader.user_permissions.add(Permission.objects.get(codename="unmask_party",
                                                       content_type__app_label="risks"))
    grids = list(Area.objects.filter(path__startswith=street.path, kind=AreaKind.GRID)
                 .order_by("code"))
    # Some communities have far more matters than others, as in real life.
    weights = [1 + (index % 5) * 2 for index in range(len(grids))]
    subtypes = {subtype.code: subtype for subtype in Subtype.objects.select_related("category")}
    officers = {user.area_id: user for user in User.objects.filter(role=Role.COMMUNITY_OFFICER)}
    workers = {user.area_id: user for user in User.objects.filter(role=Role.GRID_WORKER)}
    departments = list(street.departments.all())
    now = timezone.now()
    created = 0
    for number in range(count):
        grid = rng.choices(grids, weights=weights)[0]
        micro = rng.choice(list(grid.children.all()) or [grid])
        area = rng.choice([grid, micro])
        worker, officer = workers[grid.pk], officers[grid.parent_id]
        code, title, description = rng.choice(SAMPLES)
        subtype = subtypes[code]
        result = services.report_risk(
            actor=worker, title=title, category=subtype.category, subtype=subtype, area=area,
            description=description.format(building=_building(grid, rng)),
            source=rng.choice([Source.GRID_PATROL] * 5 + list(Source.values)[:6]),
            discovered_at=now - timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 23)),
            department=rng.choice(departments) if rng.random() < 0.4 else None,
            parties=[{"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "phone": _phone(rng),
                      "relation": "party"} for _ in range(rng.randint(0, 2))],
        )
        risk = result.risk
        created += 1
        _walk(risk, rng, officer=officer, worker=worker, leader=leader, number=number)
    return created


def _walk(risk: Risk, rng, *, officer, worker, leader, number: int) -> None:
    """Take a matter part of the way through its life: reported → … → closed."""
    stage = rng.choices(["reported", "verified", "resolving", "resolved", "closed", "invalid"],
                        weights=[10, 10, 30, 10, 35, 5])[0]
    if stage == "reported":
        return
    if stage == "invalid":
        services.reject_risk(risk, actor=officer, note="经核实不属于风险隐患。")
        return
    risk = services.verify_risk(risk, actor=officer, note="已到现场核实。")
    level = rng.choices(RiskLevel.values, weights=[1, 3, 6])[0]
    changes = {"level": level}
    if level == RiskLevel.HIGH:
        changes["lead"] = leader
    risk = services.update_risk(risk, actor=officer, version=risk.version, changes=changes)
    if stage == "verified":
        return
    if level == RiskLevel.HIGH:
        services.save_emergency_plan(risk, actor=officer, **PLAN_TEXT)
    services.save_resolution_plan(risk, actor=officer, measures="入户走访，组织双方调解，跟踪回访。",
                                  owner=officer, target_date=risk.due_on)
    risk = services.start_risk(risk, actor=officer)
    services.add_note(risk, actor=worker, note="已入户走访，当事人情绪基本稳定。")
    if rng.random() < 0.12:
        risk = services.escalate_risk(risk, actor=officer, note="社区调解未果，提请街道联席会议。")
        return
    if stage == "resolving":
        return
    risk = services.resolve_risk(risk, actor=officer, note="双方达成调解协议。")
    if stage == "closed":
        services.close_risk(risk, actor=officer, note="经回访双方履行协议，予以销号。")

