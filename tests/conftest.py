"""A small street and its people, named for who they are in the work plan.

Two communities (A and B) in one street, and a second street to prove that nothing
assumes a single street. Data is built through the services, as the app builds it.
"""

import os

import pytest
from django.conf import settings as django_settings

from accounts.models import User
from accounts.roles import Role
from grids.choices import AreaKind, Duty, GridType
from grids.services import assign_grid_duty, create_area, create_department
from supervision.models import SupervisionGroup

POSTGRES_CONFIGURED = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
REDIS_CONFIGURED = bool(django_settings.REDIS_URL)
CHROMIUM = "/usr/bin/chromium"


def browser_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config, items):
    require = os.environ.get("QUANFU_REQUIRE_SERVICES") == "1"
    missing = []
    for item in items:
        if "postgres" in item.keywords and not POSTGRES_CONFIGURED:
            missing.append("PostgreSQL (DATABASE_URL)")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not REDIS_CONFIGURED:
            missing.append("Redis (REDIS_URL)")
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
        if "browser" in item.keywords and not browser_available():
            missing.append(f"Playwright and {CHROMIUM}")
            item.add_marker(pytest.mark.skip(
                reason=f"needs Playwright and Debian's chromium at {CHROMIUM}"))
    if require and missing:
        raise pytest.UsageError(
            "QUANFU_REQUIRE_SERVICES=1 but tests would skip for lack of: "
            + ", ".join(sorted(set(missing)))
        )


@pytest.fixture(scope="session", autouse=True)
def cache_of_its_own():
    """Each xdist worker caches in a Redis database of its own: cache.clear(), which tests
    of cached figures call, flushes a whole database, the other worker's keys included."""
    from urllib.parse import urlsplit, urlunsplit

    from django.test import override_settings

    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = django_settings.CACHES["default"].get("LOCATION", "")
    if not location.startswith("redis://") or not worker_id.startswith("gw"):
        yield
        return
    parts = urlsplit(location)
    base = int(parts.path.strip("/") or 0)
    database = (base + 1 + int(worker_id[2:])) % 16
    caches = {"default": {**django_settings.CACHES["default"],
                          "LOCATION": urlunsplit(parts._replace(path=f"/{database}"))}}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def tasks_run_inline():
    """Tasks sent by the code under test run at once, in the test's thread; tests of the
    real broker and worker switch this off (see test_services and test_rhythm_reliability)."""
    from quanfu.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def language_of_the_site_after_each_test():
    """A request's language stays active in its thread after the response (LocaleMiddleware
    activates it, nothing deactivates it): a test asking in English must not leave the next
    test's messages in English."""
    from django.conf import settings as django_settings
    from django.utils import translation

    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def audit_sealed_as_written(settings):
    """Audit entries are chained as they are written, so that a test can read an entry's
    seq and hash at once; tests/test_audit_sealer.py covers the deferred sealing that
    production on PostgreSQL uses."""
    settings.AUDIT_SEALING = "inline"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PASSWORD = "demo12345"


def make_user(username, role, area, department=None, **extra) -> User:
    user = User(username=username, role=role, area=area, department=department,
                name=extra.pop("name", username), **extra)
    user.set_password(PASSWORD)
    user.full_clean()
    user.save()
    return user


class Street:
    """The areas of the test street, reachable by name."""


@pytest.fixture
def street(db):
    s = Street()
    s.street = create_area(kind=AreaKind.STREET, code="S1", name="全福街道")
    s.community_a = create_area(kind=AreaKind.COMMUNITY, code="S1-A", name="花园社区",
                                parent=s.street)
    s.community_b = create_area(kind=AreaKind.COMMUNITY, code="S1-B", name="东泉社区",
                                parent=s.street)
    s.grid_a1 = create_area(kind=AreaKind.GRID, code="S1-A-G1", name="花园第1网格",
                            parent=s.community_a, grid_type=GridType.BASIC)
    s.grid_a2 = create_area(kind=AreaKind.GRID, code="S1-A-G2", name="育英中学专属网格",
                            parent=s.community_a, grid_type=GridType.DEDICATED)
    s.grid_b1 = create_area(kind=AreaKind.GRID, code="S1-B-G1", name="东泉第1网格",
                            parent=s.community_b, grid_type=GridType.BASIC)
    s.micro_a1 = create_area(kind=AreaKind.MICROGRID, code="S1-A-G1-M1", name="花园1号楼",
                             parent=s.grid_a1)
    s.micro_b1 = create_area(kind=AreaKind.MICROGRID, code="S1-B-G1-M1", name="东泉1号楼",
                             parent=s.grid_b1)
    s.department = create_department(street=s.street, code="S1-pingan",
                                     name="平安法治和信访办公室")
    s.other_street = create_area(kind=AreaKind.STREET, code="S2", name="华山街道")
    s.community_other = create_area(kind=AreaKind.COMMUNITY, code="S2-A", name="华山社区",
                                    parent=s.other_street)
    return s


@pytest.fixture
def officer_a(street):
    return make_user("officer_a", Role.COMMUNITY_OFFICER, street.community_a)


@pytest.fixture
def colleague_a(street):
    return make_user("colleague_a", Role.COMMUNITY_OFFICER, street.community_a)


@pytest.fixture
def officer_b(street):
    """The outsider: an officer of community B."""
    return make_user("officer_b", Role.COMMUNITY_OFFICER, street.community_b)


@pytest.fixture
def grid_worker_a1(street):
    return make_user("grid_a1", Role.GRID_WORKER, street.grid_a1)


@pytest.fixture
def leader(street):
    return make_user("leader", Role.STREET_LEADER, street.street)


@pytest.fixture
def other_street_leader(street):
    return make_user("leader_s2", Role.STREET_LEADER, street.other_street)


@pytest.fixture
def section_staff(street):
    return make_user("staff_pingan", Role.SECTION_STAFF, street.street,
                     department=street.department)


@pytest.fixture
def department_head(street):
    """The head of the street's centre (平安办主任): section staff who may lead a matter."""
    return make_user("head_pingan", Role.SECTION_STAFF, street.street,
                     department=street.department, is_department_head=True)


@pytest.fixture
def social_staff(street):
    """Staff of a section that is not the street's centre: the social affairs section
    (社会事务办公室), where wage and labour disputes go."""
    social = create_department(street=street.street, code="S1-social", name="社会事务办公室")
    return make_user("staff_social", Role.SECTION_STAFF, street.street, department=social)


@pytest.fixture
def supervisor_a(street):
    """The supervisor whose group covers community A (and not B)."""
    user = make_user("supervisor_a", Role.SUPERVISOR, street.street)
    group = SupervisionGroup.objects.create(street=street.street, code="S1-SG1",
                                            name="第1督导组", leader=user)
    group.communities.set([street.community_a])
    return user


@pytest.fixture
def api_client_user(street):
    return make_user("district_platform", Role.API_CLIENT, street.street)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def roster_a1(street, officer_a, grid_worker_a1):
    """The duty roster of grid A1: the officer dispatches and resolves, the worker
    investigates and stabilises."""
    for duty, person in {Duty.DISPATCH: officer_a, Duty.INVESTIGATE: grid_worker_a1,
                         Duty.RESOLVE: officer_a, Duty.STABILIZE: grid_worker_a1}.items():
        assign_grid_duty(street.grid_a1, duty, person, actor=None)


@pytest.fixture
def api(db):
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between browser steps are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def log_in(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def pick_person(page, field, person):
    """Choose ``person`` in the person picker of ``field`` as one does: type the first two
    characters of their name, wait for them among the answers of the search, click them."""
    control = page.locator(f"#id_{field}-ts-control")
    control.click()
    control.press_sequentially(person.display_name[:2])
    page.locator(f"#id_{field}-ts-dropdown [data-value='{person.pk}']").click()
    page.wait_for_function(
        "([field, value]) => Array.from(document.getElementById('id_' + field).selectedOptions)"
        ".some(option => option.value === value)", arg=[field, str(person.pk)])


def write_off_with_approval(risk, *, requester, leader, note="经回访双方履行协议，予以销号。"):
    """Write off a resolved high-level matter as the plan wants it: ``requester`` (not the
    person who resolved it) asks, a street leader approves, the requester closes it."""
    from risks import approvals, services

    approval = approvals.request_approval(risk, kind="write_off", reason="化解到位，申请销号。",
                                          actor=requester)
    approvals.decide_approval(approval, approve=True, note="同意销号。", actor=leader)
    risk.refresh_from_db()
    return services.close_risk(risk, actor=requester, note=note)


def seed_taxonomy():
    """The categories and subtypes as the migrations leave them: seeded, the subtypes
    about people retired, the subject routes and clock rules seeded (for tests that run after a
    transactional test flushed them). Idempotent."""
    import importlib

    from django.apps import apps

    importlib.import_module("risks.migrations.0002_seed_categories").seed(apps, None)
    importlib.import_module("risks.migrations.0010_retire_subtypes_about_people").retire(
        apps, None)
    importlib.import_module("risks.migrations.0012_seed_subject_routes").seed(apps, None)
    importlib.import_module("risks.migrations.0014_seed_clock_rules").seed(apps, None)


@pytest.fixture
def categories(db):
    """The seven categories, seeded by the migration (and seeded again after a
    transactional test has flushed the tables)."""


    from risks.models import Category

    if not Category.objects.exists():
        seed_taxonomy()
    return {category.code: category for category in Category.objects.all()}


@pytest.fixture
def report(street, categories):
    """report(actor, **fields) -> Risk: a matter reported through the service, in grid A1
    by default, with a plausible title and description."""
    from risks.services import report_risk

    def _report(actor, **fields):
        fields.setdefault("title", "楼上漏水引发邻里纠纷")
        fields.setdefault("description", "住户反映楼上卫生间长期渗漏，双方多次争吵。")
        fields.setdefault("category", categories["disputes"])
        fields.setdefault("area", street.grid_a1)
        return report_risk(actor=actor, **fields).risk

    return _report


@pytest.fixture
def unmasker(street):
    """A street-level official allowed to see parties unmasked."""
    from django.contrib.auth.models import Permission

    user = make_user("unmasker", Role.STREET_LEADER, street.street)
    user.user_permissions.add(Permission.objects.get(codename="unmask_party"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def ready_to_start(report, officer_a, roster_a1, leader):
    """A verified, graded (medium) matter in grid A1 whose four duties are named."""
    from risks.services import update_risk, verify_risk

    def _ready(level="medium", **fields):
        risk = report(officer_a, **fields)
        risk = verify_risk(risk, actor=officer_a)
        changes = {"level": level}
        if level == "high":
            changes["lead"] = leader
        return update_risk(risk, actor=officer_a, version=risk.version, changes=changes)

    return _ready
