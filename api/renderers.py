from django.conf import settings
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's pages for people. Their template styles itself inline (a <style> element and a few
    attributes), so these pages alone allow inline styles; scripts stay this site's files only."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_replace = settings.API_PAGE_STYLES  # read by django-csp's middleware
        return super().render(data, accepted_media_type, renderer_context)
