"""Periodic work of the assistants app (beat)."""

from __future__ import annotations

from celery import shared_task

from assistants.conversations.services import messages_sweep_interrupted
from assistants.oversight.retention import retention_apply


@shared_task(name="assistants.tasks.sweep_interrupted_answers")
def sweep_interrupted_answers() -> int:
    return messages_sweep_interrupted()


@shared_task(name="assistants.tasks.apply_retention")
def apply_retention() -> int:
    """Deletes conversations past their retention period; returns how many went this run."""
    return sum(counts["conversations"] for counts in retention_apply().values())
