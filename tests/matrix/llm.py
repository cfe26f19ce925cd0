"""Model providers and the usage ledger. Every member of the organization reads providers (the
world's outsider sits in another department of the same organization); only org admins write."""

from __future__ import annotations

import socket

from bureau.llm.models import ModelProvider
from tests.factories import World
from tests.permission_matrix import Case, everyone

P = "/api/v1/model-providers/"
ORG_ADMIN_ONLY = everyone(403, org_admin=200)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _provider(world: World) -> ModelProvider:
    found = ModelProvider.objects.filter(organization=world.organization, name="Ma trận").first()
    if found:
        return found
    from bureau.llm.services import model_provider_create

    # Nothing listens there: a test of it answers ok=false quickly, without any outside traffic.
    return model_provider_create(
        actor=None,
        organization=world.organization,
        name="Ma trận",
        base_url=f"http://127.0.0.1:{_closed_port()}/v1",
        api_key="sk-ma-tran",
        chat_models=["fake-chat"],
    )


CASES = [
    Case("model-provider-list", "get", lambda w: P, everyone(200)),
    Case(
        "model-provider-list",
        "post",
        lambda w: P,
        everyone(403, org_admin=201),
        body=lambda w: {"name": "vLLM nội bộ", "base_url": "http://10.0.0.5:8000/v1", "api_key": "sk-1"},
        audit_action="model_provider.create",
    ),
    Case("model-provider-detail", "get", lambda w: f"{P}{_provider(w).pk}/", everyone(200)),
    Case(
        "model-provider-detail",
        "patch",
        lambda w: f"{P}{_provider(w).pk}/",
        ORG_ADMIN_ONLY,
        body=lambda w: {"on_premises": True},
        audit_action="model_provider.update",
    ),
    Case(
        "model-provider-detail",
        "delete",
        lambda w: f"{P}{_provider(w).pk}/",
        everyone(403, org_admin=204),
        audit_action="model_provider.delete",
    ),
    Case(
        "model-provider-test",
        "post",
        lambda w: f"{P}{_provider(w).pk}/test",
        ORG_ADMIN_ONLY,
        audit_action="model_provider.test",
    ),
    Case(
        "usage",
        "get",
        lambda w: f"/api/v1/usage/?department={w.department.pk}",
        everyone(403, org_admin=200, auditor=200, dept_admin=200, outsider=404),
    ),
]
