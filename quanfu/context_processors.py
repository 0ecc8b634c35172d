from grids.scoping import scope_roots
from inbox.services import unread_count
from quanfu.navigation import items_for
from risks.approvals import pending_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roots = scope_roots(user)
    return {
        "inbox_unread": unread_count(user),
        "approvals_pending": pending_count(user),
        "navigation_items": items_for(user),
        "scope_label": "、".join(root.name for root in roots) if roots is not None else None,
        "current_url_name": getattr(request.resolver_match, "view_name", ""),
    }
