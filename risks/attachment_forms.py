"""The file inputs of a matter's photos and files: several files in one input, checked
here only for being files (their content is risks.attachments' business)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from quanfu.forms import StyledFormMixin

# What the phone offers: the matter's page takes photos and PDFs, the report form photos
# from the camera (the back one) or the gallery.
ATTACHMENT_ACCEPT = "image/*,application/pdf"
PHOTO_ACCEPT = "image/*"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``: a list (empty when none)."""

    def __init__(self, *, attrs: dict | None = None, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, **(attrs or {})}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data])
                   if upload]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]


def photos_field() -> MultipleFileField:
    """The report form's camera-friendly input: several photos, taken there and then."""
    return MultipleFileField(
        required=False, label=_("Photos"),
        help_text=_("Optional. Photos of what you found; their place and device data are "
                    "removed when they are kept."),
        attrs={"accept": PHOTO_ACCEPT, "capture": "environment"})


class AttachmentForm(StyledFormMixin, forms.Form):
    """Add photos or PDF documents to a matter (its page)."""

    file = MultipleFileField(label=_("Photos or PDF documents"),
                             attrs={"accept": ATTACHMENT_ACCEPT})
