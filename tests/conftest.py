"""Shared fixtures. Tests run against the real embedded PostgreSQL (with pgvector) and Redis, started
here on demand, unless DATABASE_URL / REDIS_URL point elsewhere."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("BUREAU_TESTING", "1")

from bureau import embedded

embedded.ensure_services()

from tests.factories import World, build_world  # noqa: E402
from tests.fakes.fake_llm import FakeLLM  # noqa: E402

# The tests that took this long or more, and how long, as the last run measured them (in pytest's
# cache, .pytest_cache): the next run starts them first.
SLOW_SECONDS = 5.0
DURATIONS_KEY = "bureau/slow-tests"
_durations: dict[str, float] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests go last: Playwright's synchronous API keeps an event loop running in the
    main thread from its first use to the end of the session, and tests that call asyncio.run()
    cannot run after that. The slow tests go first, the longest first (one marked slow and not yet
    measured counts as a minute): in parallel (pytest-xdist hands tests out in this order) they
    overlap the many short ones instead of finishing alone at the end. The rest keep their order."""
    cache = getattr(config, "cache", None)
    known: dict[str, float] = cache.get(DURATIONS_KEY, {}) if cache else {}

    def seconds(item: pytest.Item) -> float:
        return known.get(item.nodeid) or (60.0 if item.get_closest_marker("slow") else 0.0)

    items.sort(key=lambda item: ("/tests/e2e/" in str(item.path).replace("\\", "/"), -seconds(item)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # The test's own time: the first test of a worker also sets its database up, which is no test's.
    if report.when == "call":
        _durations[report.nodeid] = report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In the main process, which pytest-xdist's workers report to."""
    cache = getattr(session.config, "cache", None)
    if cache is None or hasattr(session.config, "workerinput"):
        return
    remembered = {test: s for test, s in cache.get(DURATIONS_KEY, {}).items() if test not in _durations}
    remembered |= {test: round(s, 1) for test, s in _durations.items() if s >= SLOW_SECONDS}
    cache.set(DURATIONS_KEY, remembered)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings: None) -> None:
    """The test database is created, migrated and dropped by the owner, as in production."""
    from tests.db_roles import connect_as

    connect_as("owner")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The tests connect as the application's role: what it may not do fails in tests as it would
    in production. Transactional tests are set up and flushed by the owner (the flush TRUNCATEs
    the audit tables, which the application's role may not)."""
    from django.test import TransactionTestCase

    from tests.db_roles import as_owner, connect_as

    setup = TransactionTestCase._fixture_setup.__func__  # type: ignore[attr-defined]
    teardown = TransactionTestCase._fixture_teardown  # type: ignore[attr-defined]

    @classmethod  # type: ignore[misc]
    def setup_as_owner(cls: type[TransactionTestCase]) -> None:
        with as_owner():
            setup(cls)

    def teardown_as_owner(self: TransactionTestCase) -> None:
        with as_owner():
            teardown(self)

    connect_as("app")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_setup", setup_as_owner)
        patch.setattr(TransactionTestCase, "_fixture_teardown", teardown_as_owner)
        yield
    with django_db_blocker.unblock():
        connect_as("owner")


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test its own checkpoint directory: the test database, and its organizations' ids, are
    new at each run, and the embedded default's var/audit belongs to the `make run` database."""
    settings.BUREAU_AUDIT_CHECKPOINT_DIR = str(tmp_path_factory.mktemp("audit"))
    settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG = ""


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters live in the Redis cache, and what chat turns remember of the
    configuration in the process (bureau/runtime/memo.py): a test must not inherit another's."""
    from django.core.cache import cache

    from bureau.runtime import memo

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
