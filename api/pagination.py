from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    """Stable pages however fast the data grows: ``next`` and ``previous`` links carry a cursor.
    ``page_size`` up to 200 (default 50)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
