"""The register's part in a change of areas (grids.restructuring): which open matters lie
in the changed areas, and moving them to where the change puts them, each with an event
on its history (倒查) and its clocks following it. Registered in RisksConfig.ready: the
tree never imports the register."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.choices import AuditAction
from audit.services import record_event
from grids.models import Area
from grids.restructuring import Item, Mover, register_count, register_mover
from risks import webhook_events
from risks.choices import OPEN_STATUSES, EventKind, RiskStatus
from risks.models import DUTY_FIELDS, Risk, RiskEvent, StageClock

# The matters a change moves: every one not written off or voided (a resolved matter
# waits for its verification, and may be sent back to work).
MOVED_STATUSES = (*OPEN_STATUSES, RiskStatus.RESOLVED)


def _in_areas(areas, field: str = "area__") -> Q:
    condition = Q(pk__in=[])
    for area in areas:
        condition |= Q(**{f"{field}path__startswith": area.path})
    return condition


class MatterMover(Mover):
    def open_items(self, areas: list[Area]) -> list[Item]:
        rows = (Risk.objects.filter(_in_areas(areas), status__in=MOVED_STATUSES)
                .order_by("code")
                .values_list("pk", "code", "title", "area_id", "location_lat", "location_lng"))
        return [Item(pk, f"{code} {title}", area_id,
                     (lng, lat) if lat is not None and lng is not None else None)
                for pk, code, title, area_id, lat, lng in rows]

    def move(self, moves: list[tuple[int, Area]], *, change, actor) -> int:
        """Put each matter in its new area (its street, community and grid follow), one
        event each naming the change; the clocks keep their matter's street and
        community. Runs in the approval's transaction."""
        destinations = dict(moves)
        risks = list(Risk.objects.select_for_update(of=("self",), no_key=True)
                     .select_related("category")
                     .filter(pk__in=list(destinations)).order_by("pk"))
        names = dict(Area.objects.filter(
            pk__in={pk for risk in risks for pk in (risk.area_id, risk.community_id,
                                                    risk.grid_id) if pk}
        ).values_list("pk", "name"))
        events, by_community, befores = [], {}, {}
        for risk in risks:
            befores[risk.pk] = {"area": names.get(risk.area_id),
                                "community": names.get(risk.community_id),
                                "grid": names.get(risk.grid_id)}
            risk.place_in(destinations[risk.pk])
            # each save is one audited change of the matter (its area, community and grid)
            risk.save_change(["area", "street", "community", "grid"])
            by_community.setdefault((risk.street_id, risk.community_id), []).append(risk.pk)
        names.update(Area.objects.filter(
            pk__in={pk for risk in risks for pk in (risk.area_id, risk.community_id,
                                                    risk.grid_id) if pk}
        ).values_list("pk", "name"))
        for risk in risks:
            before = befores[risk.pk]
            after = {"area": names.get(risk.area_id), "community": names.get(risk.community_id),
                     "grid": names.get(risk.grid_id)}
            changes = {name: [before[name], after[name]] for name in before
                       if before[name] != after[name]}
            events.append(RiskEvent(risk=risk, kind=EventKind.AREA_MOVED, actor=actor,
                                    changes={**changes, "area_change": change.pk},
                                    note=change.reason))
        RiskEvent.objects.bulk_create(events)
        webhook_events.tell_moved(risks)  # the other systems hear of each move
        for (street_id, community_id), ids in by_community.items():
            StageClock.objects.filter(risk_id__in=ids).update(street_id=street_id,
                                                              community_id=community_id)
        record_event(action=AuditAction.UPDATE, actor=actor, target="risks.risk",
                     detail=f"change of areas {change.pk} ({change.kind}): {len(events)} "
                            f"matters moved, each with an event; their clocks follow them",
                     changes={"change": change.pk, "matters": [event.risk_id
                                                               for event in events]})
        return len(events)


def _open(areas):
    return Risk.objects.filter(_in_areas(areas), status__in=MOVED_STATUSES)


def count_duty_holders(areas) -> int:
    """The people named on the open matters (four duties and the lead): they stay named."""
    people = set()
    for row in _open(areas).values_list(*[f"{field}_id" for field in DUTY_FIELDS.values()],
                                        "lead_id"):
        people.update(pk for pk in row if pk)
    return len(people)


def register() -> None:
    register_mover(MatterMover())
    register_count("duty_holders", _("Responsible persons named on these matters: they stay "
                                     "named on them"), count_duty_holders)
