from django.urls import path

from bureau.tenancy import apis

urlpatterns = [
    path("me/", apis.MeApi.as_view(), name="me"),
    path("departments/", apis.DepartmentListApi.as_view(), name="department-list"),
    path("departments/<int:department_id>/", apis.DepartmentDetailApi.as_view(), name="department-detail"),
    path(
        "departments/<int:department_id>/members/", apis.MembershipListApi.as_view(), name="membership-list"
    ),
    path(
        "departments/<int:department_id>/members/<int:membership_id>/",
        apis.MembershipDetailApi.as_view(),
        name="membership-detail",
    ),
    path("departments/<int:department_id>/api-keys/", apis.ApiKeyListApi.as_view(), name="api-key-list"),
    path(
        "departments/<int:department_id>/api-keys/<int:key_id>/revoke/",
        apis.ApiKeyRevokeApi.as_view(),
        name="api-key-revoke",
    ),
]
