from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assistants.chat import openai_compat
from bureau.http import health, spa

api_v1 = [
    # First: a chat turn's URL is the one asked most often, and resolving walks the list in order.
    path("", include("assistants.chat.urls")),
    path("", include("bureau.tenancy.urls")),
    path("", include("bureau.audit.urls")),
    path("", include("bureau.llm.urls")),
    path("", include("bureau.governance.urls")),
    path("", include("bureau.quotas.urls")),
    path("", include("knowledge.urls")),
    path("", include("knowledge.catalog.urls")),
    path("", include("assistants.urls")),
]

# The API answers errors in its own shape, even for URLs no route matches (OpenAI's under /v1/).
handler400 = "bureau.http.errors.bad_request"
handler404 = "bureau.http.errors.not_found"
handler500 = "bureau.http.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    # The OpenAI-compatible API, where OpenAI clients expect it.
    path("v1/models", openai_compat.models, name="openai-models"),
    path("v1/models/<str:model>", openai_compat.model_detail, name="openai-model-detail"),
    path("v1/chat/completions", openai_compat.chat_completions, name="openai-chat-completions"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from its own URL (?script): no inline script, so
    # the Content-Security-Policy needs no exception for the API docs.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
]
if settings.BUREAU_DJANGO_ADMIN:
    urlpatterns.append(path("django-admin/", admin.site.urls))
urlpatterns += [
    # Everything else is the single-page app, which routes on the client. The admin's prefix stays
    # out of it even when the admin is off: a 404 there, not the app.
    re_path(r"^(?!api/|v1/|static/|accounts/|_allauth/|django-admin/).*$", spa.index, name="spa"),
]
