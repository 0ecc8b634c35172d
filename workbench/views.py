"""The grid worker's app: its two pages of its own (workbench/worker_app.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@login_required
@never_cache
@require_safe
def drafts(request):
    """待发送: the drafts on this phone, each with its state and last error; the worker
    sends, changes or deletes them (js/drafts.js draws the list from IndexedDB)."""
    return render(request, "worker_app/drafts.html")


@never_cache
@require_safe
def offline(request):
    """What the service worker shows for a page it keeps no copy of. It names nobody and
    holds no data: it is kept once for whoever uses the phone."""
    return render(request, "worker_app/offline.html")
