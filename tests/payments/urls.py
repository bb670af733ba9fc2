"""The project's URLs with the ledger's pages included, as crm/urls.py will include them (the
integrator adds ``path("", include("partnerships.payments.urls"))`` there)."""

from django.urls import include, path

from crm.urls import urlpatterns as project

urlpatterns = [path("", include("partnerships.payments.urls")), *project]
