"""The Celery application. Queues: `ingest` (parsing, chunking), `embed` (embeddings), `attachments`
(both, for the files attached to conversations), `default`."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")

app = Celery("bureau")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["bureau.audit", "knowledge", "assistants"])


@worker_init.connect
def _start_embedded_services(**_: object) -> None:
    from bureau import embedded

    embedded.ensure_services()
