from django.urls import path

from bureau.quotas import apis

Q = "organizations/<int:organization_id>/quotas/"

urlpatterns = [
    path(Q, apis.QuotaListApi.as_view(), name="quota-list"),
    path(Q + "<int:quota_id>/", apis.QuotaDetailApi.as_view(), name="quota-detail"),
    path(
        "departments/<int:department_id>/quota-usage/",
        apis.DepartmentQuotaUsageApi.as_view(),
        name="department-quota-usage",
    ),
    path("me/quota-usage/", apis.MyQuotaUsageApi.as_view(), name="my-quota-usage"),
]
