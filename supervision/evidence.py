"""Checking an evidence file before it is kept: its size, and its type read from its first
bytes (a renamed executable is refused whatever its name says). Photos (JPEG, PNG, WebP)
and PDF documents only: the checks are quanfu.files', shared with a matter's photos and
files; the limit is supervision's own."""

from django.conf import settings

from quanfu import files
from quanfu.files import JPEG, PDF, PNG, WEBP, FileKind, sniff
from supervision.models import Evidence

__all__ = ["JPEG", "PDF", "PNG", "WEBP", "FileKind", "check_upload", "max_bytes", "sniff"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return getattr(settings, "SUPERVISION_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_upload(upload) -> FileKind:
    """Raise RuleBroken (on the ``file`` field) unless the upload is small enough and is a
    photo or a PDF by its content."""
    return files.check_upload(upload, limit=max_bytes())


def evidence_files_in_use():
    """Every stored name the evidence rows hold."""
    return Evidence.objects.exclude(file="").values_list("file", flat=True)
