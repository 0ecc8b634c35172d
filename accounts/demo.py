"""One demo user per role and scope, all with the password ``demo12345``."""

import random

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from grids.choices import AreaKind, Duty
from grids.models import Area, Department
from grids.services import assign_grid_duty

DEMO_PASSWORD = "demo12345"
# Every demo person has an invented name (DOMAIN.md): never one from the work plan or
# any other real document. Usernames say the role and scope; names are what pages show.
SURNAMES = "王李张陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
GIVEN_NAMES = ["晓东", "雅琴", "志远", "慧敏", "建华", "丽萍", "国栋", "文静", "海鹏", "春燕",
               "立新", "玉兰", "子涵", "振宇", "淑芬", "明辉", "佳怡", "永刚", "秋菊", "浩然"]


def invented_names(seed: int = 1501):
    """Distinct invented full names, in the same order on every run."""
    names = [surname + given for surname in SURNAMES for given in GIVEN_NAMES]
    random.Random(seed).shuffle(names)
    yield from names


def _user(username, password_hash, **fields) -> tuple[User, bool]:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    user = User(username=username, password=password_hash, **fields)
    user.full_clean(exclude=["password"])
    user.save()
    return user, True


@transaction.atomic
def load_users(street: Area, departments: list[Department]) -> list[User]:
    """Create the demo users and fill every grid's duty roster. Returns the new users."""
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow by design
    created = []
    names = invented_names()

    def add(username, **fields):
        user, is_new = _user(username, password_hash, **fields)
        if is_new:
            created.append(user)
        return user

    def add_person(username, **fields):
        return add(username, name=next(names), **fields)

    # admin and api_district are no person: the operators' account and a platform.
    add("admin", name="系统管理员", is_staff=True, is_superuser=True)
    add_person("leader", role=Role.STREET_LEADER, area=street)
    # a second leader: approvals (审批) are decided by a leader who did not ask for them
    add_person("leader2", role=Role.STREET_LEADER, area=street)
    add("api_district", name="区网格化服务管理平台", role=Role.API_CLIENT, area=street)
    for department in departments:
        short = department.code.split("-", 1)[1]
        add_person(f"staff_{short}", role=Role.SECTION_STAFF, area=street, department=department)
    for number in (1, 2, 3):
        add_person(f"supervisor_g{number}", role=Role.SUPERVISOR, area=street)
    communities = Area.objects.filter(path__startswith=street.path,
                                      kind=AreaKind.COMMUNITY).order_by("code")
    for community in communities:
        suffix = community.code.rsplit("-", 1)[1].lower()
        officer = add_person(f"officer_{suffix}", role=Role.COMMUNITY_OFFICER, area=community)
        grids = Area.objects.filter(path__startswith=community.path,
                                    kind=AreaKind.GRID).order_by("code")
        for grid in grids:
            grid_suffix = grid.code.rsplit("-", 1)[1].lower()
            worker = add_person(f"grid_{suffix}_{grid_suffix}", role=Role.GRID_WORKER, area=grid)
            roster = {Duty.DISPATCH: officer, Duty.INVESTIGATE: worker,
                      Duty.RESOLVE: officer, Duty.STABILIZE: worker}
            for duty, person in roster.items():
                assign_grid_duty(grid, duty, person, actor=None)
    # the sections' heads (科室负责人), who with the leaders may lead a matter (包案领导);
    # added last, so that everyone else keeps the name they had
    for department in departments:
        short = department.code.split("-", 1)[1]
        add_person(f"head_{short}", role=Role.SECTION_STAFF, area=street, department=department,
                   is_department_head=True)
    return created
