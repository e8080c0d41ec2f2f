"""Page-numbered lists: ``?page=2&page_size=50``, with the total count."""

from __future__ import annotations

import re

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
MAX_PAGE = 10**9 - 1  # the largest PAGE_NUMBER, as the schema documents it
PAGE_SIZE = re.compile(r"[1-9][0-9]{0,2}")


class PagePagination(PageNumberPagination):
    # As many rows as the dashboard's ranking shows.
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()
    page_query_description = "The page number, from 1."
    page_size_query_description = "Rows per page, 1 to 100 (default 25)."
    invalid_page_message = "There is no page {page_number}: the list has fewer pages."

    def paginate_queryset(self, queryset, request, view=None):
        # DRF answers 404 for any unusable page; a page that is not a number is
        # a mistake in the request (400), a page past the end is not found (404).
        number = request.query_params.get(self.page_query_param)
        if number and not PAGE_NUMBER.fullmatch(number):
            raise exceptions.ValidationError(
                {self.page_query_param: [f"Give the page as a whole number from 1 to {MAX_PAGE}."]}
            )
        # DRF would quietly use the default for a size that is not a number and the
        # largest for one over it; the schema says 1 to max_page_size, so say so.
        size = request.query_params.get(self.page_size_query_param)
        if size and not (PAGE_SIZE.fullmatch(size) and int(size) <= self.max_page_size):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give the page size as a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": MAX_PAGE},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
