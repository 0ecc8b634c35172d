"""The grid worker's app in the page layout (templates/base.html)."""

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import json_script

from workbench import worker_app

register = template.Library()
# The phone makes large photos smaller before they are kept in a draft (a module of its own,
# loaded by js/drafts.js when a draft has photos).
PHOTO_DOWNSCALE = "js/photo_downscale.js"


@register.simple_tag
def worker_app_for(user):
    """{% worker_app_for user as qf_app %}: whether this page carries the app (a grid
    worker's), and what its scripts need."""
    if not worker_app.is_worker_app_user(user):
        return {"worker": False}
    return {"worker": True, "shell": worker_app.shell_json(), "downscale": _downscale()}


@register.simple_tag
def worker_app_offline():
    """{% worker_app_offline as qf_app %}: the offline page names nobody; its drafts are
    those of whoever last used the app on this phone (js/sw-register.js remembers them)."""
    return {"offline": True, "downscale": _downscale()}


def _downscale() -> str:
    return static(PHOTO_DOWNSCALE) if finders.find(PHOTO_DOWNSCALE) else ""


@register.simple_tag
def worker_app_words():
    """The words of js/drafts.js in the reader's language."""
    return json_script(worker_app.words(), "qf-app-words")
