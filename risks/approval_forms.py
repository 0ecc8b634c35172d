"""Forms of the approvals (审批) on a matter's page and the approvals page: the shape of
the input only; the rules are in risks.approvals."""

from django import forms
from django.utils.translation import gettext_lazy as _

from quanfu.forms import StyledFormMixin, TextareaField
from risks.choices import ApprovalKind, RiskLevel

# The button that opens each kind's request, in the words of the street's practice.
REQUEST_LABELS = {
    ApprovalKind.WRITE_OFF: _("Request write-off approval"),
    ApprovalKind.DOWNGRADE: _("Request a downgrade"),
    ApprovalKind.EXTENSION: _("Request an extension"),
    ApprovalKind.PAUSE: _("Request to pause the clock"),
}


class ApprovalRequestForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=ApprovalKind.choices, widget=forms.HiddenInput)
    reason = TextareaField(label=_("Reason"), rows=3)
    days = forms.IntegerField(required=False, min_value=1, max_value=365,
                              label=_("Working days more"))
    level = forms.ChoiceField(required=False, label=_("New level"),
                              choices=[(RiskLevel.MEDIUM, RiskLevel.MEDIUM.label),
                                       (RiskLevel.LOW, RiskLevel.LOW.label)])

    def __init__(self, *args, kind: str | None = None, **kwargs):
        if kind is not None:
            kwargs.setdefault("initial", {"kind": kind})
            kwargs.setdefault("auto_id", f"id_approval_{kind}_%s")
        super().__init__(*args, **kwargs)
        kind = kind or self.data.get("kind")
        if kind != ApprovalKind.EXTENSION:
            del self.fields["days"]
        else:
            self.fields["days"].required = True
        if kind != ApprovalKind.DOWNGRADE:
            del self.fields["level"]
        else:
            self.fields["level"].required = True

    @property
    def kind_label(self) -> str:
        kind = self.data.get("kind") or self.initial.get("kind")
        return str(REQUEST_LABELS.get(kind, ""))


class ApprovalDecisionForm(StyledFormMixin, forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Deny"))],
                                     coerce=lambda value: value == "1",
                                     widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=2000, label=_("Decision note"))
    days = forms.IntegerField(required=False, min_value=1, max_value=365,
                              label=_("Working days granted"))
    next = forms.CharField(required=False, widget=forms.HiddenInput)
