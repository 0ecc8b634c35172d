"""The audit log's filtered entries as .xlsx, written row by row with the ledgers' writer
(quanfu.xlsx: write-only, formula-safe text, who exported it and when)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.choices import AuditAction
from audit.wording import ChangeWords, record_label
from quanfu.xlsx import Column, LedgerWorkbook, exported_line

# Excel holds about a million rows; an export this large is a backup, not a reading.
MAX_EXPORT_ROWS = 200_000
BATCH = 2000
FIELDS = ("seq", "created_at", "username", "action", "model_label", "object_id",
          "object_repr", "changes", "target", "detail", "ip_address", "user_agent",
          "request_id", "origin", "hash")


def columns() -> list[Column]:
    return [Column(_("No."), 10), Column(_("When"), 19), Column(_("Who"), 16),
            Column(_("Action"), 14), Column(_("Record type"), 22), Column(_("Record id"), 10),
            Column(_("Record"), 30), Column(_("Changed fields"), 50), Column(_("What"), 30),
            Column(_("Detail"), 40), Column(_("IP address"), 16), Column(_("Client"), 30),
            Column(_("Request id"), 34), Column(_("Origin"), 30), Column(_("Hash"), 66)]


def _rows(queryset):
    """Newest first, walking the seq index in batches (memory stays flat)."""
    before = None
    while True:
        page = queryset.order_by("-seq")
        if before is not None:
            page = page.filter(seq__lt=before)
        batch = list(page.values(*FIELDS)[:BATCH])
        if not batch:
            return
        words = ChangeWords(batch)  # the records the batch's changes name, read at once
        for row in batch:
            row["change_words"] = words.lines(record_label(row), row["changes"])
        yield from batch
        before = batch[-1]["seq"]


def write_entries(queryset, *, user):
    """Returns (open temporary file, rows written, whether rows were left out)."""
    actions = dict(AuditAction.choices)
    workbook = LedgerWorkbook()
    sheet = workbook.add_sheet(_("Audit log"), columns())
    truncated = False
    for row in _rows(queryset):
        if sheet.rows >= MAX_EXPORT_ROWS:
            truncated = True
            break
        sheet.append([
            row["seq"], timezone.localtime(row["created_at"]), row["username"],
            str(actions.get(row["action"], row["action"])), row["model_label"],
            row["object_id"], row["object_repr"], "\n".join(row["change_words"]),
            row["target"], row["detail"], row["ip_address"], row["user_agent"],
            row["request_id"], row["origin"], row["hash"],
        ])
    footer = exported_line(user)
    if truncated:
        footer += "　" + _("Only the newest %(rows)s entries: narrow the filters for the rest.") \
            % {"rows": MAX_EXPORT_ROWS}
    sheet.finish(footer)
    return workbook.save(), sheet.rows, truncated
