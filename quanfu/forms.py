"""Form pieces every app's pages share."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

SELECTED = {"selected": True}


class QuickOptionsMixin:
    """A select rendered in Python rather than one template per option: the same HTML as
    Django's widget templates (tests/test_forms.py compares them), but a select of a few
    hundred people or areas costs a millisecond instead of tens."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                attrs = option["attrs"]
                extra = (" selected" if attrs == SELECTED else
                         "" if not attrs else flatatt(attrs))
                parts.append(f'<option value="{escape(option["value"])}"{extra}>'
                             f'{escape(option["label"])}</option>')
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class QuickSelect(QuickOptionsMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickOptionsMixin, forms.SelectMultiple):
    pass


QUICK_WIDGETS = {forms.Select: QuickSelect, forms.SelectMultiple: QuickSelectMultiple}


def quick_widget(widget: forms.Widget) -> forms.Widget:
    """The quick twin of a plain Select or SelectMultiple (same attributes and choices)."""
    quick_class = QUICK_WIDGETS.get(type(widget))
    if quick_class is None:
        return widget
    quick = quick_class(attrs=widget.attrs, choices=widget.choices)
    quick.is_required, quick.is_localized = widget.is_required, widget.is_localized
    return quick


class StyledFormMixin:
    """Bootstrap classes on every widget, so that templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget = quick_widget(field.widget)
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
