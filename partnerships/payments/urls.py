"""The ledger's pages (included by crm/urls.py)."""

from django.urls import path

from partnerships.payments import views

urlpatterns = [
    path("partnerships/<int:pk>/payments/", views.partnership_payments, name="partnership-payments"),
    path("payments/<int:pk>/approve/", views.payment_approve, name="payment-approve"),
    path("payments/<int:pk>/paid/", views.payment_paid, name="payment-paid"),
    path("payments/<int:pk>/cancel/", views.payment_cancel, name="payment-cancel"),
    path("brands/<int:pk>/payments.csv", views.brand_payments_csv, name="brand-payments-csv"),
]
