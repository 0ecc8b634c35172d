"""The admin in Chinese (issue 18): every registered model's app, name and fields read in
Chinese, third-party ones (sign-in lock-out, the authenticator app) included; only
acronyms and proper nouns stay as they are."""

import re

from django.apps import apps
from django.contrib import admin
from django.utils import translation

# Acronyms and proper nouns read the same in Chinese text.
KEPT = {"ID", "IP", "HTTP", "Accept", "GET", "POST", "AMQP", "API", "Webhook", "sha256", "t0",
        "JSON", "URL", "T"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def english_words(text: str) -> set[str]:
    return set(WORD.findall(text)) - KEPT


def test_every_admin_model_reads_in_chinese():
    found = {}
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            meta = model._meta
            names = [str(apps.get_app_config(meta.app_label).verbose_name),
                     str(meta.verbose_name), str(meta.verbose_name_plural),
                     *(str(field.verbose_name) for field in meta.fields)]
            words = set().union(*(english_words(name) for name in names))
            if words:
                found[meta.label] = sorted(words)
    assert not found, found
