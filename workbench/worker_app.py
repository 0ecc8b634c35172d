"""The grid worker's installable app (PWA) as the pages see it: who gets it, and the words
its scripts show (static/js/drafts.js holds no text of its own: the page passes these in
the reader's language). What the service worker keeps is quanfu/service_worker.py.

Offline, the report form, the zero report and the answers to instructions are saved as
drafts in the phone's IndexedDB and sent through the API, each with an
``Idempotency-Key``, when the worker sends them (and when the phone is online again).
"""

import json

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import Role
from quanfu.service_worker import SHELL_PAGES


def is_worker_app_user(user) -> bool:
    """Grid workers get the installable app; people at a desk keep the plain pages."""
    return bool(user and user.is_authenticated and user.role == Role.GRID_WORKER)


def shell_json() -> str:
    return json.dumps([reverse(name) for name in SHELL_PAGES])


def words() -> dict[str, str]:
    return {
        "savedOffline": _("Saved as a draft: it will be sent when the phone is online."),
        "sending": _("Sending…"),
        "reported": _("Matter %(code)s reported."),
        "zeroReportFiled": _("Zero report filed."),
        "answerSent": _("Answer sent."),
        "partlySent": _("Matter %(code)s reported; its photos are still to be sent."),
        "statePending": _("Waiting to be sent"),
        "stateNeedsFix": _("Needs changes"),
        "stateLogin": _("Log in again to send"),
        "stateFailed": _("Not sent yet"),
        "stateSending": _("Sending"),
        "send": _("Send"),
        "sendAll": _("Send all"),
        "edit": _("Change"),
        "delete": _("Delete"),
        "confirmDelete": _("Delete this draft? What it holds cannot be recovered."),
        "kindReport": _("Report a matter"),
        "kindZeroReport": _("Zero report"),
        "kindAnswer": _("Answer to an instruction"),
        "savedAt": _("Saved at %(time)s"),
        "photos": _("%(count)s photo(s)"),
        "lastError": _("Last error"),
        "empty": _("No drafts waiting to be sent."),
        "editing": _("You are changing the draft saved at %(time)s."),
        "photosKept": _("The draft holds %(count)s photo(s); choosing photos again "
                        "replaces them."),
        "noNetwork": _("No connection to the server."),
        "timeout": _("The server did not answer in time."),
        "serverError": _("The server could not take it now (%(status)s); it will be tried "
                         "again."),
        "conflict": _("Sent before with other content: check the register before sending "
                      "it again."),
        "openMatter": _("Open the matter"),
        "draftMissing": _("This draft no longer exists."),
        "loginAgain": _("Your session has ended: log in again, then send the draft."),
        "fixAndSend": _("Correct what is marked, then send again."),
        "duplicates": _("Possible duplicates were found: check them below the matter's "
                        "facts."),
    }
