from typing import Any

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bureau.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from bureau.runtime import memo

        # An edit in the Django admin writes no audit event, but it does write a LogEntry.
        post_save.connect(_admin_changed, sender=LogEntry, dispatch_uid="audit-admin-changed")
        # Any write to what the chat turns remember, audited or not, makes it stale.
        memo.watch_models()


def _admin_changed(**kwargs: Any) -> None:
    from bureau.runtime import memo

    memo.changed()
