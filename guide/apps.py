from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuideConfig(AppConfig):
    """The guide (操作指南): each role's tasks step by step, with the pages' screenshots."""

    name = "guide"
    verbose_name = _("Guide")
