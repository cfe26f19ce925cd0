from django.urls import path

from bureau.audit import apis, usage_apis

urlpatterns = [
    path("audit-events/", apis.AuditEventListApi.as_view(), name="audit-event-list"),
    path("audit-events/export/", apis.AuditEventExportApi.as_view(), name="audit-event-export"),
    path("audit-events/<int:event_id>/", apis.AuditEventDetailApi.as_view(), name="audit-event-detail"),
    path("usage/", usage_apis.UsageApi.as_view(), name="usage"),
]
