"""The Celery app: Redis broker when REDIS_URL is set, a filesystem broker otherwise."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")

app = Celery("quanfu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()



def ensure_filesystem_broker_folders() -> None:
    """The filesystem transport needs its folders before the first message."""
    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
