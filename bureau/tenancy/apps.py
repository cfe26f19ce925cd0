from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "bureau.tenancy"
    label = "tenancy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bureau.tenancy import schema  # noqa: F401 - registers the OpenAPI extension
