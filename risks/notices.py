"""Who is told of each step of the register, and what (issue 17).

| step | who is told |
|---|---|
| reported | the officers of the matter's community |
| dispatched, signed for | staff of the section it went to, and who dispatched it |
| returned | who dispatched it (the section no longer sees it) |
| named on a duty or as lead | that person, when the naming changes |
| escalated or sent down a tier | to the community tier: its officers; to the street or |
| | the district tier: the street's centre (平安办) |
| approval requested | the leaders of the matter's street |
| approval decided | who asked |
| follow-up call dissatisfied | the community's officers and the street's centre |
| warning answered | who issued it (rhythm.services) |
| stage clock red | the unit and the street's centre (risks.clocks, the sweep's own) |

The person who took the step is never told of it. Each notice is one INSERT … SELECT
(inbox.services.notify_people) whatever the number of people told, inside the step's
transaction: a refused step tells nobody. Each links to a page its recipients can open:
the matter's page (it is in their scope, or they are named on it: risks.scoping), the
approvals' list for a leader. A burst beyond the hourly limit folds into one digest per
person, kind and hour, linking the register's matters changed in that hour.
"""

from datetime import UTC
from urllib.parse import urlencode

from django.db.models import Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from grids.choices import Duty
from grids.models import Department
from inbox.services import notify_people
from risks.choices import Action, Tier
from risks.models import DUTY_FIELDS, Approval, FollowUp, Risk, RiskEvent
from risks.routing import CENTRE_KIND

REPORTED = "risk_reported"
DISPATCHED = "risk_dispatched"
ACCEPTED = "risk_accepted"
RETURNED = "risk_returned"
NAMED = "risk_named"
TIER = "risk_tier"
APPROVAL = "approval"
DISSATISFIED = "follow_up_dissatisfied"
WARNING_ANSWERED = "warning_answered"

# What a digest of each kind stands for ("本小时另有 N 条通知：…").
KIND_LABELS = {
    REPORTED: gettext_lazy("new matters reported"),
    DISPATCHED: gettext_lazy("matters dispatched to your section"),
    ACCEPTED: gettext_lazy("matters signed for"),
    RETURNED: gettext_lazy("matters returned"),
    NAMED: gettext_lazy("matters naming you"),
    TIER: gettext_lazy("matters escalated or sent down"),
    APPROVAL: gettext_lazy("approvals"),
    DISSATISFIED: gettext_lazy("dissatisfied follow-up calls"),
    WARNING_ANSWERED: gettext_lazy("warnings answered"),
}


# Who ----------------------------------------------------------------------------------------

def officers_of(community_id) -> Q:
    return Q(role=Role.COMMUNITY_OFFICER, area_id=community_id)


def staff_of(department_id) -> Q:
    return Q(role=Role.SECTION_STAFF, department_id=department_id)


def centre_of(street_id) -> Q:
    """The staff of the street's centre (its department whose code ends with the centre's
    kind, as risks.routing and the clocks' sweep find it)."""
    return Q(role=Role.SECTION_STAFF, department_id__in=Department.objects.filter(
        street_id=street_id, code__endswith=f"-{CENTRE_KIND}").values("pk"))


def leaders_of(street_id) -> Q:
    return Q(role=Role.STREET_LEADER, area_id=street_id)


def dispatcher_of(risk: Risk) -> Q:
    """Who dispatched the matter last (the actor of its latest dispatch event)."""
    return Q(pk=Subquery(RiskEvent.objects.filter(risk=risk, action=Action.DISPATCH)
                         .order_by("-created_at", "-id").values("actor_id")[:1]))


def person(user_or_id) -> Q:
    return Q(pk=getattr(user_or_id, "pk", user_or_id))


# Telling ------------------------------------------------------------------------------------

def register_link(now) -> str:
    """The register's matters changed since the start of ``now``'s clock hour: where the
    notices folded into a digest of that hour can be seen."""
    hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    since = hour.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{reverse('risks:risk_list')}?{urlencode({'updated_after': since})}"


def tell(who: Q, *, actor, kind: str, title: str, key: str, body: str = "", link: str = "",
         now=None, digest_link: str | None = None) -> int:
    """One notice to the active people ``who`` names, never ``actor``: one statement."""
    now = now or timezone.now()
    people = User.objects.filter(who, is_active=True)
    if actor is not None and actor.pk is not None:
        people = people.exclude(pk=actor.pk)
    digest_title = _("%(count)s more notices this hour: %(what)s") % {
        "count": "%(count)s", "what": KIND_LABELS.get(kind, kind)}
    return notify_people(people, kind=kind, title=title, key=key, body=body, link=link,
                         now=now, digest_title=digest_title,
                         digest_link=digest_link or register_link(now))


def matter_link(risk: Risk) -> str:
    return reverse("risks:risk_detail", args=[risk.pk])


def _named(risk: Risk) -> dict:
    return {"code": risk.code, "title": risk.title}


def tell_reported(risk: Risk, *, actor, now=None) -> int:
    """A new matter: its community's officers check it (核实)."""
    return tell(officers_of(risk.community_id), actor=actor, kind=REPORTED,
                title=_("New matter %(code)s reported: %(title)s") % _named(risk),
                key=f"risk:{risk.pk}:reported", body=risk.description[:500],
                link=matter_link(risk), now=now)


def tell_reported_together(risks: list[Risk], *, actor, now=None) -> int:
    """Matters reported together (an imported sheet): one notice to the officers of the
    communities concerned, linking the register's matters reported in that hour."""
    if not risks:
        return 0
    now = now or timezone.now()
    communities = {risk.community_id for risk in risks}
    who = Q(role=Role.COMMUNITY_OFFICER, area_id__in=sorted(communities))
    return tell(who, actor=actor, kind=REPORTED,
                title=_("%(count)s matters reported together (%(first)s … %(last)s)")
                % {"count": len(risks), "first": risks[0].code, "last": risks[-1].code},
                key=f"risks:{risks[0].pk}-{risks[-1].pk}:reported", link=register_link(now),
                now=now)


def tell_transition(risk: Risk, action: str, *, actor, event: RiskEvent, section=None,
                    now=None) -> int:
    """After ``action`` was taken on ``risk`` (locked, as saved; ``event`` its history
    row; ``section`` the department concerned by a dispatch, sign-in or return)."""
    key = f"risk:{risk.pk}:event:{event.pk}"
    named = {**_named(risk), "department": str(section) if section is not None else ""}
    link = matter_link(risk)
    if action == Action.DISPATCH:
        return tell(staff_of(section.pk) | dispatcher_of(risk), actor=actor, kind=DISPATCHED,
                    title=_("%(code)s dispatched to %(department)s: sign for it or return "
                            "it — %(title)s") % named,
                    key=key, body=event.note, link=link, now=now)
    if action == Action.ACCEPT:
        return tell(staff_of(section.pk) | dispatcher_of(risk), actor=actor, kind=ACCEPTED,
                    title=_("%(department)s signed for %(code)s %(title)s") % named,
                    key=key, body=event.note, link=link, now=now)
    if action == Action.RETURN:
        # the section no longer sees what it returned: only who dispatches it again
        return tell(dispatcher_of(risk), actor=actor, kind=RETURNED,
                    title=_("%(department)s returned %(code)s: dispatch it again — "
                            "%(title)s") % named,
                    key=key, body=event.note, link=link, now=now)
    if action in (Action.ESCALATE, Action.DEESCALATE):
        who = (officers_of(risk.community_id) if risk.tier == Tier.COMMUNITY
               else centre_of(risk.street_id))
        words = (_("%(code)s escalated to the %(tier)s tier: %(title)s")
                 if action == Action.ESCALATE
                 else _("%(code)s sent down to the %(tier)s tier: %(title)s"))
        return tell(who, actor=actor, kind=TIER,
                    title=words % {**named, "tier": Tier(risk.tier).label},
                    key=key, body=event.note, link=link, now=now)
    return 0


DUTY_BY_FIELD = {field: duty for duty, field in DUTY_FIELDS.items()}


def tell_named(risk: Risk, field: str, named_person, *, actor, event: RiskEvent,
               now=None) -> int:
    """``named_person`` now holds ``field`` (a duty's field or ``lead``) on the matter."""
    if named_person is None:
        return 0
    what = (Duty(DUTY_BY_FIELD[field]).label if field in DUTY_BY_FIELD
            else _("lead official"))
    return tell(person(named_person), actor=actor, kind=NAMED,
                title=_("You are named %(duty)s on %(code)s %(title)s")
                % {**_named(risk), "duty": what},
                key=f"risk:{risk.pk}:event:{event.pk}:{field}", link=matter_link(risk),
                now=now)


def tell_approval_requested(approval: Approval, *, actor, now=None) -> int:
    risk = approval.risk
    return tell(leaders_of(risk.street_id), actor=actor, kind=APPROVAL,
                title=_("%(code)s asks for your approval: %(kind)s")
                % {"code": risk.code, "kind": approval.get_kind_display()},
                key=f"approval:{approval.pk}:requested", body=approval.reason,
                link=reverse("risks:approval_list"), now=now,
                digest_link=reverse("risks:approval_list"))


def tell_approval_decided(approval: Approval, *, actor, now=None) -> int:
    risk = approval.risk
    return tell(person(approval.requested_by_id), actor=actor, kind=APPROVAL,
                title=_("%(code)s: your request “%(kind)s” was %(decision)s")
                % {"code": risk.code, "kind": approval.get_kind_display(),
                   "decision": approval.get_state_display()},
                key=f"approval:{approval.pk}:decided", body=approval.decision_note,
                link=matter_link(risk), now=now,
                digest_link=reverse("risks:approval_list"))


def tell_dissatisfied(follow_up: FollowUp, *, actor, now=None) -> int:
    """A dissatisfied call: the matter may need reopening."""
    risk = follow_up.risk
    return tell(officers_of(risk.community_id) | centre_of(risk.street_id), actor=actor,
                kind=DISSATISFIED,
                title=_("Follow-up call on %(code)s: dissatisfied — %(title)s") % _named(risk),
                key=f"follow_up:{follow_up.pk}:dissatisfied", body=follow_up.note,
                link=matter_link(risk), now=now)
