from rest_framework.pagination import CursorPagination


class CursorPaginationSPIE(CursorPagination):
    """Cursor pagination: stable under inserts, capped page size."""

    page_size = 50
    page_size_query_param = "taille"
    max_page_size = 200
    ordering = "-created_at"
    cursor_query_description = "Curseur de pagination (fourni dans « next » / « previous »)."
    page_size_query_description = "Nombre d'éléments par page (200 au plus, 50 par défaut)."
