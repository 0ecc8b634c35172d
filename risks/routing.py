"""The subject line (属事): which section a matter goes to by default, and who is the
street's centre (平安法治和信访办公室), which dispatches besides community officers."""

from accounts.roles import Role
from grids.models import Department
from risks.models import SubjectRoute

CENTRE_KIND = "pingan"
# After this many returns (退回) only a street leader may dispatch the matter again
# (arbitration), and the section can no longer return it.
MAX_RETURNS = 2


def department_kind(department) -> str:
    return department.code.rsplit("-", 1)[-1]


def is_centre_staff(user) -> bool:
    return (user.role == Role.SECTION_STAFF and user.department_id is not None
            and department_kind(user.department) == CENTRE_KIND)


def proposed_department(risk) -> Department | None:
    """The section the matter's subtype goes to in the matter's street, if any."""
    if risk.subtype_id is None:
        return None
    kind = (SubjectRoute.objects.filter(subtype_id=risk.subtype_id)
            .values_list("department_kind", flat=True).first())
    if kind is None:
        return None
    return Department.objects.filter(street_id=risk.street_id,
                                     code__endswith=f"-{kind}").first()
