from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "xinyidai.webhooks"
    label = "webhooks"
    verbose_name = _("事件推送")

    def ready(self) -> None:
        from xinyidai.core.signals import event_recorded

        from .receivers import dispatch_on_event

        event_recorded.connect(dispatch_on_event, dispatch_uid="webhooks.dispatch_on_event")
