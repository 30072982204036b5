from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sportello.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # Registers the authentication schemes with drf-spectacular.
        from sportello.api import schema_extensions  # noqa: F401
