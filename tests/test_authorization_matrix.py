"""The authorisation matrix (issue 9): every URL pattern of the project, found by walking
the resolver, asked by every role, answers what the table below says.

A new URL pattern without a row fails ``test_every_url_pattern_has_a_row``, naming it: a
view cannot be added without someone deciding, here, who may open it. The ids in the URLs
are objects of community A (tests/authorization_helpers.py), so the officer of community
B and the leader of another street must be refused (404: outside the scope looks like
missing), and whoever may not use a page gets 403.

Each row: the names of the world's objects that fill the URL's arguments, in order, then
one answer per role, in the order of ``ROLES``:

    anonymous, grid worker (A1), officer (A), officer (B), section staff (the matter's
    department), supervisor (A's group), street leader, another street's leader,
    API client (of the street), superuser

An answer is a status code, ``LOGIN`` (302 to the login page), ``ADMIN_LOGIN`` (302 to the
admin's login) or ``302`` (the page sends the user on, e.g. to their own dashboard).
``UNSAFE`` rows say what a POST (for the API: each write method, with a JSON body)
answers where the answer is a refusal; ``OK`` means "allowed: not tried here" (the apps'
own tests take those through their rules). The body is empty unless ``PAYLOADS`` gives a
valid one: where a form is validated before the role is checked, only a valid request
reaches the refusal. A refused request changes no table. Any 200 given to an outsider
must not show community A's matter (its code, title, party's name or phone).

The admin has its own rows (ADMIN_MODELS, ADMIN_SITE) below.
"""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.authorization_helpers import (
    PNG,
    ROLES,
    all_patterns,
    client_for,
    world_in_rolled_back_transaction,
)
from tests.supervision_helpers import days_from_today

LOGIN = "LOGIN"
ADMIN_LOGIN = "ADMIN_LOGIN"
REFUSALS = {LOGIN, ADMIN_LOGIN, 401, 403, 404, 405}
OUTSIDERS = ("other_officer", "other_leader")

OK = None  # in UNSAFE rows: the role may do this; not tried here
# Shorthands for rows that many patterns share.
EVERYONE = (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200)
# 405: the method is not served (a POST-only action asked with GET, a PUT on the API).
NOT_ALLOWED = (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405, 405)
API_EVERYONE = (401, 200, 200, 200, 200, 200, 200, 200, 200, 200)
API_NOT_ALLOWED = (401, 405, 405, 405, 405, 405, 405, 405, 405, 405)
# An object of community A: the outsiders get 404, everyone else in the street sees it.
IN_A = (LOGIN, 200, 200, 404, 200, 200, 200, 404, 200, 200)
API_IN_A = (401, 200, 200, 404, 200, 200, 200, 404, 200, 200)
# Only its owner, the officer of A, may open it (an export or an import of theirs).
OWNER_ONLY = (LOGIN, 404, 200, 404, 404, 404, 404, 404, 404, 404)
# Writes: anyone signed in; anyone who sees community A's object; the managers of A's
# meeting (its officer, the leader); those who handle A's matter (not the grid worker, the
# supervisor or the API client).
SIGNED_IN = (LOGIN, OK, OK, OK, OK, OK, OK, OK, OK, OK)
API_SIGNED_IN = (401, OK, OK, OK, OK, OK, OK, OK, OK, OK)
SCOPED = (LOGIN, OK, OK, 404, OK, OK, OK, 404, OK, OK)
API_SCOPED = (401, OK, OK, 404, OK, OK, OK, 404, OK, OK)
MEETING_MANAGERS = (LOGIN, 403, OK, 404, 403, 403, OK, 404, 403, OK)
MATTER_HANDLERS = (LOGIN, 403, OK, 404, OK, 403, OK, 404, 403, OK)
# Who keeps community A's rosters and grid workers: its officer, its street's leader.
COMMUNITY_KEEPERS = (LOGIN, 403, 200, 404, 403, 403, 200, 404, 403, 200)
# Only the API client (webhooks: the other systems' own subscriptions).
API_CLIENT_ONLY = (401, 403, 403, 403, 403, 403, 403, 403, 200, 403)
API_CLIENT_WRITES = (401, 403, 403, 403, 403, 403, 403, 403, OK, 403)
KEEPERS_WRITE = (LOGIN, 403, OK, 404, 403, 403, OK, 404, 403, OK)

PAGES = {
    # site ----------------------------------------------------------------------------------
    "home": ((), EVERYONE),
    "health": ((), (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "favicon": ((), (301, 301, 301, 301, 301, 301, 301, 301, 301, 301)),  # to the static file
    # the grid worker's installable app: its manifest and service worker name no one; the
    # offline page is kept once for whoever uses the phone; the drafts live on the phone
    "web_manifest": ((), (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "service_worker": ((), (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "workbench:offline": ((), (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "workbench:drafts": ((), EVERYONE),
    # accounts ------------------------------------------------------------------------------
    "accounts:login": ((), (200, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "accounts:logout": ((), (405, 405, 405, 405, 405, 405, 405, 405, 405, 405)),
    "accounts:profile": ((), EVERYONE),
    "accounts:password_change": ((), EVERYONE),
    "accounts:second_factor_verify": ((), (LOGIN, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "accounts:second_factor_enrol": ((), (LOGIN, 403, 403, 403, 403, 403, 200, 200, 403, 200)),
    "accounts:second_factor_remove": ((), NOT_ALLOWED),
    "accounts:notice_preferences": ((), NOT_ALLOWED),
    "accounts:token_revoke": ((), NOT_ALLOWED),  # POST only: sign out one of my apps
    # the pickers' search: asked without saying which field it is for (tests/test_pickers.py
    # takes each kind through its scope)
    "accounts:people_search": ((), (LOGIN, 400, 400, 400, 400, 400, 400, 400, 400, 400)),
    # a community keeps its grid workers' accounts: its officer, the street's leaders
    "accounts:worker_list": (("community",), COMMUNITY_KEEPERS),
    "accounts:worker_create": (("community",), COMMUNITY_KEEPERS),
    "accounts:worker_detail": (("worker_account",), COMMUNITY_KEEPERS),
    "accounts:worker_password_link": (("worker_account",), NOT_ALLOWED),
    "accounts:worker_deactivate": (("worker_account",), NOT_ALLOWED),
    # the worker's one-time link, opened by whoever holds it (here one that names nobody)
    "accounts:password_link": (("link_uid", "link_token"),
                               (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # grids ---------------------------------------------------------------------------------
    "grids:area_list": ((), EVERYONE),
    "grids:area_search": ((), EVERYONE),  # the area picker: places in the reader's scope
    "grids:area_detail": (("area",), IN_A),
    "grids:area_roster_export": (("area",), IN_A),
    # changes of areas (区域调整): the list of those in the reader's scope, a change of A
    # (asked by A's officer), the request form (the officers of the community and the
    # street's staff and leaders), the decisions (POST only)
    "grids:area_change_list": ((), EVERYONE),
    "grids:area_change_detail":
        (("area_change",), (LOGIN, 404, 200, 404, 200, 200, 200, 404, 200, 200)),
    "grids:area_change_request":
        (("area", "change_kind"), (LOGIN, 403, 200, 404, 200, 403, 200, 404, 403, 200)),
    "grids:area_change_approve": (("area_change",), NOT_ALLOWED),
    "grids:area_change_refuse": (("area_change",), NOT_ALLOWED),
    "grids:area_change_withdraw": (("area_change",), NOT_ALLOWED),
    # a community keeps its grids' duty rosters; an officer (and the other street's leader,
    # whose street has one community) is sent on to their own community's
    "grids:community_index": ((), (LOGIN, 403, 302, 302, 403, 403, 200, 302, 403, 200)),
    "grids:community_roster": (("community",), COMMUNITY_KEEPERS),
    "grids:duty_holder_assign": (("area",), COMMUNITY_KEEPERS),
    # inbox ---------------------------------------------------------------------------------
    "inbox:message_list": ((), EVERYONE),
    "inbox:message_open": (("message",), NOT_ALLOWED),
    "inbox:mark_all_read": ((), NOT_ALLOWED),
    # risks ---------------------------------------------------------------------------------
    "risks:risk_list": ((), EVERYONE),
    "risks:risk_bulk": ((), NOT_ALLOWED),
    "risks:risk_create": ((), (LOGIN, 200, 200, 200, 200, 403, 200, 200, 200, 200)),
    "risks:risk_duplicate_suggestions": ((), NOT_ALLOWED),
    "risks:risk_detail": (("risk",), IN_A),
    "risks:risk_edit": (("risk",), (LOGIN, 403, 200, 404, 200, 403, 200, 404, 403, 200)),
    "risks:risk_transition": (("risk",), NOT_ALLOWED),
    "risks:risk_note_add": (("risk",), NOT_ALLOWED),
    "risks:risk_party_add": (("risk",), NOT_ALLOWED),
    "risks:risk_parties_unmask": (("risk",), NOT_ALLOWED),
    "risks:risk_party_remove": (("risk", "party"), NOT_ALLOWED),
    "risks:risk_link_duplicate": (("risk",), NOT_ALLOWED),
    "risks:risk_plan_edit": (("risk",), (LOGIN, 403, 200, 404, 200, 403, 200, 404, 403, 200)),
    "risks:risk_emergency_plan_edit":
        (("risk",), (LOGIN, 403, 200, 404, 200, 403, 200, 404, 403, 200)),
    "risks:risk_drill_create": (("risk",), (LOGIN, 403, 200, 404, 200, 403, 200, 404, 403, 200)),
    "risks:approval_list": ((), EVERYONE),
    # 回访: those who call back (officers, section staff, leaders); their scope's matters
    "risks:follow_up_list": ((), (LOGIN, 403, 200, 200, 200, 403, 200, 200, 403, 200)),
    "risks:follow_up_add": (("risk",), NOT_ALLOWED),
    # 现场照片与材料: fetched by whoever sees the matter (each download logged)
    "risks:attachment_add": (("risk",), NOT_ALLOWED),
    "risks:attachment_download": (("risk", "attachment"), IN_A),
    "risks:attachment_thumbnail": (("risk", "attachment"), IN_A),
    "risks:approval_request": (("risk",), NOT_ALLOWED),
    "risks:approval_decide": (("approval",), NOT_ALLOWED),
    # ledgers -------------------------------------------------------------------------------
    "ledgers:ledger_index": ((), EVERYONE),
    "ledgers:survey_import": ((), (LOGIN, 200, 200, 200, 200, 403, 200, 200, 200, 200)),
    "ledgers:survey_template": ((), EVERYONE),
    "ledgers:marked_copy": (("marked_copy",), OWNER_ONLY),
    "ledgers:export_download": (("export_job",), OWNER_ONLY),
    "ledgers:archive_sheet": (("risk",), IN_A),
    "ledgers:ledger_page": (("ledger",), EVERYONE),
    "ledgers:ledger_export": (("ledger",), EVERYONE),
    # meetings ------------------------------------------------------------------------------
    "meetings:meeting_list": ((), EVERYONE),
    "meetings:meeting_calendar": ((), EVERYONE),
    "meetings:meeting_create": ((), (LOGIN, 403, 200, 200, 403, 403, 200, 200, 403, 200)),
    "meetings:meeting_detail": (("meeting",), IN_A),
    "meetings:meeting_edit": (("meeting",), (LOGIN, 403, 200, 404, 403, 403, 200, 404, 403, 200)),
    "meetings:meeting_discard": (("meeting",), NOT_ALLOWED),
    "meetings:meeting_approve": (("meeting",), NOT_ALLOWED),
    "meetings:meeting_amend": (("meeting",), (LOGIN, 403, 302, 404, 403, 403, 302, 404, 403, 302)),
    "meetings:meeting_print": (("meeting",), (LOGIN, 404, 200, 404, 404, 404, 200, 404, 404, 200)),
    "meetings:agenda_add": (("meeting",), NOT_ALLOWED),
    "meetings:agenda_adopt": (("meeting",), NOT_ALLOWED),
    "meetings:agenda_remove": (("meeting", "item"), NOT_ALLOWED),
    "meetings:decision_record": (("meeting", "item"), NOT_ALLOWED),
    "meetings:action_item_add": (("meeting",), NOT_ALLOWED),
    "meetings:action_item_remove": (("meeting", "action_item"), NOT_ALLOWED),
    "meetings:action_item_list": ((), EVERYONE),
    "meetings:action_item_detail": (("action_item",), IN_A),
    "meetings:action_item_note": (("action_item",), NOT_ALLOWED),
    "meetings:action_item_transition": (("action_item",), NOT_ALLOWED),
    "meetings:whistle_board": ((), EVERYONE),
    "meetings:whistle_create": ((), (LOGIN, 200, 200, 200, 403, 403, 200, 200, 403, 200)),
    "meetings:whistle_detail": (("whistle",), IN_A),
    "meetings:whistle_report_in": (("whistle", "department_report"), NOT_ALLOWED),
    "meetings:tier_dashboards": ((), (LOGIN, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "meetings:tier_dashboard": (("tier",), EVERYONE),
    "meetings:tier_matters": (("tier",), EVERYONE),
    "meetings:escalation_rules": ((), (LOGIN, 404, 200, 200, 200, 200, 200, 200, 200, 200)),
    # rhythm --------------------------------------------------------------------------------
    "rhythm:warning_list": ((), (LOGIN, 200, 200, 200, 200, 200, 200, 200, 403, 200)),
    "rhythm:warning_detail": (("warning",), (LOGIN, 200, 200, 404, 200, 200, 200, 404, 403, 200)),
    "rhythm:warning_feedback": (("warning",), NOT_ALLOWED),
    "rhythm:warning_create": (("risk",), (LOGIN, 403, 200, 404, 200, 403, 200, 404, 403, 200)),
    "rhythm:daily_check_overview": ((), (LOGIN, 403, 302, 302, 200, 302, 200, 302, 403, 200)),
    "rhythm:daily_check_detail":
        (("community",), (LOGIN, 403, 200, 404, 200, 200, 200, 404, 403, 200)),
    "rhythm:daily_check_item_confirm": (("check_item",), NOT_ALLOWED),
    "rhythm:daily_check_rest_unchanged": (("community",), NOT_ALLOWED),
    "rhythm:grid_today": ((), (LOGIN, 200, 403, 403, 403, 403, 403, 403, 403, 200)),
    "rhythm:zero_report_create": ((), NOT_ALLOWED),
    "rhythm:instruction_list": ((), (LOGIN, 302, 200, 200, 200, 200, 200, 200, 403, 200)),
    "rhythm:instruction_create": ((), (LOGIN, 403, 200, 200, 200, 403, 200, 200, 403, 200)),
    "rhythm:instruction_answer": (("instruction_answer",), NOT_ALLOWED),
    "rhythm:weekly_report": ((), (LOGIN, 403, 403, 403, 200, 200, 200, 200, 403, 200)),
    "rhythm:weekly_report_export": ((), (LOGIN, 403, 403, 403, 200, 200, 200, 200, 403, 200)),
    "rhythm:monthly_stats": ((), (LOGIN, 403, 200, 200, 200, 200, 200, 200, 403, 200)),
    "rhythm:data_quality": ((), (LOGIN, 403, 200, 200, 200, 200, 200, 200, 403, 200)),
    # supervision ---------------------------------------------------------------------------
    "supervision:dashboard": ((), (LOGIN, 403, 302, 302, 403, 302, 302, 302, 403, 302)),
    "supervision:city_dashboard": ((), (LOGIN, 403, 404, 404, 403, 404, 404, 404, 403, 200)),
    "supervision:street_dashboard":
        (("street",), (LOGIN, 403, 404, 404, 403, 404, 200, 404, 403, 200)),
    "supervision:community_dashboard":
        (("community",), (LOGIN, 403, 200, 404, 403, 200, 200, 404, 403, 200)),
    # the map (挂图作战) of the user's own area: the dashboards' readers
    "supervision:area_map": ((), (LOGIN, 403, 200, 200, 403, 200, 200, 200, 403, 200)),
    "supervision:group_list": ((), (LOGIN, 403, 200, 200, 403, 200, 200, 200, 403, 200)),
    "supervision:group_dashboard":
        (("group",), (LOGIN, 403, 404, 404, 403, 200, 200, 404, 403, 200)),
    "supervision:inspection_list": ((), EVERYONE),
    "supervision:inspection_create": ((), (LOGIN, 403, 403, 403, 403, 200, 403, 403, 403, 200)),
    "supervision:inspection_detail":
        (("inspection",), (LOGIN, 404, 200, 404, 200, 200, 200, 404, 200, 200)),
    "supervision:finding_create": (("inspection",), NOT_ALLOWED),
    "supervision:finding_list": ((), EVERYONE),
    "supervision:finding_detail":
        (("finding",), (LOGIN, 404, 200, 404, 200, 200, 200, 404, 200, 200)),
    "supervision:finding_transition": (("finding", "finding_action"), NOT_ALLOWED),
    "supervision:evidence_add": (("finding",), NOT_ALLOWED),
    "supervision:evidence_download":
        (("evidence",), (LOGIN, 404, 200, 404, 200, 200, 200, 404, 200, 200)),
    "supervision:notice_list": ((), EVERYONE),
    "supervision:notice_create": ((), (LOGIN, 403, 403, 403, 403, 200, 403, 403, 403, 200)),
    "supervision:notice_detail":
        (("notice",), (LOGIN, 404, 404, 404, 200, 200, 200, 404, 200, 200)),
    "supervision:notice_edit": (("notice",), NOT_ALLOWED),
    "supervision:notice_send": (("notice",), NOT_ALLOWED),
    "supervision:notice_print":
        (("notice",), (LOGIN, 404, 404, 404, 200, 200, 200, 404, 200, 200)),
    "supervision:listing_list": ((), EVERYONE),
    "supervision:listing_create": ((), (LOGIN, 403, 403, 403, 403, 200, 200, 200, 403, 200)),
    "supervision:listing_detail": (("listing",), IN_A),
    "supervision:listing_lift": (("listing",), NOT_ALLOWED),
    "supervision:campaign_list": ((), EVERYONE),
    "supervision:campaign_detail": (("campaign",), EVERYONE),
    "supervision:campaign_task_create": (("campaign",), NOT_ALLOWED),
    "supervision:campaign_link": (("campaign",), NOT_ALLOWED),
    "supervision:task_report": (("campaign_task",), NOT_ALLOWED),
    "supervision:campaign_unlink": (("campaign_link",), NOT_ALLOWED),
    # guide (操作指南): every person reads every role's guide ---------------------------------
    "guide:index": ((), EVERYONE),
    "guide:role": (("guide_role",), EVERYONE),
    # audit ---------------------------------------------------------------------------------
    "audit:entry_list": ((), (LOGIN, 403, 403, 403, 403, 403, 200, 200, 403, 200)),
    "audit:entry_export": ((), (LOGIN, 403, 403, 403, 403, 403, 200, 200, 403, 200)),
    # the language switch -------------------------------------------------------------------
    "set_language": ((), (302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    # the API (/api/v1/) --------------------------------------------------------------------
    "api:area-list": ((), API_EVERYONE),
    "api:area-detail": (("area",), API_IN_A),
    "api:department-list": ((), API_EVERYONE),
    "api:department-detail": (("department",), (401, 200, 200, 200, 200, 200, 200, 404, 200, 200)),
    "api:person-list": ((), API_EVERYONE),
    # a phone's sign-in (POST, anyone) and sign-out (DELETE, its own token): no GET
    "api:auth-token": ((), (401, 405, 405, 405, 405, 405, 405, 405, 405, 405)),
    "api:person-detail": (("person",), (401, 404, 200, 404, 200, 200, 200, 404, 200, 200)),
    # the caller's own inbox: the world's notice is the officer of A's, nobody else's
    "api:notice-list": ((), API_EVERYONE),
    "api:notice-detail": (("message",), (401, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    "api:notice-read": (("message",), API_NOT_ALLOWED),
    "api:notice-read-all": ((), API_NOT_ALLOWED),
    # webhooks: the API client's own subscriptions; nobody else's account may subscribe
    "api:webhook-list": ((), API_CLIENT_ONLY),
    "api:webhook-detail": (("webhook_subscription",), API_CLIENT_ONLY),
    "api:webhook-deliveries": (("webhook_subscription",), API_CLIENT_ONLY),
    "api:category-list": ((), API_EVERYONE),
    "api:category-detail": (("category",), API_EVERYONE),
    "api:clock-rule-list": ((), API_EVERYONE),
    "api:clock-rule-detail": (("clock_rule",), API_EVERYONE),
    "api:risk-list": ((), API_EVERYONE),
    "api:risk-detail": (("risk",), API_IN_A),
    "api:risk-events": (("risk",), API_IN_A),
    "api:risk-notes": (("risk",), API_NOT_ALLOWED),
    "api:risk-parties": (("risk",), API_IN_A),
    "api:risk-transition": (("risk",), API_NOT_ALLOWED),
    "api:approval-list": ((), API_EVERYONE),
    "api:approval-detail": (("approval",), API_IN_A),
    "api:approval-decide": (("approval",), API_NOT_ALLOWED),
    "api:risk-follow-ups": (("risk",), API_IN_A),
    "api:risk-attachments": (("risk",), API_IN_A),
    "api:risk-attachment-detail": (("risk", "attachment"), API_IN_A),
    "api:risk-attachment-file": (("risk", "attachment"), API_IN_A),
    "api:risk-attachment-thumbnail": (("risk", "attachment"), API_IN_A),
    "api:ledger-export": (("ledger",), API_EVERYONE),
    "api:ledger-disputes": ((), API_EVERYONE),
    "api:ledger-dispute-ack": (("risk",), API_NOT_ALLOWED),
    "api:ledger-export-job": (("export_job",), (401, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    "api:ledger-export-download":
        (("export_job",), (401, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    "api:meeting-list": ((), API_EVERYONE),
    "api:meeting-detail": (("meeting",), API_IN_A),
    "api:meeting-action-items": (("meeting",), API_NOT_ALLOWED),
    "api:meeting-agenda": (("meeting",), API_IN_A),
    "api:meeting-amendments": (("meeting",), API_IN_A),
    "api:meeting-approve": (("meeting",), API_NOT_ALLOWED),
    "api:meeting-decisions": (("meeting",), API_NOT_ALLOWED),
    "api:meeting-items": (("meeting",), API_NOT_ALLOWED),
    "api:action-item-list": ((), API_EVERYONE),
    "api:action-item-detail": (("action_item",), API_IN_A),
    "api:action-item-progress": (("action_item",), API_IN_A),
    "api:action-item-transition": (("action_item",), API_NOT_ALLOWED),
    "api:whistle-call-list": ((), API_EVERYONE),
    "api:whistle-call-detail": (("whistle",), API_IN_A),
    "api:whistle-call-report": (("whistle",), API_NOT_ALLOWED),
    "api:escalation-flag-list": ((), API_EVERYONE),
    "api:escalation-flag-detail": (("risk",), API_IN_A),
    "api:warning-list": ((), API_EVERYONE),
    "api:warning-detail": (("warning",), API_IN_A),
    "api:warning-feedback": (("warning",), API_NOT_ALLOWED),
    # the grid worker's day: the instructions sent to the caller (the world's is the grid
    # worker's, nobody else's), the zero reports of the grids the caller sees
    "api:instruction-list": ((), API_EVERYONE),
    "api:instruction-detail":
        (("instruction",), (401, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    "api:instruction-answer": (("instruction",), API_NOT_ALLOWED),
    "api:zero-report-list": ((), API_EVERYONE),
    "api:zero-report-detail": (("zero_report",), API_IN_A),
    # 月统: the readers of the monthly statistics page, and API clients
    "api:statistics-monthly": ((), (401, 403, 200, 200, 200, 200, 200, 200, 200, 200)),
    "api:statistics-monthly-xlsx": ((), (401, 403, 200, 200, 200, 200, 200, 200, 200, 200)),
    # the map of the caller's scope: the dashboards' readers and API clients
    "api:area-map": ((), (401, 403, 200, 200, 403, 200, 200, 200, 200, 200)),
    # the caller's workbench (an API client's is an empty list)
    "api:me-todo": ((), API_EVERYONE),
    "api:supervision-finding-list": ((), API_EVERYONE),
    "api:supervision-finding-detail":
        (("finding",), (401, 404, 200, 404, 200, 200, 200, 404, 200, 200)),
    "api:listed-supervision-list": ((), API_EVERYONE),
    "api:listed-supervision-detail": (("listing",), API_IN_A),
    "api:campaign-list": ((), API_EVERYONE),
    "api:campaign-detail": (("campaign",), API_EVERYONE),
    # the API's schema and its Swagger page ---------------------------------------------------
    "api-schema": ((), API_EVERYONE),
    "api-docs": ((), API_EVERYONE),
}

UNSAFE = {
    "accounts:password_change": {"POST": SIGNED_IN},
    "accounts:second_factor_verify": {"POST": SIGNED_IN},
    "accounts:second_factor_enrol": {"POST": (LOGIN, 403, 403, 403, 403, 403, OK, OK, 403, OK)},
    "accounts:second_factor_remove": {"POST": SIGNED_IN},
    "accounts:notice_preferences": {"POST": SIGNED_IN},
    # only a token of one's own (named in the body; here none): tests/test_device_tokens.py
    "accounts:token_revoke": {"POST": (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404)},
    "inbox:message_open": {"POST": (LOGIN, 404, OK, 404, 404, 404, 404, 404, 404, 404)},
    "grids:area_change_request": {"POST": (LOGIN, 403, OK, 404, OK, 403, OK, 404, 403, OK)},
    # a street leader who did not ask decides; only the requester (A's officer) withdraws
    "grids:area_change_approve": {"POST": (LOGIN, 404, 403, 404, 403, 403, OK, 404, 403, OK)},
    "grids:area_change_refuse": {"POST": (LOGIN, 404, 403, 404, 403, 403, OK, 404, 403, OK)},
    "grids:area_change_withdraw": {"POST": (LOGIN, 404, OK, 404, 403, 403, 403, 404, 403,
                                            403)},
    "accounts:worker_create": {"POST": KEEPERS_WRITE},
    "accounts:worker_password_link": {"POST": KEEPERS_WRITE},
    "accounts:worker_deactivate": {"POST": KEEPERS_WRITE},
    "grids:duty_holder_assign": {"POST": KEEPERS_WRITE},
    "inbox:mark_all_read": {"POST": SIGNED_IN},
    "risks:risk_bulk": {"POST": (LOGIN, 403, OK, OK, OK, 403, OK, OK, 403, OK)},
    "risks:risk_create": {"POST": (LOGIN, OK, OK, OK, OK, 403, OK, OK, OK, OK)},
    "risks:risk_duplicate_suggestions": {"POST": SIGNED_IN},
    "risks:risk_edit": {"POST": MATTER_HANDLERS},
    "risks:risk_transition": {"POST": MATTER_HANDLERS},
    "risks:risk_note_add": {"POST": (LOGIN, OK, OK, 404, OK, 403, OK, 404, 403, OK)},
    "risks:risk_party_add": {"POST": MATTER_HANDLERS},
    "risks:risk_parties_unmask": {"POST": (LOGIN, 403, 403, 404, 403, 403, 403, 404, 403, OK)},
    "risks:risk_party_remove": {"POST": MATTER_HANDLERS},
    "risks:risk_link_duplicate": {"POST": SCOPED},
    "risks:risk_plan_edit": {"POST": MATTER_HANDLERS},
    "risks:risk_emergency_plan_edit": {"POST": MATTER_HANDLERS},
    "risks:risk_drill_create": {"POST": MATTER_HANDLERS},
    "risks:approval_request": {"POST": MATTER_HANDLERS},
    # a leader of the matter's street decides, never the officer who asked
    "risks:approval_decide": {"POST": (LOGIN, 403, 403, 404, 403, 403, OK, 404, 403, OK)},
    "risks:follow_up_add": {"POST": MATTER_HANDLERS},
    # files are added by those who may write a note on the matter (or who reported it)
    "risks:attachment_add": {"POST": (LOGIN, OK, OK, 404, OK, 403, OK, 404, 403, OK)},
    "ledgers:survey_import": {"POST": (LOGIN, OK, OK, OK, OK, 403, OK, OK, OK, OK)},
    "ledgers:archive_sheet": {"POST": MATTER_HANDLERS},
    "meetings:meeting_create": {"POST": (LOGIN, 403, OK, OK, 403, 403, OK, OK, 403, OK)},
    "meetings:meeting_edit": {"POST": MEETING_MANAGERS},
    "meetings:meeting_discard": {"POST": MEETING_MANAGERS},
    "meetings:meeting_approve": {"POST": MEETING_MANAGERS},
    "meetings:meeting_amend": {"POST": MEETING_MANAGERS},
    "meetings:agenda_add": {"POST": MEETING_MANAGERS},
    "meetings:agenda_adopt": {"POST": MEETING_MANAGERS},
    "meetings:agenda_remove": {"POST": MEETING_MANAGERS},
    "meetings:decision_record": {"POST": MEETING_MANAGERS},
    "meetings:action_item_add": {"POST": MEETING_MANAGERS},
    "meetings:action_item_remove": {"POST": MEETING_MANAGERS},
    "meetings:action_item_note": {"POST": MEETING_MANAGERS},
    "meetings:action_item_transition": {"POST": MEETING_MANAGERS},
    "meetings:whistle_create": {"POST": (LOGIN, OK, OK, OK, 403, 403, OK, OK, 403, OK)},
    "meetings:whistle_report_in": {"POST": SCOPED},
    "meetings:escalation_rules": {"POST": (LOGIN, 404, 403, 403, 403, 403, OK, OK, 403, OK)},
    "rhythm:warning_feedback": {"POST": (LOGIN, OK, OK, 404, OK, 403, OK, 404, 403, OK)},
    "rhythm:warning_create": {"POST": MATTER_HANDLERS},
    "rhythm:daily_check_item_confirm": {"POST": (LOGIN, 404, OK, 404, 403, 403, OK, 404, 403, OK)},
    "rhythm:daily_check_rest_unchanged":
        {"POST": (LOGIN, 404, OK, 404, 403, 403, OK, 404, 403, OK)},
    "rhythm:zero_report_create": {"POST": (LOGIN, OK, 403, 403, 403, 403, 403, 403, 403, 403)},
    "rhythm:instruction_create": {"POST": (LOGIN, 403, OK, OK, OK, 403, OK, OK, 403, OK)},
    "rhythm:instruction_answer": {"POST": (LOGIN, OK, 404, 404, 404, 404, 404, 404, 404, 404)},
    "supervision:inspection_create": {"POST": (LOGIN, 403, 403, 403, 403, OK, 403, 403, 403, OK)},
    "supervision:finding_create": {"POST": (LOGIN, 404, 403, 404, 403, OK, 403, 404, 403, OK)},
    "supervision:finding_transition": {"POST": (LOGIN, 404, OK, 404, 403, 403, 403, 404, 403, OK)},
    "supervision:evidence_add": {"POST": (LOGIN, 404, OK, 404, 403, OK, 403, 404, 403, OK)},
    "supervision:notice_create": {"POST": (LOGIN, 403, 403, 403, 403, OK, 403, 403, 403, OK)},
    "supervision:notice_edit": {"POST": (LOGIN, 404, 404, 404, 403, OK, 403, 404, 403, OK)},
    "supervision:notice_send": {"POST": (LOGIN, 404, 404, 404, 403, OK, 403, 404, 403, OK)},
    "supervision:listing_create": {"POST": (LOGIN, 403, 403, 403, 403, OK, OK, OK, 403, OK)},
    "supervision:listing_lift": {"POST": (LOGIN, 403, 403, 404, 403, OK, OK, 404, 403, OK)},
    "supervision:campaign_task_create": {
        "POST": (LOGIN, 403, 403, 403, 403, 403, OK, OK, 403, OK),
    },
    "supervision:campaign_link": {"POST": (LOGIN, 403, OK, OK, OK, 403, OK, OK, 403, OK)},
    "supervision:task_report": {"POST": (LOGIN, 404, OK, 404, 403, 403, OK, 404, 403, OK)},
    "supervision:campaign_unlink": {"POST": MATTER_HANDLERS},
    "api:notice-read": {"POST": (401, 404, OK, 404, 404, 404, 404, 404, 404, 404)},
    "api:notice-read-all": {"POST": API_SIGNED_IN},
    "api:webhook-list": {"POST": API_CLIENT_WRITES},
    "api:webhook-detail": {"DELETE": API_CLIENT_WRITES,
                           "PUT": (401, 403, 403, 403, 403, 403, 403, 403, 405, 403)},
    "api:auth-token": {"DELETE": API_SIGNED_IN},
    "api:risk-list": {"POST": API_SIGNED_IN},
    "api:risk-detail": {"PUT": API_NOT_ALLOWED, "PATCH": API_SCOPED},
    "api:risk-notes": {"POST": API_SCOPED},
    "api:risk-parties": {"POST": API_SCOPED},
    "api:risk-transition": {"POST": API_SCOPED},
    "api:approval-list": {"POST": API_SIGNED_IN},
    "api:approval-decide": {"POST": (401, 403, 403, 404, 403, 403, OK, 404, 403, OK)},
    "api:risk-follow-ups": {"POST": (401, 403, OK, 404, OK, 403, OK, 404, 403, OK)},
    "api:risk-attachments": {"POST": (401, OK, OK, 404, OK, 403, OK, 404, 403, OK)},
    "api:meeting-list": {"POST": API_SIGNED_IN},
    "api:meeting-detail": {
        "PUT": API_NOT_ALLOWED,
        "PATCH": (401, 403, OK, 404, 403, 403, OK, 404, 403, OK),
    },
    "api:meeting-action-items": {"POST": API_SCOPED},
    "api:meeting-amendments": {"POST": API_SCOPED},
    "api:meeting-approve": {"POST": (401, 403, OK, 404, 403, 403, OK, 404, 403, OK)},
    "api:meeting-decisions": {"POST": API_SCOPED},
    "api:meeting-items": {"POST": (401, 403, OK, 404, 403, 403, OK, 404, 403, OK)},
    "api:action-item-progress": {"POST": API_SCOPED},
    "api:action-item-transition": {"POST": API_SCOPED},
    "api:whistle-call-list": {"POST": API_SIGNED_IN},
    "api:whistle-call-report": {"POST": API_SCOPED},
    "api:warning-list": {"POST": API_SIGNED_IN},
    "api:warning-feedback": {"POST": API_SCOPED},
    "api:instruction-answer": {"POST": (401, OK, 404, 404, 404, 404, 404, 404, 404, 404)},
    # only grid workers file zero reports, for their own grid (a grid outside the caller's
    # scope is a 400 on ``grid``, as one that does not exist: not a refusal of the role)
    "api:zero-report-list": {"POST": (401, OK, 403, OK, 403, 403, 403, OK, 403, 403)},
    "api:me-todo": {"POST": API_NOT_ALLOWED},
    # the city platform's client acknowledges the dispute records it took (and the superuser)
    "api:ledger-dispute-ack": {"POST": (401, 403, 403, 404, 403, 403, 403, 404, OK, OK)},
}


# What a write sends, where an empty form would stop at its validation before the rule
# that refuses the role is reached (the apps check the role in the service, after the
# form). Each is a valid request for whoever may make it.
PAYLOADS = {
    "risks:risk_transition": lambda world: {
        "action": "start", "version": world.risk().version, "note": "开始化解"},
    "risks:risk_note_add": lambda world: {"note": "进展备注"},
    "risks:follow_up_add": lambda world: {"outcome": "satisfied", "note": "回访满意"},
    "api:risk-follow-ups": lambda world: {"outcome": "satisfied", "note": "回访满意"},
    "api:ledger-dispute-ack": lambda world: {"platform_ref": "JN-2026-0001"},
    "risks:approval_request": lambda world: {"kind": "pause", "reason": "等待法院判决"},
    "risks:approval_decide": lambda world: {"approve": "1", "note": "同意", "days": "3"},
    "grids:area_change_refuse": lambda world: {"note": "请先征求居民意见"},
    "api:approval-decide": lambda world: {"approve": True, "note": "同意", "days": 3},
    "risks:risk_party_add": lambda world: {"name": "李四", "phone": "13900000000",
                                           "relation": "party"},
    "meetings:action_item_note": lambda world: {"note": "进展"},
    "meetings:action_item_transition": lambda world: {"action": "complete", "note": "已完成"},
    "meetings:whistle_report_in": lambda world: {
        f"report-{world.objects['department_report']}-plan": "派员到场"},
    "rhythm:warning_feedback": lambda world: {"content": "已稳控"},
    "rhythm:warning_create": lambda world: {"content": "情绪激动"},
    "rhythm:daily_check_item_confirm": lambda world: {"outcome": "unchanged"},
    "rhythm:instruction_answer": lambda world: {"answer": "已走访"},
    "api:zero-report-list": lambda world: {
        "grid": world.objects["area"],
        "day": (timezone.localdate() - timedelta(days=1)).isoformat()},
    "supervision:finding_create": lambda world: {
        "severity": "general", "subject": "ledger", "ledger": "archive",
        "description": "档案缺失。", "rectification_required": "补齐。",
        "deadline": days_from_today(5).isoformat()},
    "supervision:finding_transition": lambda world: {"note": "已整改"},
    "supervision:evidence_add": lambda world: {"file": SimpleUploadedFile("现场.png", PNG)},
    "risks:attachment_add": lambda world: {"file": SimpleUploadedFile("现场.png", PNG)},
    "supervision:notice_edit": lambda world: {
        "title": "督办通知", "body": "请整改。", "findings": [world.objects["finding"]]},
    "supervision:listing_lift": lambda world: {"note": "已化解"},
    "supervision:task_report": lambda world: {"note": "已排查", "progress": 50,
                                              "status": "in_progress"},
}


# The admin -----------------------------------------------------------------------------------
# Only superusers use it: no persona is staff (asserted), and the admin's gate
# (AdminSite.has_permission) reads only is_active and is_staff, so every other role gets
# the admin's login page whatever the pattern. Each admin pattern is asked by the
# anonymous visitor, the street leader (the widest scope among the roles), the officer
# and the superuser.
ADMIN_ROLES = ("anonymous", "officer", "leader", "superuser")
ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")
ADMIN_REFUSED = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN)

# The superuser's answer on each registered model's changelist, add, change, history and
# delete pages. 403: the admin refuses it even to a superuser (history is append-only,
# matters are entered and changed through the register's services). 302 on a model
# without rows in the world: the admin says the object does not exist and goes back.
ADMIN_MODELS = {
    "auth.group": (200, 200, 302, 302, 302),
    "django_celery_beat.periodictask": (200, 200, 200, 200, 200),
    "django_celery_beat.clockedschedule": (200, 200, 302, 302, 302),
    "django_celery_beat.crontabschedule": (200, 200, 200, 200, 200),
    "django_celery_beat.solarschedule": (200, 200, 302, 302, 302),
    "django_celery_beat.intervalschedule": (200, 200, 200, 200, 200),  # the heartbeat's
    "otp_totp.totpdevice": (200, 200, 302, 302, 302),
    "axes.accessattempt": (200, 403, 302, 302, 302),
    "axes.accesslog": (200, 403, 302, 302, 302),
    "axes.accessfailurelog": (200, 403, 302, 302, 302),
    "accounts.user": (200, 200, 200, 200, 200),
    "accounts.apitoken": (200, 403, 200, 200, 200),
    "grids.area": (200, 200, 200, 200, 200),
    "grids.department": (200, 200, 200, 200, 200),
    "grids.dutyassignment": (200, 200, 200, 200, 403),
    "risks.category": (200, 200, 200, 200, 403),
    "risks.subtype": (200, 200, 200, 200, 403),
    "risks.subjectroute": (200, 200, 200, 200, 200),
    "risks.clockrule": (200, 200, 200, 200, 200),
    "risks.stageclock": (200, 403, 302, 302, 403),  # read only: clocks move with the flow
    "risks.risk": (200, 403, 200, 200, 403),
    "risks.riskevent": (200, 403, 200, 200, 403),
    "risks.resolutionplan": (200, 403, 200, 200, 403),
    "risks.emergencyplan": (200, 403, 200, 200, 403),
    "risks.emergencydrill": (200, 403, 200, 200, 403),
    "meetings.meeting": (200, 403, 200, 200, 403),
    "meetings.actionitem": (200, 403, 200, 200, 403),
    "meetings.whistlecall": (200, 403, 200, 200, 403),
    "meetings.escalationrule": (200, 200, 200, 200, 200),
    "supervision.supervisiongroup": (200, 200, 200, 200, 200),
    "supervision.inspection": (200, 403, 200, 200, 403),
    "supervision.finding": (200, 403, 200, 200, 403),
    "supervision.notice": (200, 403, 200, 200, 403),
    "supervision.listedsupervision": (200, 403, 200, 200, 403),
    "supervision.campaign": (200, 200, 200, 200, 200),
    "supervision.campaignprogressreport": (200, 403, 200, 200, 403),
    "supervision.campaignmatter": (200, 403, 200, 200, 403),
    "audit.auditentry": (200, 403, 200, 200, 403),
    "inbox.message": (200, 200, 200, 200, 200),
    "inbox.chatrobot": (200, 200, 302, 302, 302),
    "inbox.chatdelivery": (200, 403, 302, 302, 403),  # read only: written by the worker
    # subscriptions are made through the API (turned off here); deliveries are the worker's
    "webhooks.subscription": (200, 403, 200, 200, 403),
    "webhooks.delivery": (200, 403, 302, 302, 403),
    "rhythm.calendarday": (200, 200, 200, 200, 200),
    "rhythm.calendaryear": (200, 200, 200, 200, 200),  # change: read-only view
    "rhythm.riskwarning": (200, 403, 200, 200, 403),
    "rhythm.dailycheck": (200, 403, 200, 200, 403),
    "rhythm.zeroreport": (200, 403, 200, 200, 403),
    "rhythm.snapshot": (200, 403, 302, 302, 403),
    "rhythm.workinstruction": (200, 403, 200, 200, 403),
}

# The admin's own pages and the models' extra pages (the user's password, the TOTP
# device's key), in the order of ADMIN_ROLES. A model's bare object URL redirects to its
# change page (302); an unknown admin URL is 404 to the superuser.
ADMIN_SITE = {
    "admin:index": (*ADMIN_REFUSED, 200),
    "admin:login": (200, 200, 200, 302),
    "admin:logout": (302, 302, 302, 405),
    "admin:password_change": (*ADMIN_REFUSED, 200),
    "admin:password_change_done": (*ADMIN_REFUSED, 200),
    "admin:autocomplete": (*ADMIN_REFUSED, 403),
    "admin:jsi18n": (*ADMIN_REFUSED, 200),
    "admin:view_on_site": (*ADMIN_REFUSED, 404),
    "admin:otp_totp_totpdevice_config": (*ADMIN_REFUSED, 403),
    "admin:otp_totp_totpdevice_qrcode": (*ADMIN_REFUSED, 403),
    "admin:auth_user_password_change": (*ADMIN_REFUSED, 200),
    "admin:app_list": (*ADMIN_REFUSED, 200),
    "admin:grids_area_import_boundaries": (*ADMIN_REFUSED, 200),  # the boundaries' upload
    "admin/(?P<url>.*)$": (*ADMIN_REFUSED, 404),
}


# The world ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_in_rolled_back_transaction(django_db_blocker,
                                          tmp_path_factory.mktemp("media")) as built:
        yield built


@pytest.fixture(autouse=True)
def schema_without_generation(monkeypatch):
    """The schema endpoint answers with a stub: who may read it is the question here, and
    generating the whole schema ten times would take most of the matrix's time."""
    from drf_spectacular.generators import SchemaGenerator

    monkeypatch.setattr(SchemaGenerator, "get_schema",
                        lambda self, request=None, public=False: {"openapi": "3.0.3"})


def answer(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("accounts:login")):
            return LOGIN
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
    return response.status_code


def url_of(pattern, names, world) -> str:
    values = [world.objects[name] for name in names]
    assert len(values) == len(pattern.arguments), (
        f"{pattern.key}: the row names {len(values)} objects for {pattern.arguments}")
    return reverse(pattern.key, kwargs=dict(zip(pattern.arguments, values, strict=True)))


def request(world, role, method, pattern, url, data=None):
    client = client_for(world, role)
    if pattern.is_api and method != "GET":
        return client.generic(method, url, data=json.dumps(data or {}),
                              content_type="application/json")
    if data is None:
        return getattr(client, method.lower())(url)
    return getattr(client, method.lower())(url, data)


def row_counts() -> dict[str, int]:
    """How many rows each table holds (sessions and the audit trail aside: they record
    the request itself), in one query."""
    tables = [name for name in connection.introspection.table_names()
              if not name.startswith(("django_session", "audit_", "axes_"))]
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(name)})" for name in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def secrets_shown(world, response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    return [secret for secret in world.secrets if secret in text]


# The tests ----------------------------------------------------------------------------------

PATTERNS = {pattern.key: pattern for pattern in all_patterns()}


def test_every_url_pattern_has_a_row():
    missing = sorted(key for key, pattern in PATTERNS.items()
                     if not pattern.is_admin and key not in PAGES)
    assert not missing, (
        "URL patterns without a row in the authorisation matrix (tests/"
        "test_authorization_matrix.py: decide who may open them): " + ", ".join(missing))
    stale = sorted(set(PAGES) - set(PATTERNS)) + sorted(set(UNSAFE) - set(PAGES))
    assert not stale, "rows for URL patterns that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("key", sorted(PAGES))
def test_each_role_gets_the_answer_in_the_table(key, world, db):
    pattern = PATTERNS[key]
    names, expected_answers = PAGES[key]
    url = url_of(pattern, names, world)
    got, leaks = {}, {}
    for role in ROLES:
        response = request(world, role, "GET", pattern, url)
        got[role] = answer(response)
        if role in OUTSIDERS and response.status_code == 200:
            leaks[role] = secrets_shown(world, response)
    expected = dict(zip(ROLES, expected_answers, strict=True))
    assert got == expected, f"GET {url} ({key})"
    assert not any(leaks.values()), f"GET {url} shows community A's matter to {leaks}"


@pytest.mark.parametrize("key", sorted(UNSAFE))
def test_refused_writes_are_refused_and_change_nothing(key, world, db):
    pattern = PATTERNS[key]
    url = url_of(pattern, PAGES[key][0], world)
    for method, expected_answers in UNSAFE[key].items():
        expected = dict(zip(ROLES, expected_answers, strict=True))
        got = {}
        for role, wanted in expected.items():
            if wanted is None:
                continue
            assert wanted in REFUSALS, f"{key} {method} {role}: {wanted} is not a refusal"
            payload = PAYLOADS.get(key)
            before = row_counts()
            got[role] = answer(request(world, role, method, pattern, url,
                                       payload(world) if payload else None))
            assert row_counts() == before, f"{method} {url} by {role} changed the data"
        assert got == {role: wanted for role, wanted in expected.items()
                       if wanted is not None}, f"{method} {url} ({key})"


# The admin ----------------------------------------------------------------------------------

def admin_model_label(pattern) -> str | None:
    """``app_label.model_name`` of the registered model an admin pattern belongs to."""
    from django.contrib import admin

    parts = pattern.route.split("/")
    if len(parts) < 3:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
            return f"{parts[1]}.{parts[2]}"
    return None


def admin_expectation(pattern) -> tuple | None:
    """The answers of ADMIN_ROLES on an admin pattern, or None if the table has no row."""
    if pattern.key in ADMIN_SITE:
        return ADMIN_SITE[pattern.key]
    label = admin_model_label(pattern)
    if label not in ADMIN_MODELS:
        return None
    if not pattern.pattern.name:
        return (*ADMIN_REFUSED, 302) if pattern.route.endswith("<path:object_id>/") else None
    view = pattern.key.removeprefix(f"admin:{label.replace('.', '_')}_")
    if view not in ADMIN_VIEWS:
        return None
    return (*ADMIN_REFUSED, ADMIN_MODELS[label][ADMIN_VIEWS.index(view)])


def admin_url(pattern) -> str:
    """The pattern with its arguments filled: the first row of its model (0 when it has
    none), the register's app, a matter for "view on site", an unknown page."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from risks.models import Risk

    label = admin_model_label(pattern)
    model = apps.get_model(label) if label else Risk
    first = model._default_manager.order_by("pk").first()
    values = {"app_label": "risks", "url": "nowhere/",
              "content_type_id": str(ContentType.objects.get_for_model(Risk).pk),
              "id": str(first.pk if first else 0)}
    kwargs = {name: values.get(name, str(first.pk if first else 0))
              for name in pattern.arguments}
    if pattern.pattern.name:
        return reverse(pattern.key, kwargs=kwargs)
    url = "/" + pattern.route.replace("(?P<url>.*)$", kwargs.get("url", ""))
    return url.replace("<path:object_id>", kwargs.get("object_id", ""))


ADMIN_GROUPS: dict[str, list] = {}
for _pattern in PATTERNS.values():
    if _pattern.is_admin:
        ADMIN_GROUPS.setdefault(admin_model_label(_pattern) or "the admin site", []).append(
            _pattern)


def test_every_admin_pattern_has_a_row():
    missing = sorted(pattern.key for patterns in ADMIN_GROUPS.values() for pattern in patterns
                     if admin_expectation(pattern) is None)
    assert not missing, (
        "admin URL patterns without a row in ADMIN_MODELS or ADMIN_SITE (tests/"
        "test_authorization_matrix.py): " + ", ".join(missing))


def test_no_persona_but_the_superuser_is_staff(world, db):
    staff = [role for role, person in world.people.items()
             if person is not None and person.is_staff and role != "superuser"]
    assert staff == [], "the admin rows assume that only the superuser is staff"


@pytest.mark.parametrize("group", sorted(ADMIN_GROUPS))
def test_admin_pages_answer_only_the_superuser(group, world, db):
    got, expected = {}, {}
    for pattern in ADMIN_GROUPS[group]:
        wanted = admin_expectation(pattern)
        if wanted is None:
            continue  # test_every_admin_pattern_has_a_row names it
        url = admin_url(pattern)
        expected[url] = dict(zip(ADMIN_ROLES, wanted, strict=True))
        got[url] = {role: answer(request(world, role, "GET", pattern, url))
                    for role in ADMIN_ROLES}
    assert got == expected
