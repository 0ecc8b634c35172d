"""The three supervision groups, five communities each (组建3个督导组 … 每个督导组负责5个社区)."""

from accounts.models import User
from grids.choices import AreaKind
from grids.models import Area
from supervision.models import SupervisionGroup


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
