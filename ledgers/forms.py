from django import forms
from django.utils.translation import gettext_lazy as _

from ledgers.choices import ArchiveDocument
from ledgers.survey_sheet import MAX_UPLOAD_BYTES
from quanfu.forms import StyledFormMixin


class ArchiveFileForm(forms.Form):
    """Where a matter's paper file is kept and what it holds."""

    location = forms.CharField(label=_("Where the file is kept"), max_length=200,
                               required=False,
                               widget=forms.TextInput(attrs={"class": "form-control"}))
    documents = forms.MultipleChoiceField(label=_("Documents in the file"), required=False,
                                          choices=ArchiveDocument.choices,
                                          widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def __init__(self, *args, archive=None, **kwargs):
        if archive is not None:
            kwargs.setdefault("initial", {"location": archive.location,
                                          "documents": archive.documents,
                                          "note": archive.note})
        super().__init__(*args, **kwargs)


class SurveyUploadForm(StyledFormMixin, forms.Form):
    sheet = forms.FileField(label=_("Survey sheet (.xlsx)"),
                            widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    dry_run = forms.BooleanField(label=_("Check only (dry run): show what would be created"),
                                 required=False)

    def clean_sheet(self):
        sheet = self.cleaned_data["sheet"]
        if sheet.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB: import it in parts."))
        return sheet
