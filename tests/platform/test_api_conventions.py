from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import World


@pytest.mark.django_db
def test_health_and_readiness() -> None:
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readiness_reports_a_broker_that_is_down(settings: object) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # type: ignore[attr-defined]
    ready = Client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("error")
    assert ready.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_openapi_schema_describes_every_api_route_and_api_key_auth() -> None:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for route in [
        "/api/v1/departments/",
        "/api/v1/departments/{department_id}/members/",
        "/api/v1/departments/{department_id}/api-keys/",
        "/api/v1/audit-events/",
        "/api/v1/audit-events/export/",
    ]:
        assert route in schema["paths"], route
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_swagger_ui_is_served_without_any_cdn() -> None:
    page = Client().get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page


def test_errors_share_one_shape_with_the_request_id(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.user("outsider"))
    missing = client.get(f"/api/v1/departments/{world.department.pk}/", HTTP_X_REQUEST_ID="abcdef123456")
    assert missing.json() == {
        "error": {"code": "not_found", "message": missing.json()["error"]["message"], "details": {}},
        "request_id": "abcdef123456",
    }
    client.force_authenticate(world.user("org_admin"))
    invalid = client.post("/api/v1/departments/", {"name": ""}, format="json")
    body = invalid.json()
    assert invalid.status_code == 400 and body["error"]["code"] == "invalid"
    assert set(body["error"]["details"]) == {"name", "code"}


def test_messages_are_vietnamese_by_default_and_english_on_request(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.user("outsider"))
    url = f"/api/v1/departments/{world.department.pk}/"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"] == "Department not found."
    assert client.get(url).json()["error"]["message"] == "Không tìm thấy đơn vị."


def test_lists_are_paginated(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.user("auditor"))
    body = client.get("/api/v1/departments/", {"page_size": 1}).json()
    assert body["count"] == 3 and len(body["results"]) == 1 and body["next"]


def test_an_org_admin_cannot_nest_a_department_in_itself(world: World) -> None:
    from bureau.tenancy.models import Department

    child = Department.objects.create(
        organization=world.organization, name="Phòng con", code="phong-con", parent=world.department
    )
    client = APIClient()
    client.force_authenticate(world.user("org_admin"))
    response = client.patch(
        f"/api/v1/departments/{world.department.pk}/", {"parent": child.pk}, format="json"
    )
    assert response.status_code == 400 and "parent" in response.json()["error"]["details"]


def test_the_last_org_admin_cannot_be_removed(world: World) -> None:
    from bureau.tenancy.models import Membership

    admin = world.user("org_admin")
    membership = Membership.objects.get(user=admin)
    client = APIClient()
    client.force_authenticate(admin)
    response = client.delete(f"/api/v1/departments/{world.office.pk}/members/{membership.pk}/")
    assert response.status_code == 409


def test_a_department_admin_cannot_grant_organization_roles(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.user("dept_admin"))
    response = client.post(
        f"/api/v1/departments/{world.department.pk}/members/",
        {"email": "x@example.vn", "role": "auditor"},
        format="json",
    )
    assert response.status_code == 400 and "role" in response.json()["error"]["details"]


def test_a_request_django_refuses_before_the_view_gets_the_error_shape(world: World) -> None:
    """More files than DATA_UPLOAD_MAX_NUMBER_FILES: Django refuses the body before DRF sees it."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from knowledge.services import knowledge_base_create

    base = knowledge_base_create(actor=None, department=world.department, name="Kho thử")
    client = APIClient()
    client.force_authenticate(world.user("builder"))
    files = [
        SimpleUploadedFile(f"{n}.txt", b"x", content_type="text/plain")
        for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]
    response = client.post(
        f"/api/v1/knowledge-bases/{base.pk}/documents/", {"file": files}, format="multipart"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "bad_request"


# The endpoints that read an upload: a body in a media type their parsers do not read answers 415.
UPLOAD_PATHS = [
    "/api/v1/knowledge-bases/{kb_id}/documents/",
    "/api/v1/conversations/{conversation_id}/attachments/",
    "/api/v1/documents/check-format",
]


@pytest.mark.django_db
def test_the_upload_endpoints_document_their_415_in_the_error_shape() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in UPLOAD_PATHS:
        declared = schema["paths"][path]["post"]["responses"].get("415")
        assert declared is not None, path
        assert declared["content"] == {
            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}
        }, path


def test_an_upload_in_a_media_type_the_endpoint_does_not_read_is_415_in_the_error_shape(world: World) -> None:
    from assistants.conversations.services import conversation_create
    from knowledge.services import knowledge_base_create
    from tests.assistants.chat_helpers import make_assistant, make_provider

    base = knowledge_base_create(actor=None, department=world.department, name="Kho thử")
    provider = make_provider(world.department, "http://127.0.0.1:9/v1")  # never called
    assistant = make_assistant(world.department, provider=provider)
    conversation = conversation_create(actor=world.user("builder"), assistant=assistant)
    client = APIClient()
    client.force_authenticate(world.user("builder"))
    # The two upload lists also read JSON and forms (their 400 then names the missing files);
    # the format check reads multipart alone.
    for url, body, content_type in [
        (f"/api/v1/knowledge-bases/{base.pk}/documents/", "tệp", "text/plain"),
        (f"/api/v1/conversations/{conversation.pk}/attachments/", "<files/>", "application/xml"),
        ("/api/v1/documents/check-format", '{"file": "x"}', "application/json"),
    ]:
        response = client.generic("POST", url, body, content_type=content_type)
        assert response.status_code == 415, (url, response.content)
        error = response.json()
        assert set(error) == {"error", "request_id"}, url
        assert error["error"]["code"] == "unsupported_media_type" and error["error"]["details"] == {}, url
        assert content_type in error["error"]["message"], url
