from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page numbers, 50 a page by default, `?page_size=` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_query_description = _("A page number, from 1. A page past the last one answers 404.")
    page_size_query_description = _("Results per page: 50 when omitted, at most 200 (larger values give 200).")

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
