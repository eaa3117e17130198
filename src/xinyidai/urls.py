"""URLs. Wagtail's page URLs come last: everything not matched here is a CMS page."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from xinyidai.core import views as core_views
from xinyidai.core.api import api_not_found

admin.site.site_header = "信易贷 · 系统管理"
admin.site.site_title = "信易贷"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("xinyidai.accounts.urls")),
    path("enterprises/", include("xinyidai.registry.urls")),
    path("data/", include("xinyidai.sources.urls")),
    path("profile/", include("xinyidai.profiles.urls")),
    path("financing/", include("xinyidai.financing.urls")),
    path("notifications/", include("xinyidai.notifications.urls")),
    path("authorizations/", include("xinyidai.consent.urls")),
    path("bank/integration/", include("xinyidai.integrations.urls")),
    path("verify/", include("xinyidai.consent.verify_urls")),
    path("oversight/", include("xinyidai.oversight.urls")),
    path("credit/", include("xinyidai.rights.urls")),
    path("policies/", include("xinyidai.policies.urls")),
    path("api/v1/", include("xinyidai.sources.api_urls")),
    path("api/v1/", include("xinyidai.consent.api_urls")),
    path("api/v1/", include("xinyidai.financing.api_urls")),
    path("api/v1/", include("xinyidai.financing.api_batch_urls")),
    path("api/v1/", include("xinyidai.webhooks.api_urls")),
    path("api/v1/", include("xinyidai.rights.api_urls")),
    path("", include("xinyidai.core.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),  # unrouted API addresses: the API's 404, not the CMS
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))
