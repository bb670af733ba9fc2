from django.urls import path

from influencers import views

urlpatterns = [
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("creators/<int:pk>/", views.creator_detail, name="creator"),
]
