from celery import shared_task

from bureau.audit.services import audit_chains_verify_and_store


@shared_task(name="bureau.audit.tasks.verify_audit_chains")
def verify_audit_chains() -> int:
    """Hourly (beat): verify every organization's chain against its last checkpoint, store the
    results for the audit screens, and write a new checkpoint of each intact chain."""
    return sum(result.events_checked for result in audit_chains_verify_and_store())
