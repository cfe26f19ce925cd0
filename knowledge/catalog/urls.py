from django.urls import path

from knowledge.catalog import apis as catalog_apis

urlpatterns = [
    path("knowledge-catalog/", catalog_apis.CatalogListApi.as_view(), name="knowledge-catalog"),
    path(
        "knowledge-catalog/domains/",
        catalog_apis.CatalogDomainsApi.as_view(),
        name="knowledge-catalog-domains",
    ),
    path(
        "knowledge-catalog/departments/",
        catalog_apis.CatalogDepartmentsApi.as_view(),
        name="knowledge-catalog-departments",
    ),
]
