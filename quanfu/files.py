"""Checking an uploaded file before it is kept, for every upload point that takes photos or
documents (supervision evidence, a matter's photos and files): its size, and its type read
from its first bytes, never from its name or the type the browser claims (an SVG or a page
renamed ``photo.jpg`` and sent as ``image/jpeg`` is refused). Photos (JPEG, PNG, WebP) and
PDF documents only.

The ceiling on a whole request is quanfu.uploads' (it stops reading before the disk);
``ceiling_passed`` tells a view that it did, so that a form whose files were cut off is
refused as a whole instead of being saved without them."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from quanfu.errors import RuleBroken
from quanfu.uploads import SizeLimitedUploadHandler, upload_max_bytes

HEAD_BYTES = 16


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str

    @property
    def is_photo(self) -> bool:
        return self.content_type.startswith("image/")


JPEG = FileKind("image/jpeg", "jpg")
PNG = FileKind("image/png", "png")
WEBP = FileKind("image/webp", "webp")
PDF = FileKind("application/pdf", "pdf")
PHOTOS = (JPEG, PNG, WEBP)


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


def megabytes(limit: int) -> float:
    return round(limit / 1024 / 1024, 1)


def check_upload(upload, *, limit: int, field: str = "file") -> FileKind:
    """Raise RuleBroken (on ``field``) unless the upload holds something, is at most
    ``limit`` bytes, and is a photo or a PDF by its content."""
    if upload is None or upload.size is None or upload.size == 0:
        raise RuleBroken(_("The file is empty."), field=field)
    if upload.size > limit:
        raise RuleBroken(_("The file is larger than %(limit)s MB.")
                         % {"limit": megabytes(limit)}, field=field)
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise RuleBroken(_("Only photos (JPEG, PNG, WebP) and PDF documents are accepted."),
                         field=field)
    return kind


def ceiling_passed(request) -> bool:
    """Did quanfu.uploads stop reading this request's files because they passed
    UPLOAD_MAX_BYTES? (Ask after the request's files were read.) The files are then
    missing, and whatever came after them in the form too."""
    handlers = getattr(request, "_upload_handlers", None) or []
    return any(isinstance(handler, SizeLimitedUploadHandler)
               and (getattr(handler, "too_large", False)
                    or handler.received > upload_max_bytes())
               for handler in handlers)


def ceiling_message() -> str:
    return _("The files sent together are larger than %(limit)s MB: nothing was saved. Send "
             "fewer or smaller files at once.") % {"limit": megabytes(upload_max_bytes())}
