"""Builders shared by the supervision tests: matters taken to a given status, level, tier
and due date through the register's own services; supervision through its services."""

import importlib
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from accounts.roles import Role
from grids.choices import Duty
from risks import services as risk_services
from risks.choices import RiskLevel, RiskStatus, Tier
from supervision import services
from supervision.models import Campaign, SupervisionGroup
from tests.conftest import make_user, write_off_with_approval

EMERGENCY_PLAN = {"start_criteria": "发生肢体冲突", "stop_criteria": "情绪平稳",
                  "command": "社区书记现场指挥", "duties": "社区劝导、网格员稳控",
                  "measures": "隔离双方、组织调解", "supplies": "执法记录仪"}


def days_from_today(days: int):
    return timezone.localdate() + timedelta(days=days)


def seed_campaigns():
    """The six campaigns as their data migration seeds them (a transactional test that
    ran earlier has flushed them). Idempotent."""
    importlib.import_module("supervision.migrations.0004_seed_campaigns").seed(apps, None)
    importlib.import_module("supervision.migrations.0006_key_groups_summary_on_matters"
                            ).rewrite(apps, None)
    return {campaign.code: campaign for campaign in Campaign.objects.all()}


@dataclass
class Spec:
    """A matter to build: where, what, and how far through its life."""

    community: str = "a"          # "a" or "b"
    category: str = "disputes"
    level: str | None = RiskLevel.MEDIUM
    status: str = RiskStatus.REPORTED
    tier: str = Tier.COMMUNITY
    overdue: bool = False
    title: str = ""               # by default one that names the spec


class MatterMaker:
    """Builds matters in communities A and B of the test street through risks.services.
    Duties come from grid A1's roster in A, and are named explicitly in B."""

    def __init__(self, street, categories, officer_a, officer_b, leader):
        self.street, self.categories, self.leader = street, categories, leader
        self.officers = {"a": officer_a, "b": officer_b}
        self.areas = {"a": street.grid_a1, "b": street.grid_b1}
        self.verifiers = {}

    def make(self, spec: Spec):
        officer = self.officers[spec.community]
        duties = None if spec.community == "a" else {duty: officer for duty in Duty.values}
        due_on = days_from_today(-3) if spec.overdue else days_from_today(10)
        risk = risk_services.report_risk(
            actor=officer, title=spec.title or f"测试事项{spec.category}{spec.status}",
            duties=duties,
            description="用于督导看板测试的事项。", category=self.categories[spec.category],
            area=self.areas[spec.community], level=spec.level, due_on=due_on).risk
        if spec.status == RiskStatus.REPORTED:
            return self._tier(risk, officer, spec)
        if spec.status == RiskStatus.INVALID:
            return risk_services.reject_risk(risk, actor=officer, note="经核实不属于风险隐患。")
        risk = risk_services.verify_risk(risk, actor=officer)
        if spec.status == RiskStatus.VERIFIED:
            return self._tier(risk, officer, spec)
        if spec.level == RiskLevel.HIGH:
            risk = risk_services.update_risk(risk, actor=officer, version=risk.version,
                                             changes={"lead": self.leader})
            risk_services.save_emergency_plan(risk, actor=officer, **EMERGENCY_PLAN)
        risk = risk_services.start_risk(risk, actor=officer)
        if spec.status == RiskStatus.RESOLVING:
            return self._tier(risk, officer, spec)
        risk = risk_services.resolve_risk(risk, actor=officer, note="双方达成调解协议。")
        if spec.status == RiskStatus.RESOLVED:
            return risk
        verifier = self.verifier(spec.community)
        if risk.level == RiskLevel.HIGH:  # the verifier asks, a leader of the street approves
            return write_off_with_approval(risk, requester=verifier,
                                           leader=self.leader_of(spec.community))
        return risk_services.close_risk(risk, actor=verifier, note="经回访履行协议，予以销号。")

    def _community(self, community: str):
        area = self.areas[community]
        return area if area.kind == "community" else area.parent

    def verifier(self, community: str):
        """A second officer of the community: verifies what the first resolved (made when
        first needed, so that tests counting people are not disturbed)."""
        if community not in self.verifiers:
            self.verifiers[community] = make_user(f"verifier_{community}",
                                                  Role.COMMUNITY_OFFICER,
                                                  self._community(community))
        return self.verifiers[community]

    def leader_of(self, community: str):
        street = self._community(community).parent
        if street.pk == self.leader.area_id:
            return self.leader
        return make_user(f"leader_{community}", Role.STREET_LEADER, street)

    def _tier(self, risk, officer, spec: Spec):
        if spec.tier == Tier.STREET:
            return risk_services.escalate_risk(risk, actor=officer, note="社区调解未果。")
        return risk

    def many(self, specs):
        return [self.make(spec) for spec in specs]


# A varied set: every status, level, tier, two categories, overdue and not, both communities.
VARIED = [
    Spec("a", "disputes", RiskLevel.HIGH, RiskStatus.REPORTED, overdue=True),
    Spec("a", "disputes", RiskLevel.MEDIUM, RiskStatus.VERIFIED),
    Spec("a", "disputes", RiskLevel.LOW, RiskStatus.RESOLVING, overdue=True),
    Spec("a", "disputes", RiskLevel.LOW, RiskStatus.RESOLVED),
    Spec("a", "disputes", RiskLevel.MEDIUM, RiskStatus.CLOSED),
    Spec("a", "public_order", RiskLevel.HIGH, RiskStatus.CLOSED),
    Spec("a", "public_order", RiskLevel.MEDIUM, RiskStatus.INVALID),
    Spec("a", "public_order", None, RiskStatus.REPORTED),
    Spec("a", "public_order", RiskLevel.MEDIUM, RiskStatus.VERIFIED, Tier.STREET),
    Spec("b", "disputes", RiskLevel.HIGH, RiskStatus.RESOLVING),
    Spec("b", "disputes", RiskLevel.LOW, RiskStatus.CLOSED),
    Spec("b", "cyber", RiskLevel.MEDIUM, RiskStatus.REPORTED, Tier.STREET, overdue=True),
    Spec("b", "cyber", RiskLevel.LOW, RiskStatus.VERIFIED),
]


def group_for(street, supervisor, communities, code="S1-SG9"):
    """A supervision group led by ``supervisor`` covering ``communities``."""
    group = SupervisionGroup.objects.create(street=street.street, code=code,
                                            name=f"督导组{code}", leader=supervisor)
    group.communities.set(communities)
    return group


def group_of(supervisor):
    return SupervisionGroup.objects.get(leader=supervisor)


def inspect(supervisor, community, **fields):
    group = group_of(supervisor)
    fields.setdefault("held_on", days_from_today(-2))
    fields.setdefault("checked", "查阅台账，抽查高风险事项。")
    return services.record_inspection(actor=supervisor, group=group, community=community,
                                      **fields)


def find(supervisor, inspection, **fields):
    fields.setdefault("description", "台账更新不及时。")
    fields.setdefault("rectification_required", "三日内补齐台账。")
    fields.setdefault("deadline", days_from_today(5))
    return services.record_finding(inspection, actor=supervisor, **fields)


def another_supervisor(street, username="supervisor_b", communities=None):
    user = make_user(username, Role.SUPERVISOR, street.street)
    group_for(street, user, communities or [street.community_b], code=f"S1-{username}")
    return user
