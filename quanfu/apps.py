from django.apps import AppConfig


class QuanfuConfig(AppConfig):
    name = "quanfu"
    verbose_name = "Quanfu"

    def ready(self):
        from quanfu.celery import ensure_filesystem_broker_folders

        ensure_filesystem_broker_folders()
