"""Error pages in the site's layout: a refused form (CSRF) says what happened and that
nothing was saved. The 404 is ``quanfu.api.not_found``; 403 and 500 are templates."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
