from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "xinyidai.oversight"
    label = "oversight"
    verbose_name = _("监管监测")

    def ready(self) -> None:
        from . import signals  # noqa: F401
