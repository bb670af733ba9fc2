from django.urls import path

from discovery import views

urlpatterns = [
    path("communities/", views.community_list, name="communities"),
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("communities/<int:pk>/insight/", views.community_insight, name="community-insight"),
    path("creators/<int:pk>/", views.creator_detail, name="creator"),
]
