from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Community partnerships"
admin.site.site_title = "Community partnerships"
admin.site.index_title = "Discovery and partnership CRM"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("partnerships.urls")),
    path("", include("partnerships.outreach.urls")),
    path("", include("partnerships.payments.urls")),
    path("", include("partnerships.creator_portal.urls")),
    path("", include("discovery.urls")),
    path("", include("insight.urls")),
    path("", RedirectView.as_view(pattern_name="pipeline", permanent=False), name="home"),
]
