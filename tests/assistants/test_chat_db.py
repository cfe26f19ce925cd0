"""assistants/chat/db.py: database work of a chat turn in threads of its own."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from assistants.chat.db import beside
from bureau.tenancy.models import Organization

pytestmark = pytest.mark.django_db


def _where_and_what() -> tuple[str, str, int]:
    return threading.current_thread().name, translation.get_language(), Organization.objects.count()


# beside() runs on another thread's connection, which sees committed rows only.
@pytest.mark.django_db(transaction=True)
def test_beside_runs_in_another_thread_with_the_callers_language(settings: Any) -> None:
    settings.CHAT_DB_THREAD_SENSITIVE = False  # as in the web server
    Organization.objects.create(name="Sở Tư pháp", slug="so-tu-phap")
    with translation.override("vi"):
        searched = beside(_where_and_what)
        assert Organization.objects.count() == 1  # the caller goes on with its own queries
        thread, language, count = searched()
    assert thread.startswith("chat-beside") and thread != threading.current_thread().name
    assert (language, count) == ("vi", 1)
    # Waiting, the caller gave its connection back (to the pool, in the web server).
    assert connection.connection is None


def test_beside_raises_the_error_of_what_it_ran(settings: Any) -> None:
    settings.CHAT_DB_THREAD_SENSITIVE = False

    def failing() -> None:
        raise LookupError("embedding provider unreachable")

    with pytest.raises(LookupError, match="unreachable"):
        beside(failing)()


def test_under_pytest_beside_runs_in_the_callers_thread_when_asked() -> None:
    searched = beside(_where_and_what)
    assert searched()[0] == threading.current_thread().name
