from django.apps import AppConfig


class LlmConfig(AppConfig):
    name = "bureau.llm"
    label = "llm"
    default_auto_field = "django.db.models.BigAutoField"
