from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The workbench (工作台): each person's to-do lists, drawn from every app below."""

    name = "workbench"
    verbose_name = _("Workbench")
