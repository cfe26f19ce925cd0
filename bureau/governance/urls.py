from django.urls import path

from bureau.governance import apis

urlpatterns = [
    path(
        "organizations/<int:organization_id>/policy/",
        apis.OrganizationPolicyApi.as_view(),
        name="organization-policy",
    ),
    path(
        "departments/<int:department_id>/policy/",
        apis.DepartmentPolicyApi.as_view(),
        name="department-policy",
    ),
]
