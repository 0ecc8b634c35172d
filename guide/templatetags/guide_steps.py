from django import template
from django.utils.html import escape, format_html

register = template.Library()


@register.simple_tag
def step_text(step):
    """The step's text with the pages' labels in bold where its {0}, {1}… stand."""
    text = escape(str(step.text))
    if not step.labels:
        return text
    return format_html(text, *(format_html("<strong>{}</strong>", label)
                               for label in step.labels))
