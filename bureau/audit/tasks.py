from celery import shared_task

from bureau.audit.services import audit_chains_verify_and_store


@shared_task(name="bureau.audit.tasks.verify_audit_chains")
def verify_audit_chains() -> int:
    """Daily (beat): verify every organization's chain and store the result for the audit screens."""
    return sum(result.events_checked for result in audit_chains_verify_and_store())
