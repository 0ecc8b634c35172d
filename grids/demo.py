"""The Quanfu street as demo data: 15 communities, their grids and micro-grids, and the
street office's departments. Names are fictional but plausible. Idempotent by code.
"""

import random

from grids.choices import AreaKind, GridType
from grids.models import Area, Department
from grids.services import create_area, create_department
from grids.tessellation import invent_boundaries

STREET_CODE = "QF"
STREET_NAME = "全福街道"

COMMUNITY_NAMES = [
    "全福社区", "花园社区", "东泉社区", "西泉社区", "荷花路社区",
    "将军路社区", "盛福社区", "祥泰社区", "鑫苑社区", "华信路社区",
    "七里河社区", "工业北路社区", "辛甸社区", "汇泉社区", "福润社区",
]

DEDICATED_GRIDS = [
    "育英中学专属网格", "全福农贸市场专属网格", "第四人民医院分院专属网格",
    "全福小学专属网格", "华信商业广场专属网格", "东泉建材市场专属网格",
]

DEPARTMENTS = [
    ("office", "党政综合办公室"),
    ("pingan", "平安法治和信访办公室"),
    ("social", "社会事务办公室"),
    ("economy", "经济发展办公室"),
    ("urban", "城市管理办公室"),
    ("emergency", "应急管理办公室"),
    ("community", "社区建设办公室"),
    ("enforcement", "综合行政执法中队"),
]


def community_code(number: int) -> str:
    return f"{STREET_CODE}-C{number:02d}"


def grid_code(community_number: int, grid_number: int) -> str:
    return f"{community_code(community_number)}-G{grid_number:02d}"


def _area(kind, code, name, parent=None, grid_type=""):
    existing = Area.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return create_area(kind=kind, code=code, name=name, parent=parent, grid_type=grid_type)


def load_areas() -> Area:
    """Create the street, its communities, grids and micro-grids, with invented boundaries
    for the street, its communities and grids; return the street."""
    rng = random.Random(20240520)  # the date of the work plan: the same street every time
    street = _area(AreaKind.STREET, STREET_CODE, STREET_NAME)
    dedicated = iter(DEDICATED_GRIDS)
    for number, community_name in enumerate(COMMUNITY_NAMES, start=1):
        community = _area(AreaKind.COMMUNITY, community_code(number), community_name, street)
        grid_count = rng.randint(6, 10)
        for grid_number in range(1, grid_count + 1):
            is_dedicated = grid_number == grid_count and number % 2 == 1
            name = next(dedicated, None) if is_dedicated else None
            if name is None:
                name = f"{community_name.removesuffix('社区')}第{grid_number}网格"
                grid_type = GridType.BASIC
            else:
                grid_type = GridType.DEDICATED
            grid = _area(AreaKind.GRID, grid_code(number, grid_number), name, community,
                         grid_type)
            for micro_number in range(1, rng.randint(3, 6) + 1):
                _area(
                    AreaKind.MICROGRID,
                    f"{grid.code}-M{micro_number:02d}",
                    f"{grid.name.removesuffix('网格')}第{micro_number}微网格",
                    grid,
                )
    if street.boundary is None:
        # Invented shapes around Licheng district, Jinan, so that a newcomer sees a real
        # map; never the street's real boundaries.
        invent_boundaries(street)
    return street


def load_departments(street: Area) -> list[Department]:
    departments = []
    for code, name in DEPARTMENTS:
        full_code = f"{street.code}-{code}"
        department = Department.objects.filter(code=full_code).first()
        if department is None:
            department = create_department(street=street, code=full_code, name=name)
        departments.append(department)
    return departments
