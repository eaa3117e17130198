from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cms.portal"
    label = "portal"
    verbose_name = "门户内容"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the 惠企政策直达 publishing hooks)
