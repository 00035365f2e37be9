from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page numbers, 50 a page by default, `?page_size=` up to 200.

    A page number or size that is not a whole number from 1 is bad input (400);
    a page past the last one is not found (404); a size over 200 gives 200.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()
    page_query_description = _("A page number, from 1. A page past the last one answers 404.")
    page_size_query_description = _("Results per page: 50 when omitted, at most 200 (larger values give 200).")

    def get_page_size(self, request):
        size = _whole_number(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        number = _whole_number(request, self.page_query_param)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


def _whole_number(request, name):
    value = request.query_params.get(name)
    if value is None:
        return None
    # Digits only (no sign, no spaces, no exponent); a long number is merely past the last page.
    if not (value.isascii() and value.isdigit() and len(value) <= 100 and int(value) >= 1):
        raise ValidationError({name: [_("Enter a whole number from 1.")]})
    return int(value)
