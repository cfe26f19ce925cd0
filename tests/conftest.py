"""Shared fixtures. Tests run against the real embedded PostgreSQL (with pgvector) and Redis, started
here on demand, unless DATABASE_URL / REDIS_URL point elsewhere."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("BUREAU_TESTING", "1")

from bureau import embedded

embedded.ensure_services()

from tests.factories import World, build_world  # noqa: E402
from tests.fakes.fake_llm import FakeLLM  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests go last: Playwright's synchronous API keeps an event loop running in the
    main thread from its first use to the end of the session, and tests that call asyncio.run()
    cannot run after that."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters live in the Redis cache, and what chat turns remember of the
    configuration in the process (bureau/memo.py): a test must not inherit another's."""
    from django.core.cache import cache

    from bureau import memo

    cache.clear()
    memo.forget_all()
    yield


@pytest.fixture
def world(db: None) -> World:
    """An organization with departments and one user per role, plus an outsider in another
    department and a second organization."""
    return build_world()


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    """The fake OpenAI-compatible model on loopback (tests/fakes), expecting the API key that the
    chat helpers' providers send."""
    from tests.assistants.chat_helpers import FAKE_KEY  # it reads the models: not at import time

    with FakeLLM(api_key=FAKE_KEY) as fake:
        yield fake


@pytest.fixture
def api() -> object:
    from rest_framework.test import APIClient

    return APIClient()
