"""Pagination per the contract: {count, next, previous, results}, ?limit= up to 1000, offset paging.

`count` is exact up to COUNT_CAP and null above it: counting a million rows on every page costs more than
the page itself, and counting even the first 10,000 of a busy team's queue cost more PostgreSQL time than the
rest of the request (1.8 of 4 ms); "more than 1,000" tells an agent as much. Whether a next page exists is
known from fetching one row more than the page; on the last page the count is known without counting.
"""

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.utils.urls import replace_query_param

COUNT_CAP = 1_000


def bounded_count(queryset, cap: int | None = None) -> int | None:
    """The number of rows, or None when there are more than `cap` (a LIMITed subquery, never a full count)."""
    cap = COUNT_CAP if cap is None else cap
    counted = queryset.order_by()[: cap + 1].count()
    return None if counted > cap else counted


class ItsmPagination(LimitOffsetPagination):
    """Limit/offset pages; a limit over the maximum is capped, a malformed one falls back to the default."""

    default_limit = 50
    max_limit = 1000
    template = None  # the browsable API's page links need a total, which huge lists do not have

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        # The last page (or an empty first one): nothing after it, so the total is known.
        if not self.has_next and (rows or not self.offset) and self.offset + len(rows) <= COUNT_CAP:
            self.count = self.offset + len(rows)
        else:
            self.count = bounded_count(queryset)
        return rows[: self.limit]

    def get_next_link(self):
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return replace_query_param(url, self.offset_query_param, self.offset + self.limit)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        return response
