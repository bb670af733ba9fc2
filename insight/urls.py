from django.urls import path

from insight import views

# The insight page itself (communities/<pk>/insight/) shows brands' readiness beside it: discovery.urls.
urlpatterns = [
    path("communities/<int:pk>/insight/refresh/", views.community_insight_refresh, name="community-insight-refresh"),
]
