from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static

from accounts.roles import Role
from guide.sections import GUIDE, ROLES, SCREENSHOT_FOLDER, sections_of


def _role_entry(role: str) -> dict:
    return {"role": role, "label": Role(role).label, "sections": sections_of(role)}


@login_required
def guide_index(request):
    """Every role's guide, the reader's own first."""
    own = [request.user.role] if request.user.role in GUIDE else []
    roles = own + [role for role in ROLES if role not in own]
    return render(request, "guide/index.html", {
        "entries": [_role_entry(role) for role in roles], "own_role": own[0] if own else ""})


@login_required
def role_guide(request, role):
    if role not in GUIDE:
        raise Http404
    sections = [{"section": section,
                 "images": [static(f"{SCREENSHOT_FOLDER}/{name}.png")
                            for name in section.screenshots]}
                for section in sections_of(role)]
    return render(request, "guide/role.html", {
        **_role_entry(role), "sections": sections, "own": role == request.user.role,
        "others": [_role_entry(other) for other in ROLES if other != role]})
