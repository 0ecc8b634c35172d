"""Demo meetings at the three tiers, with decisions, action items (some overdue), an
amendment, escalation rules and whistle calls; all through meetings.services, so that the
matters' histories show what the meetings did. Fictional throughout; idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from grids.choices import AreaKind
from grids.models import Area, Department
from meetings import services
from meetings.agenda import matters_awaiting_discussion, propose_agenda
from meetings.choices import Decision, MeetingKind
from meetings.models import Meeting
from risks.choices import RiskLevel, RiskStatus, Tier
from risks.models import Risk

RULES = {Tier.COMMUNITY: {RiskLevel.HIGH: 3, RiskLevel.MEDIUM: 10, RiskLevel.LOW: 20},
         Tier.STREET: {RiskLevel.HIGH: 7, RiskLevel.MEDIUM: 20, RiskLevel.LOW: 45}}
COMMUNITY_DECISIONS = [
    (Decision.ESCALATE, "社区多次调解未果，涉及多个职能部门，提请街道联席会议研究。"),
    (Decision.FOLLOW_UP, "由社区专干牵头，网格员每日走访，一周内再次组织双方调解。"),
    (Decision.SETTLE, "双方已达成调解协议并履行，经回访无反复，同意销号。"),
]


@transaction.atomic
def load_meetings(street: Area) -> int:
    """Hold the demo meetings of ``street``. Returns how many were created (0 when the
    street already has meetings)."""
    if Meeting.objects.filter(area__path__startswith=street.path).exists():
        return 0
    leader = User.objects.get(username="leader")
    departments = {department.code.split("-", 1)[1]: department
                   for department in Department.objects.filter(street=street)}
    today = timezone.localdate()
    for tier, levels in RULES.items():
        for level, days in levels.items():
            services.save_escalation_rule(actor=leader, street=street, tier=tier, level=level,
                                          days=days)
    communities = list(Area.objects.filter(path__startswith=street.path,
                                           kind=AreaKind.COMMUNITY).order_by("code")[:3])
    created = sum(_community_meeting(community, today, departments) for community in communities)
    created += _street_and_district_meetings(street, leader, today, departments)
    _whistles(street, departments)
    return created


def _community_meeting(community: Area, today, departments) -> int:
    officer = User.objects.filter(role=Role.COMMUNITY_OFFICER, area=community).first()
    matters = list(Risk.objects.filter(area__path__startswith=community.path,
                                       tier=Tier.COMMUNITY, status=RiskStatus.RESOLVING)
                   .order_by("code")[:3])
    if officer is None or not matters:
        return 0
    workers = list(User.objects.filter(role=Role.GRID_WORKER,
                                       area__path__startswith=community.path)[:2])
    held_on = today - timedelta(days=21)
    meeting = services.create_meeting(
        actor=officer, tier=Tier.COMMUNITY, title=f"{community.name}矛盾纠纷联席会议",
        held_on=held_on, chair=officer, location=f"{community.name}党群服务中心",
        attendees=[officer, *workers], departments=[departments["pingan"]],
        other_attendees="辖区派出所社区民警、物业公司负责人",
        minutes="会议逐一研判本社区近期排查发现的风险隐患，明确化解责任和时限。",
        risks=matters)
    for item, (decision, note) in zip(meeting.items.order_by("position"),
                                      COMMUNITY_DECISIONS, strict=False):
        services.record_decision(item, actor=officer, decision=decision, note=note)
        if decision == Decision.FOLLOW_UP:
            services.add_action_item(meeting, actor=officer, item=item,
                                     title="再次组织双方调解并报告结果", owner=officer,
                                     deadline=held_on + timedelta(days=7))
    services.approve_meeting(meeting, actor=officer)
    return 1


def _street_and_district_meetings(street: Area, leader, today, departments) -> int:
    matters = list(matters_awaiting_discussion(leader, Tier.STREET, street)
                   .filter(status=RiskStatus.RESOLVING).order_by("arrived_at", "id")[:4])
    if not matters:
        return 0
    joint = services.create_meeting(
        actor=leader, tier=Tier.STREET, title="全福街道社会稳定风险隐患联席会议",
        held_on=today - timedelta(days=14), chair=leader, location="街道办事处三楼会议室",
        attendees=[leader], departments=list(departments.values())[:5],
        minutes="会议听取各社区提请事项汇报，逐项研究化解措施，明确牵头科室和办结时限。",
        risks=matters)
    items = list(joint.items.order_by("position"))
    services.record_decision(items[0], actor=leader, decision=Decision.ESCALATE,
                             note="涉及区级职能部门，提请区联席会议协调解决。")
    for index, item in enumerate(items[1:], start=1):
        owner_department = list(departments.values())[index % len(departments)]
        services.record_decision(item, actor=leader, decision=Decision.FOLLOW_UP,
                                 note=f"由{owner_department.name}牵头，社区配合，限期化解。")
        deadline = joint.held_on + timedelta(days=7 if index == 1 else 30)  # one overdue
        services.add_action_item(joint, actor=leader, item=item, owner_department=owner_department,
                                 title="制定化解方案并组织落实", deadline=deadline)
    services.approve_meeting(joint, actor=leader)
    services.amend_minutes(joint, actor=leader, minutes=joint.minutes + "\n会议还通报了上周风险隐患统计情况。",
                           reason="补记会议通报的统计情况。")

    district = services.create_meeting(
        actor=leader, tier=Tier.DISTRICT, title="历城区社会稳定风险隐患联席会议（全福街道议题）",
        held_on=today - timedelta(days=7), chair=leader, attendees=[leader],
        other_attendees="区信访局、区人社局、区住建局有关负责同志", risks=[items[0].risk],
        minutes="区联席会议研究全福街道提请事项，明确由街道牵头、区直部门配合化解。")
    services.record_decision(district.items.get(), actor=leader, decision=Decision.SEND_DOWN,
                             note="由全福街道牵头化解，区人社局派员指导，一个月内办结。")
    services.approve_meeting(district, actor=leader)

    weekly = services.create_meeting(
        actor=leader, tier=Tier.STREET, kind=MeetingKind.PARTY_COMMITTEE,
        title="党工委会议：每周风险隐患分析研判", held_on=today - timedelta(days=2), chair=leader,
        attendees=[leader], minutes="分析本周新增、化解、销号情况和变化趋势，部署下周重点工作。")
    topic = services.add_agenda_item(weekly, actor=leader, topic="本周风险隐患统计与趋势研判")
    services.record_decision(topic, actor=leader, decision=Decision.NOTED,
                             note="高风险事项化解率需加快，各社区每日核实比对。")
    services.approve_meeting(weekly, actor=leader)

    upcoming = services.create_meeting(
        actor=leader, tier=Tier.STREET, title="全福街道联席会议（下周）",
        held_on=today + timedelta(days=5), chair=leader, attendees=[leader])
    proposal = propose_agenda(upcoming, leader)  # the rest stays proposed, for the chair
    for action_item in proposal.action_items:
        services.add_agenda_item(upcoming, actor=leader, action_item=action_item)
    sent_down = items[0].risk_id  # back from the district: first on the next agenda
    for risk in sorted(proposal.matters, key=lambda matter: matter.pk != sent_down)[:3]:
        services.add_agenda_item(upcoming, actor=leader, risk=risk)
    return 5


def _whistles(street: Area, departments) -> None:
    matters = list(Risk.objects.filter(area__path__startswith=street.path, tier=Tier.COMMUNITY,
                                       status=RiskStatus.VERIFIED).select_related("area")
                   .order_by("code")[:3])
    if len(matters) < 3:
        return
    now = timezone.now()
    staff = {user.department_id: user for user in User.objects.filter(role=Role.SECTION_STAFF)}
    plans = [
        (matters[0], ["urban", "enforcement"], now - timedelta(hours=2), now + timedelta(hours=22),
         "小区群租房私拉电线，请城管、执法部门到场联合检查。"),
        (matters[1], ["pingan", "social"], now - timedelta(days=3), now - timedelta(days=2),
         "当事人情绪激动，请相关科室到社区共同做好稳控和政策解释。"),
        (matters[2], ["emergency"], now, now + timedelta(days=1), "存在消防隐患，请应急办到场指导。"),
    ]
    calls = []
    for risk, codes, called_at, respond_by, request in plans:
        caller = User.objects.filter(role=Role.GRID_WORKER, area=risk.area).first() or \
            User.objects.filter(role=Role.COMMUNITY_OFFICER,
                                area_id=risk.area.ancestor_ids()[1]).first()
        calls.append(services.blow_whistle(
            risk, actor=caller, departments=[departments[code] for code in codes],
            respond_by=respond_by, request=request, called_at=called_at))
    for report in calls[0].reports.all():  # all report in: the call closes
        services.report_in(report, actor=staff[report.department_id],
                           plan="已安排两名工作人员今日到场核查，三日内反馈处理结果。")
    late = calls[1].reports.get(department=departments["pingan"])  # one late, one overdue
    services.report_in(late, actor=staff[late.department_id], plan="已派员到社区做稳控工作。")
