from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinancingConfig(AppConfig):
    name = "xinyidai.financing"
    label = "financing"
    verbose_name = _("融资对接")
