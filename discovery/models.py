"""Saved views of Discover: a name for a set of filters, kept per user (nobody else sees them)."""

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A user's named Discover filters, kept as the page's own query string (what the filter form
    sends), so opening one is following a link and a view saved today opens the same page later."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_discover_views")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True, help_text="The filters, as Discover's query string.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_saved_view_name_per_user")]

    def __str__(self):
        return self.name
