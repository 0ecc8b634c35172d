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
from quanfu.shapes import random_point_in
from risks import routing, services
from risks.approvals import decide_approval, request_approval
from risks.choices import Action, ApprovalKind, FollowUpOutcome, RiskLevel, RiskStatus, Source
from risks.follow_ups import record_follow_up
from risks.models import Risk, Subtype

# (subtype code, title, description, people involved): matters to resolve, each with what
# must be done; a count of the people a matter involves, never a list of them. Invented
# throughout: no real people or places.
SAMPLES = [
    ("neighbour", "楼上漏水引发邻里纠纷",
     "{building}住户反映楼上卫生间长期渗漏，双方多次争吵，需联系物业查明漏点、组织双方调解维修费用分担。",
     4),
    ("neighbour", "占用公共楼道堆放杂物纠纷",
     "{building}楼道被长期堆放杂物，邻里协商未果，存在消防隐患，需督促清理并调解。", 6),
    ("marriage_family", "赡养老人费用分担纠纷",
     "{building}一户子女因赡养费分担问题发生争执，老人情绪低落，需组织家庭调解、明确分担方案。", 5),
    ("marriage_family", "离婚后子女抚养探视纠纷", "双方因探视时间安排多次发生口角，需社区调解、明确探视安排。", 3),
    ("private_lending", "民间借贷逾期未还纠纷",
     "借款人逾期半年未还，出借人扬言上门强行讨要，存在冲突风险，需组织双方协商还款计划或引导诉讼。", 2),
    ("labour", "装修队拖欠工人工资纠纷",
     "某装修队拖欠5名工人工资约三万元，需核实用工关系和欠薪数额，督促装修队及发包方限期支付。", 6),
    ("labour_wages", "小微企业拖欠员工工资纠纷",
     "辖区一家小微企业拖欠员工两个月工资约15万元，需核实欠薪数额，组织劳资双方协商支付计划，"
     "协商不成的引导申请劳动仲裁。", 13),
    ("real_estate", "小区物业服务质量与收费纠纷",
     "业主对物业服务质量不满，物业费收缴纠纷增多，需组织业主代表与物业公司协商整改服务、规范收费。", 40),
    ("real_estate", "商品房延期交付纠纷",
     "某楼盘延期交付已逾半年，开发商与购房业主就交付时间和违约赔偿存在争议，"
     "需协调住建部门督促开发商制定交付方案并依约赔偿。", 60),
    ("finance_fundraising", "疑似非法集资宣传",
     "有人在{building}附近以高息理财为名发放宣传单，需核查发放主体资质、开展防范宣传，防止居民资金受损。", 3),
    ("platform_work_disputes", "外卖站点扣罚规则争议",
     "某外卖配送站点扣罚规则不透明，与所属骑手就扣款和结算发生争议，需约谈平台和站点负责人，"
     "核实扣款、规范规则并协商返还不当扣款。", 20),
    ("heavy_debt", "个人大额负债引发债务纠纷",
     "一居民因经营失败负债较多，与债权人多次争执，近期言语偏激，需协助协商还款安排并落实心理疏导。", 3),
    ("medical_conflict", "治疗结果引发医疗纠纷",
     "医患双方就治疗结果和费用发生争议，家属多次到医院争吵，需引导通过医疗纠纷人民调解或鉴定途径解决。", 4),
    ("care_gap", "家庭照料缺失存在安全隐患",
     "一户家庭监护人长期外出务工，家中老人与未成年子女无人照料，存在用火用电安全隐患，"
     "需联系监护人落实照料责任并协调社会救助。", 3),
    ("youth_unsupervised", "网吧违规接纳未成年人",
     "{building}附近一处网吧夜间违规接纳未成年人上网，家长反映管教困难，需督促经营者整改并联系家庭落实监护。", 4),
    ("livelihood_hardship", "家庭失业拖欠房租生活困难",
     "一户家庭主要劳动力失业半年，拖欠房租与房东发生争执，需协调就业援助、临时救助和房租缓交协商。", 3),
    ("key_places", "出租房屋消防与治安隐患",
     "{building}群租房存在私拉电线、违规隔断、消防通道堵塞等隐患，需督促房东限期整改。", 12),
    ("key_places", "废弃厂房闲置无人管理",
     "辖区一处废弃厂房长期无人看管，围墙破损，存在坠落和火灾隐患，需联系产权单位封闭整改。", 1),
    ("dangerous_goods", "散装汽油违规销售", "有商户在{building}附近私自销售散装汽油，需联合执法部门查处。", 2),
    ("food_drug_environment", "流动摊位食品安全隐患", "早市部分流动摊位所售食品来源不明，需市场监管部门抽检并规范经营。", 5),
    ("theft_robbery_fraud", "电动车盗窃多发",
     "{building}周边近期连续发生电动车被盗，需报请派出所侦查，完善车棚监控和门禁。", 6),
    ("online_fraud", "冒充客服电信诈骗", "多名老年居民接到冒充客服电话，其中一人被骗，需协助报案止付并入户开展防骗宣传。", 5),
    ("online_pyramid", "网络传销拉人头", "有居民被拉入网络群组，以“投资返利”名义发展下线，需报请公安机关核查并劝导居民退出。", 8),
    ("hacking", "小区门禁系统遭恶意篡改", "小区门禁管理后台异常，疑似被非法入侵，需督促物业报案并修复系统。", 1),
    ("dispute_to_crime", "邻里矛盾有民转刑风险", "双方矛盾持续升级，一方扬言报复，需落实调解和稳控责任，防止发生伤害。", 2),
    ("violent_crime", "持械斗殴风险", "两户因宅前停车长期争执，近期一方携带器械，需派出所介入并调解停车纠纷。", 6),
    ("econ_to_political", "涉众经济纠纷被恶意炒作",
     "某涉众经济纠纷的不实信息在网上被恶意编造传播，需及时发布权威信息，推动纠纷本身依法化解。", 30),
    ("collective_interest_dispute", "征迁补偿标准争议",
     "征迁片区部分住户对补偿标准有异议，需逐户解释补偿政策、核实评估结果，协商不成的引导依法复核或申请裁决。",
     25),
    ("economic_crime_losses", "理财公司停止兑付损失追偿",
     "辖区一家理财公司停止兑付，需配合公安机关登记损失、追赃挽损，并向出资居民解释依法追偿程序。", 40),
    ("major_economic_crime", "加盟费合同诈骗线索",
     "一公司以合作加盟为名收取多名居民费用后失联，需移交公安机关侦查并协助登记损失、依法追偿。", 15),
    ("dispute_other", "宠物扰民纠纷", "{building}住户饲养犬只夜间吠叫，邻里多次争执，需上门劝导并组织调解。", 4),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "丽娟", "明", "伟", "芳", "军", "静", "磊"]
PLAN_TEXT = {
    "start_criteria": "当事人扬言伤害他人、发生肢体冲突或出现危及人身安全的行为时启动。",
    "stop_criteria": "纠纷得到化解或进入法定程序，且连续7日无危及人身安全的情况时解除。",
    "command": "街道分管领导任总指挥，社区书记任现场指挥。",
    "duties": "社区负责稳控与信息报送，派出所负责现场秩序，相关科室负责政策解释。",
    "measures": "落实专人联系当事人，开展心理疏导和法律援助，发生违法行为时依法处置。",
    "supplies": "执法记录仪2台，应急车辆1辆，值守人员名单。",
}


def _phone(rng) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _building(area: Area, rng) -> str:
    return f"{area.name.split('第')[0]}{rng.randint(1, 30)}号楼"


@transaction.atomic
def _place(grid: Area, rng) -> dict | None:
    if grid.boundary is None or rng.random() < 1 / 3:
        return None
    lat, lng = random_point_in(grid.boundary, rng)
    return {"lat": lat, "lng": lng}


def load_matters(street: Area, count: int = 300, seed: int = 2024) -> int:
    """Report ``count`` matters and walk each some way through its life. Idempotent:
    nothing happens when the street already has matters."""
    if Risk.objects.filter(area__path__startswith=street.path).exists():
        return 0
    rng = random.Random(seed)
    leader = User.objects.get(username="leader")
    deputy = User.objects.filter(username="leader2").first() or leader
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
    # Two in three matters are placed inside their grid's invented boundary, so that the
    # map (挂图作战) has points; a generator of their own keeps the rest of the demo as it was.
    places = random.Random(seed + 1)
    for number in range(count):
        grid = rng.choices(grids, weights=weights)[0]
        micro = rng.choice(list(grid.children.all()) or [grid])
        area = rng.choice([grid, micro])
        worker, officer = workers[grid.pk], officers[grid.parent_id]
        code, title, description, people_involved = rng.choice(SAMPLES)
        subtype = subtypes[code]
        result = services.report_risk(
            actor=worker, title=title, category=subtype.category, subtype=subtype, area=area,
            description=description.format(building=_building(grid, rng)),
            source=rng.choice([Source.GRID_PATROL] * 5 + list(Source.values)[:6]),
            discovered_at=now - timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 23)),
            department=rng.choice(departments) if rng.random() < 0.4 else None,
            parties=[{"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "phone": _phone(rng),
                      "relation": "party"} for _ in range(rng.randint(0, 2))],
            people_involved=people_involved,
            location=_place(grid, places),
        )
        risk = result.risk
        created += 1
        _walk(risk, rng, officer=officer, worker=worker, leader=leader, number=number,
              deputy=deputy)
    _call_back(street, officers)
    return created


FOLLOW_UP_NOTES = {
    FollowUpOutcome.SATISFIED: "当事人表示满意，协议已履行。",
    FollowUpOutcome.DISSATISFIED: "当事人反映对方仍未按协议整改。",
    FollowUpOutcome.UNREACHABLE: "电话无人接听，择日再访。",
}


def _call_back(street: Area, officers: dict) -> None:
    """回访: the community officers have called back some of the matters written off (most
    satisfied, a few not, one unreachable); the others stay on their follow-up lists."""
    closed = (Risk.objects.filter(street=street, status=RiskStatus.CLOSED)
              .order_by("code"))
    outcomes = [FollowUpOutcome.SATISFIED] * 4 + [FollowUpOutcome.DISSATISFIED,
                                                  FollowUpOutcome.UNREACHABLE]
    for index, risk in enumerate(closed[::3]):
        outcome = outcomes[index % len(outcomes)]
        record_follow_up(risk, outcome=outcome, note=FOLLOW_UP_NOTES[outcome],
                         actor=officers[risk.community_id])


def _dispatch(risk: Risk, rng, *, officer) -> None:
    """Most verified matters with a subject route go to their section (分流): some wait to
    be signed for, some are signed for, a few come back (退回) with a reason."""
    department = routing.proposed_department(risk)
    if department is None or rng.random() < 0.3:
        return
    risk = services.transition_risk(risk, Action.DISPATCH, actor=officer, department=department)
    staff = User.objects.filter(role=Role.SECTION_STAFF, department=department,
                                is_department_head=False).first()
    outcome = rng.random()
    if staff is None or outcome < 0.4:
        return
    if outcome < 0.85:
        services.transition_risk(risk, Action.ACCEPT, actor=staff, version=risk.version)
    else:
        services.transition_risk(risk, Action.RETURN, actor=staff, version=risk.version,
                                 note="经核实不属于本科室职责，请中心重新研判分流。")


def _walk(risk: Risk, rng, *, officer, worker, leader, number: int, deputy) -> None:
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
        _dispatch(risk, rng, officer=officer)
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
        if number % 6 == 0 and risk.due_on:  # waiting for the leader's decision (审批)
            request_approval(risk, kind=ApprovalKind.EXTENSION, days=rng.randint(3, 10),
                             reason="需等待司法鉴定结论，申请延期。", actor=officer)
        return
    risk = services.resolve_risk(risk, actor=officer, note="双方达成调解协议。")
    if level == RiskLevel.HIGH and stage in ("resolved", "closed"):
        # a high-level matter's write-off waits for a leader's approval (销号审批), asked
        # by a leader who did not resolve it and decided by another
        if deputy == leader:
            return
        approval = request_approval(risk, kind=ApprovalKind.WRITE_OFF, actor=deputy,
                                    reason="经核验双方已履行调解协议，申请销号。")
        if stage == "resolved":
            return
        decide_approval(approval, approve=True, note="同意销号。", actor=leader)
        risk = Risk.objects.get(pk=risk.pk)
    if stage == "closed":
        services.close_risk(risk, actor=leader, note="经回访双方履行协议，予以销号。")

