from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from quanfu import site_files, views

api_v1 = [
    path("", include("grids.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("inbox.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("risks.api.urls")),
    path("", include("ledgers.api.urls")),
    path("", include("meetings.api.urls")),
    path("", include("rhythm.api.urls")),
    path("", include("supervision.api.urls")),
    path("", include("workbench.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    # the grid worker's installable app: its manifest, its service worker (scope "/"), its
    # pages (drafts waiting to be sent, the offline page)
    path("manifest.webmanifest", site_files.web_manifest, name="web_manifest"),
    path("sw.js", site_files.service_worker, name="service_worker"),
    path("app/", include("workbench.urls")),
    path("accounts/", include("accounts.urls")),
    path("areas/", include("grids.urls")),
    path("inbox/", include("inbox.urls")),
    path("risks/", include("risks.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("meetings/", include("meetings.urls")),
    path("rhythm/", include("rhythm.urls")),
    path("supervision/", include("supervision.urls")),
    path("audit/", include("audit.urls")),
    path("guide/", include("guide.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (?script): no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
]

handler404 = "quanfu.api.not_found.not_found"  # JSON under /api/, the page elsewhere
handler500 = "quanfu.server_errors.server_error"  # 503 with Retry-After while the database is down
