"""The creator's pages (no login) and the manager's link and proposal actions.

Included at the site's root (crm/urls.py): ``/c/<token>/`` is the link a creator is sent;
``/creator/…`` the pages after it (the portal cookie is scoped to that path)."""

from django.urls import path

from partnerships.creator_portal import views

urlpatterns = [
    path("c/<str:token>/", views.link_open, name="creator-link-open"),
    path("creator/", views.portal, name="creator-portal"),
    path("creator/accept/", views.accept, name="creator-accept"),
    path("creator/propose/", views.propose, name="creator-propose"),
    path("creator/hand-in/", views.hand_in, name="creator-hand-in"),
    path("creator/published/<int:pk>/", views.publish, name="creator-publish"),
    path("creator/disclosure/<int:pk>/", views.confirm_disclosure, name="creator-confirm-disclosure"),
    path("partnerships/<int:pk>/creator-link/", views.link_new, name="creator-link-new"),
    path("creator-links/<int:pk>/revoke/", views.link_revoke, name="creator-link-revoke"),
    path("counter-proposals/<int:pk>/accept/", views.proposal_accept, name="counter-proposal-accept"),
    path("counter-proposals/<int:pk>/decline/", views.proposal_decline, name="counter-proposal-decline"),
]
