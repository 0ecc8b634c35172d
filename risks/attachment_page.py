"""The photos-and-files block of a matter's page (现场照片与材料): the photos as thumbnails,
the other files as a list, and the form to add more for those who may (one query: the
files with who added them)."""

from risks import attachments
from risks.attachment_forms import AttachmentForm


def matter_attachments(risk, user, form=None) -> dict:
    items = list(attachments.attachments_of(risk))
    return {
        "attachment_photos": [item for item in items if item.thumbnail],
        "attachment_files": [item for item in items if not item.thumbnail],
        "may_attach": attachments.may_attach(user, risk),
        "attachment_form": form or AttachmentForm(),
    }
