from django.urls import path

from discovery import views
from discovery.discover_views import discover, discover_add, saved_view_create, saved_view_delete

urlpatterns = [
    path("communities/", views.community_list, name="communities"),
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("communities/<int:pk>/insight/", views.community_insight, name="community-insight"),
    path("creators/<int:pk>/", views.creator_detail, name="creator"),
    path("discover/", discover, name="discover"),
    path("discover/add/", discover_add, name="discover-add"),
    path("discover/views/", saved_view_create, name="discover-view-save"),
    path("discover/views/<int:pk>/delete/", saved_view_delete, name="discover-view-delete"),
]
