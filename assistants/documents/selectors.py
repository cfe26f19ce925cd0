"""Reads of produced files: a file is visible to whoever owns its conversation, nobody else."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from assistants.conversations.services import conversation_list_for
from assistants.models import GeneratedFile
from bureau.exceptions import NotFound


def generated_file_get_for(*, actor: Any, file_id: int | str) -> GeneratedFile:
    try:
        pk = int(file_id)
    except (TypeError, ValueError):
        raise NotFound(_("File not found.")) from None
    found = (
        GeneratedFile.objects.filter(pk=pk, conversation__in=conversation_list_for(actor=actor))
        .select_related("conversation")
        .first()
    )
    if found is None:
        raise NotFound(_("File not found."))
    return found
