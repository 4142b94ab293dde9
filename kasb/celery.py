"""The Celery app. With no CELERY_BROKER_URL tasks run in-process (eager); set it to run `kasb worker`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasb.settings")

app = Celery("kasb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
