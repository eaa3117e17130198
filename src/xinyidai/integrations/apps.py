from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "xinyidai.integrations"
    label = "integrations"
    verbose_name = _("接口客户端")

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI description of signed requests)
