from django.urls import path

from bureau.governance import apis

urlpatterns = [
    path(
        "organizations/<int:organization_id>/policy/",
        apis.OrganizationPolicyApi.as_view(),
        name="organization-policy",
    ),
]
