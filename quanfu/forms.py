"""Form pieces every app's pages share."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

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


class SearchSelectMixin:
    """A select that holds only its chosen options: the others come, as the person types,
    from ``search_url`` (JSON ``{"results": [{"id", "text"}]}``), through Tom Select
    (static/js/pickers.js). A page then carries the few chosen names, not hundreds of
    options. Without JavaScript the select still shows and posts the chosen ones (and,
    for a single choice, can be emptied); choosing someone new needs the script. The
    field's queryset still validates whatever is posted."""

    TEXTS = {
        "data-placeholder": _("Type a name to search"),
        "data-picker-no-results": _("Nobody found"),
        "data-picker-type-more": _("Type a name or part of it"),
        "data-picker-remove": _("Remove"),
        "data-picker-clear": _("Clear"),
    }

    class Media:
        css = {"all": ["vendor/tom-select/tom-select.bootstrap5.min.css", "css/pickers.css"]}
        js = ["vendor/tom-select/tom-select.complete.min.js", "js/pickers.js"]

    def __init__(self, search_url: str, attrs=None):
        super().__init__(attrs={"data-picker-url": search_url, **self.TEXTS, **(attrs or {})})

    def optgroups(self, name, value, attrs=None):
        return [(None, [self.create_option(name, option_value, label,
                                           str(option_value) in value, index, attrs=attrs)],
                 index)
                for index, (option_value, label) in enumerate(self.chosen_choices(value))]

    def chosen_choices(self, value) -> list:
        """The choices whose value is in ``value``, read from the field's queryset by those
        values alone; a single choice's empty option first."""
        chosen = [item for item in value if item not in ("", None)]
        field = getattr(self.choices, "field", None)
        empty_label = getattr(field, "empty_label", None)
        empty = ([("", empty_label)] if empty_label is not None
                 and not self.allow_multiple_selected else [])
        if not chosen:
            return empty
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:
            return empty + [(key, label) for key, label in self.choices
                            if key != "" and str(key) in chosen]
        lookup = f"{field.to_field_name or 'pk'}__in"
        try:
            rows = list(queryset.filter(**{lookup: chosen}))
        except (ValueError, TypeError, ValidationError):
            rows = []  # a posted value that is no key at all: the field says so
        return empty + [self.choices.choice(row) for row in rows]


class SearchSelect(SearchSelectMixin, forms.Select):
    pass


class SearchSelectMultiple(SearchSelectMixin, forms.SelectMultiple):
    pass


# A file input whose button and "no file chosen" are in the page's language.
FILE_INPUT_TEMPLATE = "quanfu/widgets/file_input.html"


class StyledFormMixin:
    """Bootstrap classes on every widget, so that templates render fields plainly; file
    inputs with their words in the page's language (FILE_INPUT_TEMPLATE)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget = quick_widget(field.widget)
            if isinstance(widget, forms.FileInput):
                widget.template_name = FILE_INPUT_TEMPLATE
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
