"""A matter's photos and files (现场照片与材料): what is kept of an upload, who may add one,
and who may fetch one.

An upload passes quanfu.files (its size, its type read from its content: a photo or a
PDF). A photo (JPEG, PNG, WebP) is then decoded and written again by us with Pillow: turned
upright by its EXIF orientation, brought to sRGB, shrunk to at most PHOTO_MAX_SIDE pixels a
side, and saved without any of its metadata (the place it was taken, the phone, the
owner's name in a comment); a thumbnail of THUMBNAIL_SIDE pixels (JPEG) is kept beside it.
A picture of more than ``max_pixels()`` pixels is refused before it is decoded (a
"decompression bomb" of a few kilobytes that would unpack to gigabytes). A PDF is kept as
sent. Files are stored under names of ours (random), never the uploaded name, which is
kept only to show and to name the download.

Whoever may write a note on the matter may add a file to it (its handlers, the persons
named on it, the grid worker of its grid), and so may the person who reported it; a
matter written off or void is kept as it was: nothing is added until it is reopened.
Every download goes through the matter's scope and is written to the access log.
"""

import hashlib
import io
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

from audit.models import AccessLog
from audit.services import log_access
from quanfu import files
from quanfu.errors import Forbidden, RuleBroken
from risks import permissions
from risks.choices import RiskStatus
from risks.models import Attachment, Risk
from risks.scoping import visible_risks

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo (8160 × 6120) passes
PHOTO_MAX_SIDE = 2560
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
# The event on the matter's history (a note event: its kinds are a database choice).
ATTACH_ACTION = "attach"

PILLOW_FORMATS = {files.JPEG: "JPEG", files.PNG: "PNG", files.WEBP: "WEBP"}
CLOSED_STATUSES = (RiskStatus.CLOSED, RiskStatus.INVALID)


def max_bytes() -> int:
    return getattr(settings, "RISK_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels() -> int:
    return getattr(settings, "RISK_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)


# Who may add a file ------------------------------------------------------------------------

def refusal_to_attach(user, risk: Risk) -> str | None:
    """Why ``user`` may not add a file to ``risk`` now (a Forbidden's reason); None if they
    may. The matter's state is ``closed_refusal``'s question."""
    if (user.is_authenticated and risk.reported_by_id == user.pk
            and permissions.user_may(user, permissions.REPORT)):
        return None
    return permissions.refusal(user, permissions.NOTE, risk)


def closed_refusal(risk: Risk) -> str | None:
    if risk.status == RiskStatus.CLOSED:
        return _("This matter is written off and kept as it was: reopen it to add files.")
    if risk.status == RiskStatus.INVALID:
        return _("This matter is void and kept as it was: reopen it to add files.")
    return None


def may_attach(user, risk: Risk) -> bool:
    return closed_refusal(risk) is None and refusal_to_attach(user, risk) is None


def require_may_attach(user, risk: Risk, *, field: str = "file") -> None:
    reason = refusal_to_attach(user, risk)
    if reason is not None:
        raise Forbidden(reason)
    reason = closed_refusal(risk)
    if reason is not None:
        raise RuleBroken(reason, field=field)


# What is kept of an upload ----------------------------------------------------------------

@dataclass(frozen=True)
class PreparedFile:
    """An upload checked and, for a photo, written again: the bytes to store."""

    kind: files.FileKind
    content: bytes
    thumbnail: bytes | None
    original_name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def shown_name(upload, kind: files.FileKind) -> str:
    """The uploaded name, to show and to name the download: its last part only (the
    multipart parser already dropped any folder), at most 200 characters."""
    name = (getattr(upload, "name", "") or "").replace("\x00", "").strip()
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (name or f"{_('attachment')}.{kind.extension}")[-200:]


def prepare_upload(upload, *, field: str = "file") -> PreparedFile:
    """Check an upload and make what is kept of it. Raises RuleBroken on ``field``."""
    kind = files.check_upload(upload, limit=max_bytes(), field=field)
    name = shown_name(upload, kind)
    if not kind.is_photo:
        upload.seek(0)
        return PreparedFile(kind, upload.read(), None, name)
    image = _decoded_photo(upload, kind, field)
    return PreparedFile(kind, _encoded(image, kind), _thumbnail(image), name)


def _unreadable(field: str) -> RuleBroken:
    return RuleBroken(_("The photo cannot be read: send it again as a JPEG, PNG or WebP "
                        "photo."), field=field)


def _decoded_photo(upload, kind: files.FileKind, field: str) -> Image.Image:
    """The photo's pixels, upright, in sRGB, at most PHOTO_MAX_SIDE a side, without any
    of the metadata that came with it."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=[PILLOW_FORMATS[kind]])
            width, height = image.size
            if width * height > max_pixels():
                raise RuleBroken(
                    _("The photo has too many pixels (more than %(limit)s million).")
                    % {"limit": max_pixels() // 1_000_000}, field=field)
            if kind == files.JPEG:  # decode at a reduced scale when that is enough
                image.draft(image.mode, (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            image.load()
    except RuleBroken:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise RuleBroken(_("The photo has too many pixels (more than %(limit)s million).")
                         % {"limit": max_pixels() // 1_000_000}, field=field) from error
    except Exception as error:  # a crafted file can make Pillow raise anything
        raise _unreadable(field) from error
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block: the pixels as they lie
        upright = image.copy()
    upright = _in_srgb(upright, image.info.get("icc_profile"))
    upright.info = {}  # EXIF (GPS, device), XMP, comments, ICC: none is written again
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    return upright


def _in_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The pixels converted from the photo's colour profile (a phone's Display P3) to
    sRGB, so that dropping the profile keeps the colours; as they are if that fails."""
    if not icc_profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                         outputMode=image.mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _flattened(image: Image.Image) -> Image.Image:
    """RGB (or grey) for a JPEG: transparency laid on white."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encoded(image: Image.Image, kind: files.FileKind) -> bytes:
    buffer = io.BytesIO()
    if kind == files.JPEG:
        _flattened(image).save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind == files.WEBP:
        keep_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P"
                                                            and "transparency" in image.info)
        image.convert("RGBA" if keep_alpha else "RGB").save(buffer, "WEBP",
                                                             quality=JPEG_QUALITY)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    small = _flattened(image).copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
    return buffer.getvalue()


# Storing --------------------------------------------------------------------------------

@contextmanager
def removed_on_failure() -> Iterator[list[str]]:
    """The stored names written inside the block (the caller appends them) are deleted
    again if the block fails, the transaction it holds included: no file without its row."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            Attachment.file.field.storage.delete(name)
        raise


def store(risk: Risk, prepared: PreparedFile, *, actor, written: list[str], now=None
          ) -> Attachment:
    """Write the prepared file (and its thumbnail) under names of ours and its row. The
    caller holds the transaction and writes the event."""
    stem = uuid.uuid4().hex
    item = Attachment(risk=risk, original_name=prepared.original_name,
                      content_type=prepared.kind.content_type, size=len(prepared.content),
                      sha256=prepared.sha256, uploaded_by=actor,
                      uploaded_at=now or timezone.now())
    item.file.save(f"{stem}.{prepared.kind.extension}", ContentFile(prepared.content),
                   save=False)
    written.append(item.file.name)
    if prepared.thumbnail is not None:
        item.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(prepared.thumbnail), save=False)
        written.append(item.thumbnail.name)
    item.save()
    return item


# Reading --------------------------------------------------------------------------------

def attachments_of(risk: Risk):
    """The matter's files, oldest first, with who added them (one query)."""
    return risk.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")


def get_attachment_for_user(user, risk_pk, pk) -> Attachment:
    """A file of a matter the user sees; otherwise 404, as if missing."""
    try:
        return (Attachment.objects.select_related("risk")
                .get(pk=pk, risk_id=risk_pk, risk__in=visible_risks(user)))
    except (Attachment.DoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise Http404("No such file.") from error


def log_download(item: Attachment, *, actor, origin) -> None:
    """A download in the access log: who fetched which file of which matter, from where.
    (Thumbnails, which the matter's page shows, are ours and not logged one by one.)"""
    log_access(actor=actor, action=AccessLog.Action.EXPORT, target=f"risk:{item.risk.code}",
               detail=f"attachment {item.pk} {item.original_name}", origin=origin)


def attachment_files_in_use():
    """Every stored name the attachments' rows hold (photos and their thumbnails)."""
    from itertools import chain

    rows = Attachment.objects.values_list("file", "thumbnail")
    return (name for name in chain.from_iterable(rows) if name)
