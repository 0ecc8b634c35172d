"""Checking an evidence file before it is kept: its size, and its type read from its first
bytes (a renamed executable is refused whatever its name says). Photos (JPEG, PNG, WebP)
and PDF documents only."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from quanfu.errors import RuleBroken

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str


JPEG = FileKind("image/jpeg", "jpg")
PNG = FileKind("image/png", "png")
WEBP = FileKind("image/webp", "webp")
PDF = FileKind("application/pdf", "pdf")


def max_bytes() -> int:
    return getattr(settings, "SUPERVISION_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)


def sniff(head: bytes) -> FileKind | None:
    """The kind of file these first bytes begin, or None if it is none we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def check_upload(upload) -> FileKind:
    """Raise RuleBroken (on the ``file`` field) unless the upload is small enough and is a
    photo or a PDF by its content."""
    limit = max_bytes()
    if upload.size is None or upload.size == 0:
        raise RuleBroken(_("The file is empty."), field="file")
    if upload.size > limit:
        raise RuleBroken(_("The file is larger than %(limit)s MB.")
                         % {"limit": round(limit / 1024 / 1024, 1)}, field="file")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise RuleBroken(_("Only photos (JPEG, PNG, WebP) and PDF documents are accepted."),
                         field="file")
    return kind
