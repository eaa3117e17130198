from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "xinyidai.rights"
    label = "rights"
    verbose_name = _("信用主体权益")

    def ready(self) -> None:
        from . import signals_lists  # noqa: F401 (connects the lists to accepted batches)
