"""The codes of categories and subtypes for the grid worker's drafts: the report form
chooses them by id, the API takes them by code (risks/api/serializers.py), and a draft
saved offline is turned into the API's body on the phone (static/js/drafts.js)."""

from django import template
from django.utils.html import json_script

from risks.models import Category, Subtype

register = template.Library()


@register.simple_tag
def report_codes():
    """Every category and subtype, retired ones too: a draft names what the worker chose,
    and the server says what became of it."""
    return json_script({
        "categories": dict(Category.objects.values_list("pk", "code")),
        "subtypes": dict(Subtype.objects.values_list("pk", "code")),
    }, "qf-report-codes")
