from django.urls import path

from partnerships.models.outreach import Channel
from partnerships.outreach import views

urlpatterns = [
    path("outreach/", views.outreach_settings, name="outreach-settings"),
    path("outreach/mailboxes/new/", views.sender_new, {"channel": Channel.EMAIL}, name="outreach-mailbox-new"),
    path("outreach/reddit/new/", views.sender_new, {"channel": Channel.REDDIT}, name="outreach-reddit-new"),
    path("outreach/senders/<int:pk>/", views.sender_edit, name="outreach-sender"),
    path("outreach/senders/<int:pk>/test/", views.sender_test, name="outreach-sender-test"),
    path("outreach/senders/<int:pk>/switch/", views.sender_switch, name="outreach-sender-switch"),
    path("outreach/templates/new/", views.template_new, name="outreach-template-new"),
    path("outreach/templates/<int:pk>/", views.template_edit, name="outreach-template"),
    path("outreach/templates/<int:pk>/delete/", views.template_remove, name="outreach-template-delete"),
    path("outreach/check-replies/", views.replies_check, name="outreach-check-replies"),
    path("outreach/inbox/", views.inbox, name="outreach-inbox"),
    path("outreach/inbox/<int:pk>/file/", views.inbox_file, name="outreach-inbox-file"),
    path("partnerships/<int:pk>/write/", views.partnership_write, name="outreach-write"),
    path("partnerships/<int:pk>/do-not-contact/", views.do_not_contact_new, name="outreach-do-not-contact"),
    path("partnerships/<int:pk>/do-not-contact/lift/", views.do_not_contact_end, name="outreach-do-not-contact-lift"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="outreach-unsubscribe"),
]
