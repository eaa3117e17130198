from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "xinyidai.sources"
    label = "sources"
    verbose_name = "信用数据归集"
