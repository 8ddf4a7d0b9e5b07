from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class CursorPaginationSPIE(CursorPagination):
    """Cursor pagination: stable under inserts, capped page size.

    `taille` is checked as the schema documents it (an integer from 1 to 200): DRF would quietly fall back to
    the default page size for `taille=abc` or `taille=null`, hiding a partner's mistake.
    """

    page_size = 50
    page_size_query_param = "taille"
    max_page_size = 200
    ordering = "-created_at"
    cursor_query_description = "Curseur de pagination (fourni dans « next » / « previous »)."
    page_size_query_description = "Nombre d'éléments par page (200 au plus, 50 par défaut)."
    invalid_cursor_message = "Curseur de pagination invalide : reprenez l'adresse « next » ou « previous »."

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        value = values[-1]
        if len(values) > 1 or not value.isascii() or not value.isdigit() or not 1 <= int(value) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Nombre entier de 1 à {self.max_page_size} attendu."]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters
