from django.urls import path

from bureau.llm import apis

urlpatterns = [
    path("model-providers/", apis.ModelProviderListApi.as_view(), name="model-provider-list"),
    path(
        "model-providers/<int:provider_id>/",
        apis.ModelProviderDetailApi.as_view(),
        name="model-provider-detail",
    ),
    path(
        "model-providers/<int:provider_id>/test",
        apis.ModelProviderTestApi.as_view(),
        name="model-provider-test",
    ),
]
