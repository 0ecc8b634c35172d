"""One demo user per role and scope, all with the password ``demo12345``."""

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from grids.choices import AreaKind, Duty
from grids.models import Area, Department
from grids.services import assign_grid_duty

DEMO_PASSWORD = "demo12345"


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

    def add(username, **fields):
        user, is_new = _user(username, password_hash, **fields)
        if is_new:
            created.append(user)
        return user

    add("admin", name="系统管理员", is_staff=True, is_superuser=True)
    add("leader", name="刘长春", role=Role.STREET_LEADER, area=street)
    add("api_district", name="区网格化服务管理平台", role=Role.API_CLIENT, area=street)
    for department in departments:
        short = department.code.split("-", 1)[1]
        add(f"staff_{short}", name=f"{department.name}干部", role=Role.SECTION_STAFF,
            area=street, department=department)
    for number in (1, 2, 3):
        add(f"supervisor_g{number}", name=f"第{number}督导组组长", role=Role.SUPERVISOR,
            area=street)
    communities = Area.objects.filter(path__startswith=street.path, kind=AreaKind.COMMUNITY)
    for community in communities:
        suffix = community.code.rsplit("-", 1)[1].lower()
        officer = add(f"officer_{suffix}", name=f"{community.name}专干",
                      role=Role.COMMUNITY_OFFICER, area=community)
        grids = Area.objects.filter(path__startswith=community.path, kind=AreaKind.GRID)
        for grid in grids:
            grid_suffix = grid.code.rsplit("-", 1)[1].lower()
            worker = add(f"grid_{suffix}_{grid_suffix}", name=f"{grid.name}网格员",
                         role=Role.GRID_WORKER, area=grid)
            roster = {Duty.DISPATCH: officer, Duty.INVESTIGATE: worker,
                      Duty.RESOLVE: officer, Duty.STABILIZE: worker}
            for duty, person in roster.items():
                assign_grid_duty(grid, duty, person, actor=None)
    return created
