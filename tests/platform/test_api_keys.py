from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from bureau.tenancy.models import ApiKey
from bureau.tenancy.services import api_key_create, hash_api_key
from tests.factories import World


def _bearer(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def _create_via_api(world: World, **body: object) -> dict[str, Any]:
    client = APIClient()
    client.force_authenticate(world.user("dept_admin"))
    response = client.post(
        f"/api/v1/departments/{world.department.pk}/api-keys/",
        {"name": "Cổng thông tin", "scopes": ["read"], **body},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_key_is_shown_once_and_stored_only_as_a_hash(world: World) -> None:
    created = _create_via_api(world)
    raw = str(created["key"])
    assert raw.startswith("bk_")
    stored = ApiKey.objects.get(pk=created["id"])
    assert stored.key_hash == hash_api_key(raw) and raw not in (stored.key_hash, stored.prefix)
    assert raw[3:] not in stored.key_hash
    listing = APIClient()
    listing.force_authenticate(world.user("dept_admin"))
    body = listing.get(f"/api/v1/departments/{world.department.pk}/api-keys/").content.decode()
    assert raw not in body and stored.key_hash not in body


def test_a_valid_key_reads_its_department_and_records_its_use(world: World) -> None:
    raw = str(_create_via_api(world)["key"])
    response = _bearer(raw).get(f"/api/v1/departments/{world.department.pk}/")
    assert response.status_code == 200
    assert ApiKey.objects.get(prefix=raw.split("_")[1]).last_used_at is not None


def test_a_key_of_another_department_sees_nothing_there(world: World) -> None:
    raw = str(_create_via_api(world)["key"])
    assert _bearer(raw).get(f"/api/v1/departments/{world.other_department.pk}/").status_code == 404
    listed = _bearer(raw).get("/api/v1/departments/").json()["results"]
    assert [d["id"] for d in listed] == [world.department.pk]


def test_a_key_never_has_admin_rights(world: World) -> None:
    raw = str(_create_via_api(world, scopes=["read", "write", "chat"])["key"])
    response = _bearer(raw).post(
        f"/api/v1/departments/{world.department.pk}/api-keys/",
        {"name": "x", "scopes": ["read"]},
        format="json",
    )
    assert response.status_code == 403
    assert _bearer(raw).get("/api/v1/audit-events/").status_code == 403


def test_an_expired_key_is_refused(world: World) -> None:
    created = api_key_create(
        actor=None,
        department=world.department,
        name="Cũ",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(seconds=30),
    )
    ApiKey.objects.filter(pk=created.api_key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _bearer(created.raw_key).get("/api/v1/departments/")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_a_revoked_key_is_refused_and_the_revocation_is_audited(world: World) -> None:
    created = _create_via_api(world)
    admin = APIClient()
    admin.force_authenticate(world.user("dept_admin"))
    revoked = admin.post(f"/api/v1/departments/{world.department.pk}/api-keys/{created['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    response = _bearer(str(created["key"])).get("/api/v1/departments/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_a_wrong_or_malformed_key_is_refused(world: World) -> None:
    raw = str(_create_via_api(world)["key"])
    assert _bearer(raw[:-2] + "xx").get("/api/v1/departments/").status_code == 401
    assert _bearer("bk_nothing").get("/api/v1/departments/").status_code == 401


def test_scopes_and_expiry_are_validated(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.user("dept_admin"))
    url = f"/api/v1/departments/{world.department.pk}/api-keys/"
    assert client.post(url, {"name": "x", "scopes": ["root"]}, format="json").status_code == 400
    assert client.post(url, {"name": "x", "scopes": []}, format="json").status_code == 400
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.post(url, {"name": "x", "scopes": ["read"], "expires_at": past}, format="json")
    assert response.status_code == 400 and "expires_at" in response.json()["error"]["details"]
