"""What the grid worker's service worker keeps (static/js/service-worker.js, served at
/sw.js by quanfu.site_files): which pages work offline, which static files it keeps, and
its version.

The pages are named by their URL names (the worker app's own pages are the workbench's,
workbench/worker_app.py); the drafts live in the phone's IndexedDB (static/js/drafts.js).
"""

import hashlib
import json
import os
from importlib import metadata

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

# The worker's pages kept for offline use: the home page, the report form, the day in
# the grid (zero report, instructions to answer) and the drafts waiting to be sent.
SHELL_PAGES = ("home", "risks:risk_create", "rhythm:grid_today", "workbench:drafts")
OFFLINE_PAGE = "workbench:offline"
# Static files kept when the worker installs; those a kept page names are added when the
# page is kept (the service worker reads them off the page).
PRECACHED_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "css/quanfu.css",
    "js/quanfu.js",
    "js/sw-register.js",
    "js/drafts.js",
    "js/photo_downscale.js",
    "favicon.svg",
    "icons/icon-192.png",
)
# Navigations under these go to the network untouched: signing in and out, the admin,
# the API, the language switch.
PASS_THROUGH = ("/accounts/", "/admin/", "/api/", "/i18n/")
SOURCE = "js/service-worker.js"
THEME_COLOUR = "#8b1a1a"  # the top bar's red (css/quanfu.css)
BACKGROUND_COLOUR = "#f5f6f8"


def source() -> str:
    with open(finders.find(SOURCE), encoding="utf-8") as file:
        return file.read()


def _app_version() -> str:
    try:
        return metadata.version("quanfu")
    except metadata.PackageNotFoundError:
        return "unknown"


def config(worker_source: str) -> dict:
    """The settings put in front of the worker's source, with its version: a hash of the
    source, the app's version and the precached files (their URLs carry a content hash in
    production; their size and time of change stand for it in development). A changed
    file makes a new worker, and the new worker deletes the old one's caches."""
    precache = [(path, found) for path in PRECACHED_STATIC if (found := finders.find(path))]
    shown = {
        "precache": [static(path) for path, _found in precache],
        "shell": [reverse(name) for name in SHELL_PAGES],
        "offline": reverse(OFFLINE_PAGE),
        "static": settings.STATIC_URL,
        "passThrough": list(PASS_THROUGH),
    }
    fingerprint = hashlib.sha256(worker_source.encode())
    fingerprint.update(_app_version().encode())
    fingerprint.update(json.dumps(shown, sort_keys=True).encode())
    for _path, found in precache:
        stat = os.stat(found)
        fingerprint.update(f"{found}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return {**shown, "version": fingerprint.hexdigest()[:16]}


def manifest(*, name: str, short_name: str, description: str, language: str) -> dict:
    """The web app manifest: installable from a phone's browser, no store."""
    icons = [{"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any"} for size in (192, 512)]
    icons += [{"src": static(f"icons/maskable-{size}.png"), "sizes": f"{size}x{size}",
               "type": "image/png", "purpose": "maskable"} for size in (192, 512)]
    return {
        "id": "/",
        "name": name,
        "short_name": short_name,
        "description": description,
        "lang": language,
        "dir": "ltr",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }
