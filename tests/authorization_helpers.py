"""Shared by the authorisation matrix and the Content-Security-Policy test: every URL
pattern of the project, found by walking the resolver, and a small world with one object
of each kind inside community A, built through the services, to fill the patterns' ids.

The world lives for a whole test module inside a transaction that is rolled back at the
end (each test runs in its own savepoint within it), so the matrix builds it once.
"""

import importlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from accounts.roles import Role
from accounts.services import issue_api_token
from grids.choices import AreaKind, Duty, GridType
from grids.restructuring import request_change
from grids.services import assign_grid_duty, create_area, create_department
from inbox.services import notify
from ledgers import services as ledger_services
from meetings import services as meeting_services
from meetings.choices import Tier as MeetingTier
from rhythm import services as rhythm_services
from rhythm.models import DailyCheckItem
from risks import services as risk_services
from risks.approvals import request_approval
from risks.choices import RiskLevel, Tier
from risks.models import Category, ClockRule, Risk
from supervision import services as supervision_services
from supervision.models import Campaign, SupervisionGroup
from tests.conftest import Street, make_user, seed_taxonomy
from tests.meetings_helpers import hold
from tests.supervision_helpers import EMERGENCY_PLAN, days_from_today, find, inspect
from webhooks import services as webhook_services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo_png() -> bytes:
    """A real (tiny) PNG: a matter's photos are decoded and written again by the server."""
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# The URL patterns ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    """One URL pattern: its key (``namespace:name``, or the route for an unnamed one), the
    full route as written, the names of its arguments in order, and the pattern itself."""

    key: str
    route: str
    arguments: tuple[str, ...]
    pattern: URLPattern

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _arguments(resolver_chain) -> tuple[str, ...]:
    names = []
    for item in resolver_chain:
        regex = item.pattern.regex
        names.extend(sorted(regex.groupindex, key=regex.groupindex.get))
    return tuple(names)


def walk_patterns(resolver=None, prefix="", namespace=None, chain=()):
    """Every URLPattern below ``resolver`` (the project's root by default), recursively
    through includes, namespaces and the API routers."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk_patterns(entry, prefix + str(entry.pattern), inner,
                                     chain + (entry,))
        else:
            route = prefix + str(entry.pattern)
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                key = route
            yield Pattern(key, route, _arguments(chain + (entry,)), entry)


def all_patterns() -> list[Pattern]:
    return list(walk_patterns())


# The people ---------------------------------------------------------------------------------

ROLES = ("anonymous", "grid_worker", "officer", "other_officer", "section_staff",
         "supervisor", "leader", "other_leader", "api_client", "superuser")


def make_people(street) -> dict:
    """The personas of tests/conftest.py, one of each role (``anonymous`` is None)."""
    from accounts.models import User
    from tests.conftest import PASSWORD

    supervisor = make_user("supervisor_a", Role.SUPERVISOR, street.street)
    group = SupervisionGroup.objects.create(street=street.street, code="S1-SG1",
                                            name="第1督导组", leader=supervisor)
    group.communities.set([street.community_a])
    return {
        "anonymous": None,
        "grid_worker": make_user("grid_a1", Role.GRID_WORKER, street.grid_a1),
        "officer": make_user("officer_a", Role.COMMUNITY_OFFICER, street.community_a),
        "other_officer": make_user("officer_b", Role.COMMUNITY_OFFICER, street.community_b),
        "section_staff": make_user("staff_pingan", Role.SECTION_STAFF, street.street,
                                   department=street.department),
        "supervisor": supervisor,
        "leader": make_user("leader", Role.STREET_LEADER, street.street),
        "other_leader": make_user("leader_s2", Role.STREET_LEADER, street.other_street),
        "api_client": make_user("district_platform", Role.API_CLIENT, street.street),
        "superuser": User.objects.create_superuser("root", "root@example.com", PASSWORD),
    }


# The world ----------------------------------------------------------------------------------

def build_street() -> Street:
    """The areas of tests/conftest.py's ``street`` fixture (the same codes and names)."""
    s = Street()
    s.street = create_area(kind=AreaKind.STREET, code="S1", name="全福街道")
    s.community_a = create_area(kind=AreaKind.COMMUNITY, code="S1-A", name="花园社区",
                                parent=s.street)
    s.community_b = create_area(kind=AreaKind.COMMUNITY, code="S1-B", name="东泉社区",
                                parent=s.street)
    s.grid_a1 = create_area(kind=AreaKind.GRID, code="S1-A-G1", name="花园第1网格",
                            parent=s.community_a, grid_type=GridType.BASIC)
    s.grid_b1 = create_area(kind=AreaKind.GRID, code="S1-B-G1", name="东泉第1网格",
                            parent=s.community_b, grid_type=GridType.BASIC)
    s.department = create_department(street=s.street, code="S1-pingan",
                                     name="平安法治和信访办公室")
    s.other_street = create_area(kind=AreaKind.STREET, code="S2", name="华山街道")
    s.community_other = create_area(kind=AreaKind.COMMUNITY, code="S2-A", name="华山社区",
                                    parent=s.other_street)
    return s


def seed_reference_data():
    """Categories and campaigns as their data migrations seed them (a transactional test
    that ran earlier has flushed them). Both seeds are idempotent."""
    if not Category.objects.exists():
        seed_taxonomy()
    importlib.import_module("supervision.migrations.0004_seed_campaigns").seed(apps, None)
    importlib.import_module("supervision.migrations.0006_key_groups_summary_on_matters"
                            ).rewrite(apps, None)


def build_objects(street, people) -> dict:
    """One object of each kind the URL patterns name, all inside community A (grid A1),
    owned by its officer, built through the services. Returns {name: value for the URL}."""
    officer, worker, leader = people["officer"], people["grid_worker"], people["leader"]
    supervisor = people["supervisor"]
    for duty, person in {Duty.DISPATCH: officer, Duty.INVESTIGATE: worker,
                         Duty.RESOLVE: officer, Duty.STABILIZE: worker}.items():
        assign_grid_duty(street.grid_a1, duty, person, actor=None)
    categories = {category.code: category for category in Category.objects.all()}

    # A matter of grid A1 owned by the street's section (so that its staff see it, 属事),
    # verified and graded, found ten days ago (an escalation rule flags it), with a party,
    # a resolution plan and an emergency plan.
    risk = risk_services.report_risk(
        actor=officer, title="楼上漏水引发邻里纠纷", description="住户反映楼上卫生间长期渗漏。",
        category=categories["disputes"], area=street.grid_a1, department=street.department,
        discovered_at=timezone.now() - timedelta(days=10)).risk
    risk = risk_services.verify_risk(risk, actor=officer)
    risk = risk_services.update_risk(risk, actor=officer, version=risk.version,
                                     changes={"level": RiskLevel.MEDIUM})
    party = risk_services.add_party(risk, actor=officer, name="张三丰", phone="13812345678")
    # the officer asks the street's leaders to extend its deadline (审批)
    approval = request_approval(risk, kind="extension", days=3, reason="等待鉴定结论",
                                actor=officer)
    plan = risk_services.save_emergency_plan(risk, actor=officer, **EMERGENCY_PLAN)
    risk_services.record_drill(plan, actor=officer, held_on=timezone.localdate(),
                               participants="社区、网格员", summary="演练顺利。")
    meeting_services.save_escalation_rule(actor=leader, street=street.street,
                                          tier=Tier.COMMUNITY, level=RiskLevel.MEDIUM,
                                          days=2)

    # Ledgers: the archive sheet, a finished background export, a marked import copy.
    ledger_services.file_archive(risk, actor=officer, location="社区档案柜", documents=[])
    with override_settings(LEDGER_EXPORT_SYNC_ROWS=0):
        outcome = ledger_services.export_ledger(actor=officer, ledger="online",
                                                params=QueryDict())
    job = ledger_services.run_export_job(outcome.job.pk)
    marked = default_storage.save(f"{ledger_services.IMPORT_FOLDER}/{officer.pk}/marked.xlsx",
                                  ContentFile(b"PK\x03\x04 marked copy"))

    # Meetings: a draft community meeting on the matter, an action item, a whistle call.
    meeting = hold(officer, MeetingTier.COMMUNITY, risks=[risk], area=street.community_a)
    item = meeting.items.get()
    action_item = meeting_services.add_action_item(
        meeting, actor=officer, title="组织调解", deadline=days_from_today(5), owner=officer,
        item=item)
    call = meeting_services.blow_whistle(
        risk, actor=worker, departments=[street.department], request="请派员到场",
        respond_by=timezone.now() + timedelta(hours=24))

    # The rhythm: a T+2 warning, today's checklist, an instruction to the grid worker.
    warning = rhythm_services.issue_warning(risk, actor=officer, content="当事人情绪激动")
    rhythm_services.run_daily_checks(timezone.localdate())
    check_item = DailyCheckItem.objects.get(risk=risk)
    instruction = rhythm_services.send_instruction(
        actor=officer, workers=[worker], kind="visit", content="入户走访当事人",
        deadline=timezone.now() + timedelta(hours=4), risk=risk)

    # Supervision: an inspection of A with a finding and its evidence, a notice, a listing,
    # a campaign task owned by A and the matter linked to the campaign.
    inspection = inspect(supervisor, street.community_a)
    finding = find(supervisor, inspection)
    evidence = supervision_services.add_evidence(
        finding, actor=supervisor, upload=SimpleUploadedFile("现场.png", PNG))
    group = SupervisionGroup.objects.get(leader=supervisor)
    notice = supervision_services.draft_notice(actor=supervisor, group=group,
                                               findings=[finding])
    listing = supervision_services.list_for_supervision(
        actor=leader, reason="久拖未决。", deadline=days_from_today(10), risk=risk)
    campaign = Campaign.objects.order_by("pk").first()
    task = supervision_services.add_campaign_task(
        campaign, actor=leader, title="排查出租房", deadline=days_from_today(20),
        owner_community=street.community_a)
    link = supervision_services.link_matter(campaign, actor=leader, risk=risk)

    message = notify([officer], kind="test", title="测试通知", key="matrix", email=False)[0]
    # A change of areas asked by A's officer: grid A1 renamed (区域调整)
    area_change = request_change(actor=officer, kind="rename", area=street.grid_a1,
                                 effective_on=timezone.localdate(), reason="道路更名。",
                                 spec={"name": "花园一网格"})

    # Rows for the admin's change pages: a resolution plan, a zero report, a campaign
    # progress report and an API token.
    risk_services.save_resolution_plan(risk, actor=officer, measures="组织双方调解。")
    # yesterday's: today grid A1 has its matter, which is its report
    zero_report = rhythm_services.file_zero_report(
        street.grid_a1, actor=worker, day=timezone.localdate() - timedelta(days=1))
    supervision_services.report_task_progress(task, actor=officer, note="已排查。",
                                              progress=20, status="in_progress")
    issue_api_token(people["api_client"], name="district platform")
    # The API client's webhook subscription (issue 21), to a loopback address.
    with override_settings(WEBHOOK_ALLOW_LOOPBACK=True):
        subscription = webhook_services.subscribe(
            actor=people["api_client"], url="http://127.0.0.1:9/hook",
            events=["risk.changed"]).subscription
    # A photo of the scene on the matter, added by the grid worker.
    attachment = risk_services.attach_file(
        risk, SimpleUploadedFile("现场.png", photo_png(), content_type="image/png"),
        actor=worker)

    return {
        "area": street.grid_a1.pk, "community": street.community_a.pk,
        "street": street.street.pk, "department": street.department.pk,
        "person": officer.pk, "category": "disputes", "message": message.pk,
        "risk": risk.pk, "party": party.pk, "approval": approval.pk,
        "clock_rule": ClockRule.objects.order_by("pk").first().pk,
        "ledger": "online", "export_job": job.pk, "marked_copy": marked.rsplit("/", 1)[-1],
        "meeting": meeting.pk, "item": item.pk, "action_item": action_item.pk,
        "whistle": call.pk, "department_report": call.reports.get().pk, "tier": "community",
        "warning": warning.pk, "check_item": check_item.pk,
        "instruction_answer": instruction.recipients.get().pk,
        "instruction": instruction.pk, "zero_report": zero_report.pk,
        "group": group.pk, "inspection": inspection.pk, "finding": finding.pk,
        "finding_action": "submit", "evidence": evidence.pk, "notice": notice.pk,
        "listing": listing.pk, "campaign": campaign.pk, "campaign_task": task.pk,
        "campaign_link": link.pk, "guide_role": "grid_worker",
        "attachment": attachment.pk, "webhook_subscription": subscription.pk,
        "area_change": area_change.pk, "change_kind": "rename",
        # a grid worker's account that community A keeps; a one-time password link's
        # parts that name nobody (the page says the link does not work)
        "worker_account": worker.pk, "link_uid": "MA", "link_token": "none-none",
    }


class LeanClient(Client):
    """The test client without its record of the templates and contexts each response
    rendered (copying every context is a third of a page's time, and these tests read only
    the answer and the body). Server errors still raise."""

    def request(self, **request):
        exception_uid = f"lean-client-exception-{id(request)}"
        got_request_exception.connect(self.store_exc_info, dispatch_uid=exception_uid)
        try:
            response = self.handler(self._base_environ(**request))
        finally:
            got_request_exception.disconnect(dispatch_uid=exception_uid)
        self.check_exception(response)
        return response


def client_for(world, role) -> Client:
    """A client with the role's session (logged in once, when the world was built)."""
    client = LeanClient(raise_request_exception=True)
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


@dataclass
class World:
    street: object
    people: dict
    objects: dict
    secrets: tuple = ()  # what only those who see community A's matter may read
    sessions: dict = field(default_factory=dict)  # role: session key

    def risk(self) -> Risk:
        return Risk.objects.get(pk=self.objects["risk"])


@contextmanager
def world_in_rolled_back_transaction(django_db_blocker, media_root):
    """Build the world once; everything is rolled back when the block ends."""
    from quanfu.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with django_db_blocker.unblock(), override_settings(
            MEDIA_ROOT=str(media_root),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        try:
            with transaction.atomic():
                seed_reference_data()
                street = build_street()
                people = make_people(street)
                objects = build_objects(street, people)
                risk = Risk.objects.get(pk=objects["risk"])
                world = World(street, people, objects,
                              secrets=(risk.code, risk.title, "张三丰", "13812345678"))
                for role, person in people.items():
                    if person is not None:
                        client = Client()
                        client.force_login(person)
                        world.sessions[role] = client.cookies[
                            settings.SESSION_COOKIE_NAME].value
                yield world
                transaction.set_rollback(True)
        finally:
            app.conf.task_always_eager = eager
