"""The three supervision groups, five communities each (组建3个督导组 … 每个督导组负责5个社区)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from grids.choices import AreaKind
from grids.models import Area, Department
from risks.choices import OPEN_STATUSES, RiskLevel
from risks.models import Risk
from supervision import services
from supervision.choices import (
    FindingSubject,
    InspectionKind,
    InspectionManner,
    Ledger,
    Severity,
    TaskStatus,
)
from supervision.models import Campaign, Finding, Inspection, SupervisionGroup


def load_supervision_groups(street: Area) -> list[SupervisionGroup]:
    communities = list(
        Area.objects.filter(path__startswith=street.path, kind=AreaKind.COMMUNITY).order_by("code")
    )
    groups = []
    for index in range(3):
        number = index + 1
        group, created = SupervisionGroup.objects.get_or_create(
            code=f"{street.code}-SG{number}",
            defaults={"street": street, "name": f"第{number}督导组",
                      "leader": User.objects.filter(username=f"supervisor_g{number}").first()},
        )
        if created:
            group.communities.set(communities[index * 5:(index + 1) * 5])
        groups.append(group)
    return groups


# Inspections, findings, a notice, listed supervision and campaign tasks -------------------

INSPECTIONS = [
    # (group index, community index in the group, days ago, kind, manner, what was checked)
    (0, 0, 20, InspectionKind.CONCENTRATED, InspectionManner.ANNOUNCED,
     "查阅线上平台台账与线下档案，抽查高风险事项“一事一案”及四个责任落实情况。"),
    (0, 1, 9, InspectionKind.ROUTINE, InspectionManner.UNANNOUNCED,
     "暗访网格员入户走访、每日核实比对和零报告落实情况。"),
    (1, 0, 12, InspectionKind.CONCENTRATED, InspectionManner.ANNOUNCED,
     "检查重点事项台账、T+2预警反馈及销号材料。"),
    (2, 0, 6, InspectionKind.ROUTINE, InspectionManner.ANNOUNCED,
     "检查专属网格（学校、市场）风险隐患排查台账。"),
]

CAMPAIGN_TASKS = {
    # campaign code: ([(responsible department's code, its task)], the communities' task,
    # categories of the matters linked). Tasks act on places and matters, never on a class
    # of residents to count (DOMAIN.md, "a register of matters, not of people").
    "dispute_resolution": ([("pingan", "梳理12345、110重复警情和信访积案，逐件明确化解责任人")],
                           "对家庭邻里、婚恋情感等隐性矛盾逐一建账、动态销号", ["disputes"]),
    "seasonal_crackdown": ([("pingan", "结合警情监测梳理治安重点区域，配合开展挂牌整治")],
                           "集中检查辖区出租房屋、闲置厂房的消防和治安隐患，督促房东和产权单位整改",
                           ["public_order"]),
    "key_groups": ([("pingan", "对扬言报复、个人极端行为风险事项落实一事一策和稳控责任"),
                    ("social", "对生活困难、监护照料缺失引发的风险事项逐件落实救助帮扶和化解措施")],
                   "逐件核实本社区监护照料缺失、生活困难引发的风险事项，明确帮扶责任人",
                   ["key_persons"]),
    "public_safety": ([("emergency", "排查散装汽油、危化品等重点物品经营单位")],
                      "检查寄递网点“三项制度”落实情况", []),
    "campus_safety": ([("social", "督促辖区学校开展校园风险隐患大排查")],
                      "落实校园周边“护学岗”高峰勤务", []),
    "youth_crime_prevention": ([("pingan", "联合学校开展防欺凌和法治教育进校园")],
                               "检查校园周边网吧、娱乐场所违规接纳未成年人问题，督促经营者整改",
                               []),
}


def _officer(community: Area) -> User | None:
    return User.objects.filter(role=Role.COMMUNITY_OFFICER, area=community).first()


@transaction.atomic
def load_supervision(street: Area) -> int:
    """Inspections with findings (one closed after rectification and acceptance, one
    awaiting acceptance, one overdue), a sent notice, listed supervision at each grade,
    and tasks, progress reports and linked matters for the six campaigns. Idempotent:
    nothing happens when the street's groups have inspections. Returns the inspections
    created."""
    groups = list(SupervisionGroup.objects.filter(street=street).order_by("code"))
    if not groups or Inspection.objects.filter(group__in=groups).exists():
        return 0
    leader = User.objects.filter(role=Role.STREET_LEADER, area=street).order_by("pk").first()
    today = timezone.localdate()
    created = 0
    for group_index, community_index, days_ago, kind, manner, checked in INSPECTIONS:
        if group_index >= len(groups) or groups[group_index].leader is None:
            continue
        group = groups[group_index]
        communities = list(group.communities.order_by("code"))
        if community_index >= len(communities):
            continue
        community = communities[community_index]
        held_on = today - timedelta(days=days_ago)
        inspection = services.record_inspection(
            actor=group.leader, group=group, community=community, held_on=held_on, kind=kind,
            manner=manner, checked=checked, summary="总体工作有序推进，但部分环节落实不到位。")
        created += 1
        _findings(inspection, group.leader, community, today)
    _notice(groups[0])
    _listings(street, groups, leader, today)
    _campaigns(street, leader, today)
    return created


def _findings(inspection, supervisor, community: Area, today) -> None:
    officer = _officer(community)
    matter = (Risk.objects.filter(community=community, status__in=OPEN_STATUSES)
              .order_by("code").first())
    if matter is not None:
        services.record_finding(
            inspection, actor=supervisor, severity=Severity.SERIOUS,
            subject=FindingSubject.MATTER, risk=matter,
            description="该事项化解措施不具体，四个责任人未到现场核实。",
            rectification_required="细化“一事一策”化解措施，责任人一周内入户核实并记录。",
            deadline=max(inspection.held_on, today - timedelta(days=3)))
    ledger_finding = services.record_finding(
        inspection, actor=supervisor, severity=Severity.GENERAL, subject=FindingSubject.LEDGER,
        ledger=Ledger.ARCHIVE, description="线下档案与线上台账不一致，部分销号材料缺失。",
        rectification_required="逐件比对线上线下台账，补齐销号佐证材料。",
        deadline=today + timedelta(days=10))
    work_finding = services.record_finding(
        inspection, actor=supervisor, severity=Severity.MINOR, subject=FindingSubject.WORK,
        description="个别网格零报告连续多日未提交。",
        rectification_required="督促网格员每日按时提交零报告。",
        deadline=today + timedelta(days=5))
    if officer is None:
        return
    services.submit_rectification(work_finding, actor=officer,
                                  note="已约谈相关网格员，建立每日提醒机制，近三日零报告均按时提交。")
    if inspection.manner == InspectionManner.ANNOUNCED:
        services.accept_rectification(work_finding, actor=supervisor,
                                      note="经抽查近一周零报告，整改到位。")
        services.submit_rectification(ledger_finding, actor=officer,
                                      note="已完成线上线下台账比对，补齐12份销号材料。")


def _notice(group: SupervisionGroup) -> None:
    findings = list(Finding.objects.filter(inspection__group=group)
                    .select_related("community", "inspection").order_by("pk")[:4])
    if not findings or group.leader is None:
        return
    notice = services.draft_notice(actor=group.leader, group=group, findings=findings)
    services.send_notice(notice, actor=group.leader)


def _listings(street: Area, groups, leader, today) -> None:
    high = list(Risk.objects.filter(community__path__startswith=street.path,
                                    status__in=OPEN_STATUSES, level=RiskLevel.HIGH)
                .order_by("code")[:3])
    if leader is not None and high:
        services.list_for_supervision(actor=leader, risk=high[0],
                                      reason="高风险事项化解进度缓慢，街道挂牌督办。",
                                      deadline=today + timedelta(days=10))
    supervisor = groups[0].leader
    first_community = groups[0].communities.order_by("code").first()
    if supervisor is not None and first_community is not None:
        slipping = services.list_for_supervision(
            actor=supervisor, community=first_community,
            reason="督导发现台账管理问题较多，整社区挂牌督办。", deadline=today + timedelta(days=1))
        # Two deadlines slip: the daily job raises the grade to a yellow, then a red card.
        services.escalate_overdue_listings(today + timedelta(days=2))
        slipping.refresh_from_db()
        services.escalate_overdue_listings(slipping.deadline + timedelta(days=1))
    if leader is not None and len(high) > 1:
        listing = services.list_for_supervision(
            actor=leader, risk=high[1], reason="化解措施落实不到位、纠纷反复，需限期化解。",
            deadline=today + timedelta(days=3))
        services.escalate_overdue_listings(listing.deadline + timedelta(days=1))


def _campaigns(street: Area, leader, today) -> None:
    if leader is None:
        return
    departments = {department.code.split("-", 1)[1]: department
                   for department in Department.objects.filter(street=street)}
    communities = list(Area.objects.filter(path__startswith=street.path,
                                           kind=AreaKind.COMMUNITY).order_by("code"))
    if not departments or not communities:
        return
    for index, campaign in enumerate(Campaign.objects.order_by("position", "code")):
        texts = CAMPAIGN_TASKS.get(campaign.code)
        if texts is None:
            continue
        department_tasks, community_text, categories = texts
        for department_code, department_text in department_tasks:
            department = departments.get(department_code)
            if department is None:
                continue
            department_task = services.add_campaign_task(
                campaign, actor=leader, title=department_text, owner_department=department,
                deadline=today + timedelta(days=20 + index * 5))
            services.report_task_progress(department_task, actor=leader,
                                          note="已制定工作方案，正在推进。",
                                          progress=30 + index * 10,
                                          status=TaskStatus.IN_PROGRESS)
        for offset in (0, 5):
            community = communities[(index + offset) % len(communities)]
            task = services.add_campaign_task(
                campaign, actor=leader, title=community_text, owner_community=community,
                deadline=today + timedelta(days=10 + index * 3 + offset))
            officer = _officer(community)
            if officer is not None and offset == 0:
                services.report_task_progress(task, actor=officer, note="已逐件核查并建立工作台账。",
                                              progress=100, status=TaskStatus.DONE)
        for matter in (Risk.objects.filter(community__path__startswith=street.path,
                                           category__code__in=categories)
                       .order_by("code")[:4] if categories else []):
            services.link_matter(campaign, actor=leader, risk=matter)
