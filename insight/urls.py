from django.urls import path

from insight import views

urlpatterns = [
    path("communities/<int:pk>/insight/", views.community_insight, name="community-insight"),
    path("communities/<int:pk>/insight/refresh/", views.community_insight_refresh, name="community-insight-refresh"),
]
