"""The project's URLs with the creator portal's included as the integrator will in crm/urls.py
(``path("", include("partnerships.creator_portal.urls"))``). Until then the portal's tests (and the
partnership page, whose manager panel links to them) run against this URLconf."""

from django.urls import include, path

from crm.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("", include("partnerships.creator_portal.urls")), *project_urlpatterns]
