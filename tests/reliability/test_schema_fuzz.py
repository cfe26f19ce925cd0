"""Schemathesis over the whole API: every operation /api/schema/ describes, at the time the test runs,
is called with generated valid and invalid input by every kind of caller (each role, an API key,
nobody), in-process through the WSGI app, against a world with real objects (assistants, knowledge
bases, documents, conversations with messages, shares, keys) whose ids the path parameters use.

Each response must not be a 5xx, must have a documented status code and content type, and its body
must match the documented schema. Every call runs in a savepoint rolled back afterwards, so each
example sees the same world. Bounded: SCHEMA_FUZZ_EXAMPLES examples per operation and generation
mode (default 4), a fixed seed (derandomized Hypothesis), no shrinking: failures are collected and
reported together, with the figures of the run. The operations are dealt into SHARDS tests, which
parallel test workers share out, each far within its timeout on a busy machine."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import permission_matrix  # before tests.matrix, whose modules it loads
from tests.factories import World
from tests.fakes.fake_llm import FakeLLM

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "4"))
SHARDS = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CALLERS = ["org_admin", "auditor", "dept_admin", "builder", "member", "outsider", "api_key", "anonymous"]
# The chat views are async; served through WSGI in-process, their streams are read whole (as intended).
pytestmark = pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous iterators")
CSRF_TOKEN = "0123456789abcdef" * 2  # any 32 letters and digits: the cookie and the header must match


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """As Django's test client does: the request signals must not close the test's connection,
    which is inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _objects(world: World, llm: FakeLLM) -> dict[str, Any]:
    """Real objects for the path parameters, by parameter name, consistent with each other (the
    document is in the knowledge base, the message in the conversation...)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assistants.conversations.attachments import attachment_add
    from assistants.conversations.services import conversation_create
    from assistants.models import Message
    from bureau.audit.models import AuditEvent
    from bureau.tenancy.models import Membership
    from knowledge.models import Document
    from tests.assistants.chat_helpers import make_assistant, make_provider
    from tests.matrix import assistants as assistant_cases
    from tests.matrix import documents
    from tests.matrix import llm as llm_cases

    with transaction.atomic():
        assistant_cases._published(world)
        assistant = assistant_cases._assistant(world)
        share_url = assistant_cases._share(world)
        provider = make_provider(world.department, llm.base_url)
        chat_assistant = make_assistant(
            world.department,
            slug="fuzz-chat",
            provider=provider,
            knowledge_bases=[permission_matrix._kb(world)],
        )
        permission_matrix._queued_doc(world)
        document = Document.objects.filter(knowledge_base=permission_matrix._kb(world)).latest("id")
        grant_url = permission_matrix._grant(world)
        # The member's conversation with the assistant answering through the fake model, with a file.
        conversation = conversation_create(actor=world.user("member"), assistant=chat_assistant)
        [attached] = attachment_add(
            actor=world.user("member"),
            conversation=conversation,
            files=[SimpleUploadedFile("ghi_chu.txt", "Ghi chú cuộc họp.".encode())],
            dispatch=False,
        )
        assert attached.document is not None
        Message.objects.create(conversation=conversation, role="user", content="Thời giờ làm việc?")
        answer = Message.objects.create(conversation=conversation, role="assistant", content="Tám giờ.")
        download_url = documents._download(world)
        key = permission_matrix._api_key(world)
    return {
        "assistant_id": assistant.pk,
        "number": 1,
        "share_id": int(share_url.rstrip("/").rsplit("/", 1)[1]),
        "slug": "tom-tat-van-ban",  # a template
        "kb_id": permission_matrix._kb(world).pk,
        "doc_id": document.pk,
        "grant_id": int(grant_url.rstrip("/").rsplit("/", 1)[1]),
        "conversation_id": conversation.pk,
        "message_id": answer.pk,
        "document_id": attached.document.pk,
        "file_id": int(download_url.rstrip("/").split("/")[-2]),
        "department_id": world.department.pk,
        "membership_id": Membership.objects.get(user=world.user("member"), department=world.department).pk,
        "key_id": key.pk,
        "provider_id": llm_cases._provider(world).pk,
        "organization_id": world.organization.pk,
        "event_id": AuditEvent.objects.filter(department_id=world.department.pk).latest("id").pk,
    }


def _callers(world: World) -> dict[str, dict[str, dict[str, str]]]:
    """The headers and cookies of each caller: a signed-in session (with its CSRF pair) per role,
    an API key of the department, and nobody."""
    from bureau.tenancy.services import api_key_create

    callers: dict[str, dict[str, dict[str, str]]] = {"anonymous": {"headers": {}, "cookies": {}}}
    for role in world.users:
        client = Client()
        client.force_login(world.user(role))
        callers[role] = {
            "headers": {"X-CSRFToken": CSRF_TOKEN},
            "cookies": {
                settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
                settings.CSRF_COOKIE_NAME: CSRF_TOKEN,
            },
        }
    with transaction.atomic():
        created = api_key_create(
            actor=None, department=world.department, name="fuzz", scopes=["read", "chat", "write"]
        )
    callers["api_key"] = {"headers": {"Authorization": f"Bearer {created.raw_key}"}, "cookies": {}}
    return callers


def _streaming_operations(raw: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in raw["paths"].items()
        for method, operation in item.items()
        if "text/event-stream" in operation.get("responses", {}).get("200", {}).get("content", {})
    }


@dataclass
class Run:
    operations: int = 0
    examples: int = 0
    calls: int = 0
    streams: int = 0  # answers read as server-sent events, each event checked against the schema
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, problem) -> detail


def _fuzz(
    operation: Any, mode: GenerationMode, objects: dict[str, Any], call: Callable[[Any, int], None]
) -> None:
    examples = 0

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode), real_ids=st.integers(0, 3))
    def run(case: Any, real_ids: int) -> None:
        # Mostly ids of real objects, so that calls reach the views' logic, not only their 404.
        if real_ids and case.path_parameters:
            for name in case.path_parameters:
                if name in objects:
                    case.path_parameters[name] = objects[name]
        nonlocal examples
        examples += 1
        call(case, examples)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_conforms_to_the_schema(
    shard: int,
    world: World,
    llm: FakeLLM,
    wsgi_in_test_transaction: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from django.core.wsgi import get_wsgi_application

    llm.responder = None
    objects = _objects(world, llm)
    callers = _callers(world)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    streaming = _streaming_operations(schema.raw_schema)
    run = Run()

    def call(case: Any, example: int) -> None:
        run.examples += 1
        # The streaming operations answer JSON or, asked for it, server-sent events: both, in turn.
        accept = (
            {"Accept": "text/event-stream"} if (case.method, case.path) in streaming and example % 2 else {}
        )
        for caller in CALLERS:
            with transaction.atomic():
                try:
                    response = case.call(
                        headers={**callers[caller]["headers"], "Accept-Language": "en", **accept},
                        cookies=callers[caller]["cookies"],
                    )
                except Exception as error:  # the transport itself: an error escaping the app
                    run.failures.setdefault(
                        (case.operation.label, type(error).__name__), f"{caller}: {error}"
                    )
                    transaction.set_rollback(True)
                    continue
                finally:
                    run.calls += 1
                transaction.set_rollback(True)
            run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
            if (
                response.status_code == 200
                and "event-stream" in response.headers.get("content-type", [""])[0]
            ):
                run.streams += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as error:  # schemathesis groups its failures
                for failure in getattr(error, "exceptions", [error]):
                    title = getattr(failure, "title", type(failure).__name__)
                    message = str(getattr(failure, "message", failure)).strip()
                    run.failures.setdefault(
                        (case.operation.label, f"{title} ({response.status_code})"),
                        f"{caller} {case.method} {case.formatted_path}: {message[:400]}",
                    )

    operations = list(schema.get_all_operations())
    assert len(operations) > 50
    streamed_here = False
    for result in operations[shard::SHARDS]:
        if isinstance(result, Err):  # an operation the schema describes in a way nobody can use
            run.failures[("schema", type(result.err()).__name__)] = str(result.err())[:400]
            continue
        operation = result.ok()
        run.operations += 1
        streamed_here |= (operation.method.upper(), operation.path) in streaming
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, objects, call)

    with capsys.disabled():
        print(
            f"\nschemathesis, shard {shard + 1}/{SHARDS}: {run.operations} operations, "
            f"{run.examples} examples, {run.calls} calls "
            f"({len(CALLERS)} callers each), {run.streams} event streams, "
            f"statuses {dict(sorted(run.statuses.items()))}, "
            f"{len(run.failures)} failures"
        )
    assert run.operations >= len(operations) // SHARDS
    assert streaming, "the schema describes no event stream"
    assert run.streams > 0 or not streamed_here, "the event streams were not exercised"
    report = "\n".join(
        f"{operation}: {problem}\n    {detail}" for (operation, problem), detail in run.failures.items()
    )
    assert not run.failures, f"{len(run.failures)} schema failures:\n\n{report}"


# What the fuzzing found, pinned down on its own.


def test_an_api_url_no_route_matches_answers_in_the_error_shape(db: None) -> None:
    response = Client().get("/api/v1/assistants/5e-324/", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"
    assert Client().get("/no-such-page/").status_code == 200  # elsewhere, the web app routes it


def test_deleting_a_department_that_still_has_assistants_is_a_conflict(world: World) -> None:
    from assistants.catalog.services import assistant_create
    from bureau.audit.models import AuditEvent
    from bureau.tenancy.models import Department

    with transaction.atomic():
        assistant_create(actor=None, department=world.department, name="Trợ lý còn dùng")
    client = Client()
    client.force_login(world.user("org_admin"))
    response = client.delete(f"/api/v1/departments/{world.department.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Department.objects.filter(pk=world.department.pk).exists()
    assert not AuditEvent.objects.filter(action="department.delete").exists()
