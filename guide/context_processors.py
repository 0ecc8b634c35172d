from guide.sections import link_for


def guide_link(request):
    """The "?" of every page's header: the guide's section for this page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"guide_url": link_for(user, getattr(request.resolver_match, "view_name", ""))}
