"""The guide (操作指南): for each role, one section per task it does, in the order of its
working day. A section names the pages it covers (the "?" in every page's header opens the
section covering that page), its steps and the screenshots of those pages.

The steps name the pages' own buttons and headings through the same messages the pages
use (``labels``), so that a label renamed on a page is renamed in the guide. The
screenshots are saved by tests/test_browser_guide.py doing each task as that role; `make
guide-screenshots` copies them into static/guide/.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ledgers.choices import Ledger
from risks.choices import Action

SCREENSHOT_FOLDER = "guide"  # static/guide/<name>.png, var/screenshots/guide/<name>.png


@dataclass(frozen=True)
class Step:
    """One step: its text, with {0}, {1}… where the page's labels go (shown in bold)."""

    text: str
    labels: tuple = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    url_names: tuple[str, ...]
    steps: tuple[Step, ...]
    screenshots: tuple[str, ...]


EXPORT = Section(
    "export", _("Export a ledger (导出台账)"),
    ("ledgers:ledger_index", "ledgers:ledger_page", "ledgers:ledger_export",
     "ledgers:export_download"),
    (Step(_("Open {0} in the menu and choose a ledger: {1}."),
          (_("Ledgers"), Ledger.ONLINE.label)),
     Step(_("Narrow the rows with the filters above the table; the export keeps them.")),
     Step(_("Press {0}. Up to 5,000 rows download at once; a larger export is written in "
            "the background and arrives in your {1}."), (_("Export to Excel"), _("Inbox"))),
     Step(_("Names and phone numbers are masked; every export records who exported it and "
            "when."))),
    ("ledger_export",),
)

GUIDE: dict[str, tuple[Section, ...]] = {
    Role.GRID_WORKER: (
        Section(
            "report", _("Report a matter (排查上报)"),
            ("risks:risk_create", "risks:risk_duplicate_suggestions", "risks:risk_list",
             "risks:risk_detail", "home"),
            (Step(_("Press {0} in the menu (or on your home page)."), (_("Report a matter"),)),
             Step(_("Choose the {0} and the {1}, write a short {2} and the {3}: what, where, "
                    "since when, how many people are involved. No ID or mobile numbers."),
                  (_("Category"), _("Subtype"), _("Title"), _("Description"))),
             Step(_("Possible duplicates appear below the description; open them to check, "
                    "they never stop you from saving.")),
             Step(_("Press {0}. The matter gets its code and waits for the community to "
                    "verify it."), (_("Send the report"),))),
            ("grid_report",),
        ),
        Section(
            "zero_report", _("Daily zero report (日报零报告)"),
            ("rhythm:grid_today", "rhythm:zero_report_create", "rhythm:instruction_answer"),
            (Step(_("Open {0} in the menu."), (_("My day in the grid"),)),
             Step(_("Found nothing new today? Press {0}: silence is then not mistaken for "
                    "\u201cno risk\u201d."), (_("File a zero report"),)),
             Step(_("The page then shows {0} with the time; found something later? Report it "
                    "as usual."), (_("Zero report filed"),))),
            ("grid_zero_report",),
        ),
    ),
    Role.COMMUNITY_OFFICER: (
        Section(
            "verify", _("Verify and grade (核实定级)"),
            ("home", "risks:risk_list", "risks:risk_detail", "risks:risk_edit"),
            (Step(_("On your home page, {0} lists the new reports of your community."),
                  (_("Matters to verify"),)),
             Step(_("Open the matter, check it on the spot and press {0}."),
                  (Action.VERIFY.label,)),
             Step(_("Press {0}: choose the {1} and name the four responsible persons, then "
                    "{2}."), (_("Edit, grade and assign"), _("Level"), _("Save")))),
            ("officer_verify",),
        ),
        Section(
            "dispatch", _("Dispatch to a section (分流)"),
            ("risks:risk_detail", "risks:risk_transition"),
            (Step(_("On your home page, {0} lists what waits to be sent on."),
                  (_("Verified matters to dispatch"),)),
             Step(_("On the matter's page press {0}."), (Action.DISPATCH.label,)),
             Step(_("The {0} proposed for the matter's subtype is chosen; change it if "
                    "needed, then confirm with {1}."),
                  (_("Department"), Action.DISPATCH.label)),
             Step(_("The section signs for it or returns it with a reason; a returned "
                    "matter comes back to your home page.")),),
            ("officer_dispatch",),
        ),
        Section(
            "write_off", _("Write off (销号)"),
            ("risks:risk_detail", "risks:approval_request", "risks:follow_up_list",
             "risks:follow_up_add"),
            (Step(_("Open the resolved matter; whoever resolved it does not write it off.")),
             Step(_("A high-level matter first needs a street leader's approval: press {0} "
                    "and {1}."), (_("Request write-off approval"), _("Send the request"))),
             Step(_("Press {0}, fill in the {1} and confirm with {0}."),
                  (Action.CLOSE.label, _("Resolution note (how it was resolved)"))),
             Step(_("Written-off matters are called back later under {0}."),
                  (_("Follow-up calls"),))),
            ("officer_write_off",),
        ),
        Section(
            "daily_check", _("Daily check (日核)"),
            ("rhythm:daily_check_overview", "rhythm:daily_check_detail",
             "rhythm:daily_check_item_confirm", "rhythm:daily_check_rest_unchanged"),
            (Step(_("Open {0} in the menu: your community's checklist of the day opens."),
                  (_("Daily check"),)),
             Step(_("For each open matter press {0}, or {1} and write what changed, then "
                    "{2}."), (_("Unchanged"), _("Changed…"), _("Save: changed"))),
             Step(_("When nothing else changed, {0} confirms the rest in one step."),
                  (_("All remaining matters unchanged"),))),
            ("officer_daily_check",),
        ),
        Section(
            "meeting", _("Community joint meeting (联席会议)"),
            ("meetings:meeting_list", "meetings:meeting_create", "meetings:meeting_detail",
             "meetings:meeting_edit", "meetings:agenda_add", "meetings:agenda_adopt",
             "meetings:decision_record", "meetings:meeting_approve",
             "meetings:action_item_list", "meetings:action_item_detail"),
            (Step(_("Open {0} and press {1}; choose the tier, the area, the title and the "
                    "chair, then {2}."),
                  (_("Joint meetings"), _("Convene a meeting"), _("Create the draft"))),
             Step(_("The agenda proposes the matters escalated to this tier and overdue action "
                    "items: press {0}."), (_("Add all proposed items"),)),
             Step(_("Record each item's decision (settle, escalate, follow up) and the action "
                    "items.")),
             Step(_("Press {0}: the decisions are carried out and the minutes are locked."),
                  (_("Approve the minutes"),))),
            ("officer_meeting",),
        ),
        EXPORT,
    ),
    Role.SECTION_STAFF: (
        Section(
            "accept", _("Sign for a dispatched matter (签收)"),
            ("home", "risks:risk_list", "risks:risk_detail", "risks:risk_transition"),
            (Step(_("On your home page, {0} lists what was dispatched to your section."),
                  (_("Dispatched to my section, to sign for"),)),
             Step(_("Open the matter and press {0}: your section now owns it and its handling "
                    "clock starts."), (Action.ACCEPT.label,)),
             Step(_("Not your section's subject? Press {0} and give the reason; after two "
                    "returns a street leader decides."), (Action.RETURN.label,)),
             Step(_("Work on it with {0}, and when it is done {1} with the resolution note; "
                    "the community verifies it and writes it off."),
                  (Action.START.label, Action.RESOLVE.label))),
            ("section_accept",),
        ),
        EXPORT,
    ),
    Role.STREET_LEADER: (
        Section(
            "write_off", _("Approve a write-off (销号审批)"),
            ("home", "risks:approval_list", "risks:approval_decide", "risks:risk_detail"),
            (Step(_("On your home page, {0} counts the requests; the menu item {1} opens "
                    "them."), (_("Approvals waiting for me"), _("Approvals"))),
             Step(_("Read the request and the matter, then press {0}, or write a note and "
                    "press {1}."), (_("Approve"), _("Deny"))),
             Step(_("A request you made yourself is decided by another leader."))),
            ("leader_approval",),
        ),
        Section(
            "meeting", _("Street joint meeting (联席会议)"),
            ("meetings:meeting_list", "meetings:meeting_create", "meetings:meeting_detail",
             "meetings:meeting_edit", "meetings:agenda_add", "meetings:agenda_adopt",
             "meetings:decision_record", "meetings:meeting_approve", "meetings:meeting_print",
             "meetings:tier_dashboards", "meetings:tier_dashboard"),
            (Step(_("Open {0} and press {1}; choose the street tier, then {2}."),
                  (_("Joint meetings"), _("Convene a meeting"), _("Create the draft"))),
             Step(_("The matters the communities escalated are proposed first: press {0}."),
                  (_("Add all proposed items"),)),
             Step(_("Record each decision and its action items, then press {0} and confirm: "
                    "the register carries the decisions out."), (_("Approve the minutes"),))),
            ("leader_meeting",),
        ),
        EXPORT,
    ),
    Role.SUPERVISOR: (
        Section(
            "inspection", _("Record an inspection (督导检查)"),
            ("home", "supervision:inspection_list", "supervision:inspection_create",
             "supervision:inspection_detail", "supervision:finding_create",
             "supervision:finding_detail", "supervision:finding_list"),
            (Step(_("Open {0} in the menu and press {1}."),
                  (_("Supervision"), _("Record an inspection"))),
             Step(_("Choose the {0} and the {1}, the {2}, the {3} and the {4}, and write {5}."),
                  (_("Supervision group"), _("Community"), _("Inspection date"), _("Kind"),
                   _("Manner"), _("What was checked"))),
             Step(_("Press {0}; then add the findings on the inspection's page. A finding "
                    "closes when the community has rectified it and your group accepts it."),
                  (_("Save the inspection"),))),
            ("supervisor_inspection",),
        ),
        EXPORT,
    ),
}

ROLES = tuple(GUIDE)


def sections_of(role: str) -> tuple[Section, ...]:
    return GUIDE.get(role, ())


def every_screenshot() -> set[str]:
    return {name for sections in GUIDE.values() for section in sections
            for name in section.screenshots}


def role_url(role: str) -> str:
    return reverse("guide:role", args=[role])


def link_for(user, url_name: str) -> str:
    """The guide's section for the page ``url_name`` as ``user``'s role does it; their
    role's guide when no section covers it; the guide's index for a person of no role."""
    role = getattr(user, "role", "")
    if role not in GUIDE:
        return reverse("guide:index")
    for section in GUIDE[role]:
        if url_name in section.url_names:
            return f"{role_url(role)}#{section.key}"
    return role_url(role)
