from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinancingConfig(AppConfig):
    name = "xinyidai.financing"
    label = "financing"
    verbose_name = _("融资对接")

    def ready(self) -> None:
        from xinyidai.profiles.signals import profiles_changed

        profiles_changed.connect(_refresh_needs, dispatch_uid="financing.refresh_needs")


def _refresh_needs(sender: object, enterprise_ids: list[int], **kwargs: object) -> None:
    """Banks match on a copy of the enterprise's facts: keep open needs up to date."""
    from .services import needs_refresh_facts

    needs_refresh_facts(enterprise_ids=enterprise_ids)
