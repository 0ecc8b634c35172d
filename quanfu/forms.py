"""Form pieces every app's pages share."""

from django import forms


class StyledFormMixin:
    """Bootstrap classes on every widget, so that templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue  # rendered as a list of form-check inputs by the template
            if isinstance(widget, forms.CheckboxInput):
                css_class = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css_class = "form-select"
            else:
                css_class = "form-control"
            widget.attrs.setdefault("class", css_class)


class TextareaField(forms.CharField):
    """A text area whose line ends are stored as the API stores them (\\n, not \\r\\n)."""

    def __init__(self, *args, rows: int = 4, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")
