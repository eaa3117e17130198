from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "cms.home"
    label = "home"
    verbose_name = "门户首页"
    default_auto_field = "django.db.models.BigAutoField"
