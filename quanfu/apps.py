from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from quanfu.celery import ensure_filesystem_broker_folders
from quanfu.periodic import install_periodic_jobs


class QuanfuConfig(AppConfig):
    name = "quanfu"
    verbose_name = "Quanfu"

    def ready(self):
        ensure_filesystem_broker_folders()
        # Framework housekeeping: the periodic jobs' rows follow quanfu/periodic.py after
        # every migrate (sent once per app: only for django-celery-beat's).
        post_migrate.connect(install_periodic_jobs,
                             sender=apps.get_app_config("django_celery_beat"),
                             dispatch_uid="quanfu.install_periodic_jobs")
        # The one field name of django-celery-beat written as a plain string (no catalogue
        # reaches it), named for the admin in the site's languages.
        apps.get_model("django_celery_beat", "PeriodicTask")._meta.get_field(
            "task").verbose_name = _("Task Name")
