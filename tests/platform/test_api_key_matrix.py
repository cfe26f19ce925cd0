"""The permission matrix for API keys: every case of tests/permission_matrix.py × every non-empty
set of scopes. A key lacking the scope its route needs is refused (403 `permission_denied`, nothing
written); a key holding it gets what the matrix expects of the role it acts as in its department
(member, or builder with `write`). Routes that are never for keys refuse every key.

What each route needs is written twice on purpose: once on the view (bureau/tenancy/scopes.py reads
it) and once in SCOPE_OF below, so that a view declaring the wrong scope fails here."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import Any, cast

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from bureau.audit.models import AuditEvent
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.scopes import NOT_FOR_KEYS, declaration_of
from bureau.tenancy.services import api_key_create
from tests.factories import World
from tests.permission_matrix import CASES, Case

READ, CHAT, WRITE, NEVER = "read", "chat", "write", NOT_FOR_KEYS

# (route name, method) -> the scope a key needs there, or NEVER.
SCOPE_OF: dict[tuple[str, str], str] = {
    # People, administration, settings and audit: never for keys.
    ("me", "GET"): NEVER,
    ("department-list", "GET"): READ,
    ("department-list", "POST"): NEVER,
    ("department-detail", "GET"): READ,
    ("department-detail", "PATCH"): NEVER,
    ("department-detail", "DELETE"): NEVER,
    ("membership-list", "GET"): NEVER,
    ("membership-list", "POST"): NEVER,
    ("membership-detail", "PATCH"): NEVER,
    ("membership-detail", "DELETE"): NEVER,
    ("api-key-list", "GET"): NEVER,
    ("api-key-list", "POST"): NEVER,
    ("api-key-revoke", "POST"): NEVER,
    ("audit-event-list", "GET"): NEVER,
    ("audit-event-export", "GET"): NEVER,
    ("audit-event-detail", "GET"): NEVER,
    ("usage", "GET"): NEVER,
    ("usage-breakdown", "GET"): NEVER,
    ("configuration-review", "GET"): NEVER,
    ("model-provider-list", "GET"): READ,
    ("model-provider-list", "POST"): NEVER,
    ("model-provider-detail", "GET"): READ,
    ("model-provider-detail", "PATCH"): NEVER,
    ("model-provider-detail", "DELETE"): NEVER,
    ("model-provider-test", "POST"): NEVER,
    ("organization-policy", "GET"): NEVER,
    ("organization-policy", "PATCH"): NEVER,
    ("department-policy", "GET"): NEVER,
    ("department-policy", "PATCH"): NEVER,
    ("quota-list", "GET"): NEVER,
    ("quota-list", "POST"): NEVER,
    ("quota-detail", "DELETE"): NEVER,
    ("department-quota-usage", "GET"): NEVER,
    ("my-quota-usage", "GET"): READ,
    ("oversight-conversation-list", "GET"): NEVER,
    ("conversation-export", "GET"): NEVER,
    ("conversation-legal-hold", "PUT"): NEVER,
    ("assistant-legal-hold", "PUT"): NEVER,
    ("review-approve", "POST"): NEVER,
    ("review-reject", "POST"): NEVER,
    # Knowledge: read it (searching included), or build it.
    ("knowledge-base-list", "GET"): READ,
    ("knowledge-base-list", "POST"): WRITE,
    ("knowledge-base-detail", "GET"): READ,
    ("knowledge-base-detail", "PATCH"): WRITE,
    ("knowledge-base-detail", "DELETE"): WRITE,
    ("knowledge-base-grant-list", "GET"): READ,
    ("knowledge-base-grant-list", "POST"): WRITE,
    ("knowledge-base-grant-detail", "DELETE"): WRITE,
    ("knowledge-base-search", "POST"): READ,
    ("document-list", "GET"): READ,
    ("document-list", "POST"): WRITE,
    ("document-detail", "GET"): READ,
    ("document-detail", "PATCH"): WRITE,
    ("document-detail", "DELETE"): WRITE,
    ("document-retry", "POST"): WRITE,
    ("document-cancel", "POST"): WRITE,
    ("document-reindex", "POST"): WRITE,
    ("document-file", "GET"): READ,
    ("document-chunks", "GET"): READ,
    ("document-runs", "GET"): READ,
    ("knowledge-catalog", "GET"): READ,
    ("knowledge-catalog-domains", "GET"): READ,
    ("knowledge-catalog-departments", "GET"): READ,
    ("document-check-format", "POST"): READ,
    # Assistants: read them, or build them.
    ("assistant-list", "GET"): READ,
    ("assistant-list", "POST"): WRITE,
    ("assistant-import", "POST"): WRITE,
    ("assistant-detail", "GET"): READ,
    ("assistant-detail", "PATCH"): WRITE,
    ("assistant-detail", "DELETE"): WRITE,
    ("assistant-draft", "GET"): READ,
    ("assistant-draft", "PATCH"): WRITE,
    ("assistant-publish", "POST"): WRITE,
    ("assistant-version-list", "GET"): READ,
    ("assistant-version-detail", "GET"): READ,
    ("assistant-version-diff", "GET"): READ,
    ("assistant-version-rollback", "POST"): WRITE,
    ("assistant-duplicate", "POST"): WRITE,
    ("assistant-export", "GET"): READ,
    ("assistant-share-list", "GET"): READ,
    ("assistant-share-list", "POST"): WRITE,
    ("assistant-share-detail", "DELETE"): WRITE,
    ("assistant-review-list", "GET"): READ,
    ("assistant-review-list", "POST"): WRITE,
    ("review-list", "GET"): READ,
    ("review-detail", "GET"): READ,
    ("review-withdraw", "POST"): WRITE,
    ("assistant-template-list", "GET"): READ,
    ("assistant-template-clone", "POST"): WRITE,
    ("tool-kind-list", "GET"): READ,
    ("assistant-openapi-operations", "POST"): WRITE,
    ("assistant-tool-test", "POST"): WRITE,
    # Chat: conversations, their messages, attachments and drafted files, and all of /v1.
    ("conversation-list", "GET"): CHAT,
    ("conversation-list", "POST"): CHAT,
    ("conversation-detail", "GET"): CHAT,
    ("conversation-detail", "PATCH"): CHAT,
    ("conversation-detail", "DELETE"): CHAT,
    ("conversation-message-create", "POST"): CHAT,
    ("conversation-message-regenerate", "POST"): CHAT,
    ("conversation-message-stop", "POST"): CHAT,
    ("conversation-message-feedback", "POST"): CHAT,
    ("conversation-attachment-list", "GET"): CHAT,
    ("conversation-attachment-list", "POST"): CHAT,
    ("conversation-attachment-detail", "DELETE"): CHAT,
    ("generated-file-download", "GET"): CHAT,
    ("generated-file-pdf", "GET"): CHAT,
    ("openai-models", "GET"): CHAT,
    ("openai-model-detail", "GET"): CHAT,
    ("openai-chat-completions", "POST"): CHAT,
}

# Where a key holding the scope still gets another answer than the role it acts as, and why.
KEYS_DIFFER: dict[tuple[str, str], tuple[int, str]] = {
    # Feedback is a person's (Feedback.user): assistants/conversations/services.py tells a key so.
    ("conversation-message-feedback", "POST"): (400, "invalid"),
}

SCOPE_SETS = [
    frozenset(combination)
    for size in (1, 2, 3)
    for combination in itertools.combinations((READ, CHAT, WRITE), size)
]
HANDLERS = ("get", "post", "put", "patch", "delete")


def _scopes_id(scopes: frozenset[str]) -> str:
    return "+".join(sorted(scopes))


def _case_id(case: Case) -> str:
    return f"{case.method.upper()} {case.name}"


@dataclass
class KeyWorld(World):
    """The world as a key sees it. The person whose role the key acts as is the key itself, so what a
    case builds for that person (a conversation, an attachment, a review) is the key's own, as it
    is that person's in the matrix."""

    key: ApiKeyActor | None = None
    acting_as: str = ""

    def user(self, role: str) -> Any:
        return self.key if role == self.acting_as else super().user(role)


def _key_world(world: World, scopes: frozenset[str]) -> tuple[KeyWorld, str]:
    created = api_key_create(actor=None, department=world.department, name="Ma trận", scopes=sorted(scopes))
    acting_as = "builder" if WRITE in scopes else "member"
    values = {f.name: getattr(world, f.name) for f in fields(World)}
    return KeyWorld(**values, key=ApiKeyActor(created.api_key), acting_as=acting_as), created.raw_key


def _bearer(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.mark.parametrize("scopes", SCOPE_SETS, ids=_scopes_id)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_api_key_matrix(case: Case, scopes: frozenset[str], world: World) -> None:
    route = (case.name, case.method.upper())
    need = SCOPE_OF[route]
    key_world, raw_key = _key_world(world, scopes)
    # A route never for keys is refused before anything is looked up: whose rows the case
    # builds (a person's membership, say) does not matter there.
    built = world if need == NEVER else key_world
    url = case.url(built)
    body = case.body(built) if case.body else None
    events_before = AuditEvent.objects.count()
    response = getattr(_bearer(raw_key), case.method)(url, body, format=case.format)
    if need == NEVER or need not in scopes:
        assert response.status_code == 403, (url, response.content[:300])
        error = response.json()["error"]
        assert error["code"] == "permission_denied"
        if need != NEVER:
            assert error["details"] == {"required_scope": need}
        assert AuditEvent.objects.count() == events_before
        return
    expected = case.expected[key_world.acting_as]
    codes = {"permission_denied", "not_found"}
    if expected < 400 and route in KEYS_DIFFER:
        expected, code = KEYS_DIFFER[route]
        codes = {code}
    assert response.status_code == expected, (key_world.acting_as, url, response.content[:300])
    if expected >= 400:
        assert response.json()["error"]["code"] in codes
        assert AuditEvent.objects.count() == events_before
    elif case.audit_action:
        event = AuditEvent.objects.latest("id")
        assert event.action == case.audit_action
        assert key_world.key is not None and event.actor_api_key_id == key_world.key.api_key.pk


@pytest.mark.parametrize("scopes", SCOPE_SETS, ids=_scopes_id)
def test_api_key_matrix_of_the_openai_compatible_api(scopes: frozenset[str], world: World) -> None:
    from tests.assistants.chat_helpers import make_assistant

    make_assistant(world.department, slug="ma-tran")  # no provider: an extractive answer
    _world, raw_key = _key_world(world, scopes)
    client = _bearer(raw_key)
    models = client.get("/v1/models")
    model = client.get("/v1/models/ma-tran")
    completion = client.post(
        "/v1/chat/completions",
        {"model": "ma-tran", "messages": [{"role": "user", "content": "Xin chào"}]},
        format="json",
    )
    for response in (models, model, completion):
        if CHAT in scopes:
            assert response.status_code == 200, response.content[:300]
        else:
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "permission_denied"  # OpenAI's shape
    if CHAT in scopes:
        assert [m["id"] for m in models.json()["data"]] == ["ma-tran"]


def _routes() -> list[tuple[str, Any]]:
    """(name, view) of every /api/v1/ and /v1/ route."""
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith(("api/v1/", "v1/")):
                found.append((str(pattern.name), pattern.callback))

    walk(get_resolver().url_patterns, "")
    return found


def _methods(view: Any) -> list[str]:
    """The methods a route answers: a DRF view's handlers, or what a function view declares."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return [m.upper() for m in HANDLERS if hasattr(view_class, m)]
    return list(declaration_of(view) or {})


def test_every_route_declares_what_a_key_needs() -> None:
    undeclared = []
    for name, view in _routes():
        declaration = declaration_of(view) or {}
        methods = _methods(view)
        assert methods, f"{name} answers no method"
        undeclared += [f"{method} {name}" for method in methods if method not in declaration]
        for method in methods:
            assert declaration.get(method, NEVER) in (READ, CHAT, WRITE, NEVER), (name, method)
    assert not undeclared, f"routes with no scope for API keys (nor marked not for keys): {undeclared}"


def test_the_declared_scopes_are_the_ones_in_this_table() -> None:
    declared = {
        (name, method): str((declaration_of(view) or {}).get(method))
        for name, view in _routes()
        for method in _methods(view)
    }
    assert declared == SCOPE_OF


def test_an_undeclared_route_is_refused_to_keys(world: World) -> None:
    """A view that says nothing about keys is closed to them, not open."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from bureau.exceptions import PermissionDenied
    from bureau.http.drf import ApiKeyScopeRequired

    class Undeclared(APIView):
        def get(self, request: Request) -> None: ...

    class Inheriting(Undeclared):
        """A declaration is the view's own: one inherited from a parent class does not count."""

    Undeclared.api_key_scopes = {"GET": READ}  # type: ignore[attr-defined]
    key_world, _raw = _key_world(world, frozenset({READ, CHAT, WRITE}))
    request = Request(APIRequestFactory().get("/"))
    request.user = cast(Any, key_world.key)
    with pytest.raises(PermissionDenied):
        ApiKeyScopeRequired().has_permission(request, Inheriting())
    assert ApiKeyScopeRequired().has_permission(request, Undeclared())
    request.user = world.user("member")  # people are not asked for scopes
    assert ApiKeyScopeRequired().has_permission(request, Inheriting())
