"""Pagination per the contract: {count, next, previous, results}, ?limit= up to 1000, cursor or offset paging.

`next` and `previous` are cursor links (`?cursor=`, itsm.api.keyset) whenever the list's ordering allows it,
so following them never makes the database skip rows; `?offset=` still works for clients that ask for it.

`count` is exact up to COUNT_CAP and null above it: counting a million rows on every page costs more than
the page itself, and counting even the first 10,000 of a busy team's queue cost more PostgreSQL time than the
rest of the request (1.8 of 4 ms); "more than 1,000" tells an agent as much. Whether a next page exists is
known from fetching one row more than the page; on the last page the count is known without counting.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from itsm.api.keyset import beyond, decode_cursor, encode_cursor, key_columns

COUNT_CAP = 1_000


def bounded_count(queryset, cap: int | None = None) -> int | None:
    """The number of rows, or None when there are more than `cap` (a LIMITed subquery, never a full count)."""
    cap = COUNT_CAP if cap is None else cap
    counted = queryset.order_by()[: cap + 1].count()
    return None if counted > cap else counted


class ItsmPagination(LimitOffsetPagination):
    """Limit/offset or cursor pages; a limit over the maximum is capped, a malformed one falls back to the default."""

    default_limit = 50
    max_limit = 1000
    cursor_query_param = "cursor"
    template = None  # the browsable API's page links need a total, which huge lists do not have

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.columns = key_columns(queryset)
        token = request.query_params.get(self.cursor_query_param)
        if token is not None:
            self.count = bounded_count(queryset)
            return self._cursor_page(queryset, token)
        self.offset = self.get_offset(request)
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        self.has_previous = self.offset > 0
        # The last page (or an empty first one): nothing after it, so the total is known.
        if not self.has_next and (rows or not self.offset) and self.offset + len(rows) <= COUNT_CAP:
            self.count = self.offset + len(rows)
        else:
            self.count = bounded_count(queryset)
        self.rows = rows[: self.limit]
        return self.rows

    def _cursor_page(self, queryset, token: str) -> list:
        if self.columns is None:
            raise ValidationError({self.cursor_query_param: [_("This list cannot be paged by cursor.")]})
        try:
            values, backwards = decode_cursor(self.columns, token)
        except ValueError:
            raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]}) from None
        self.offset = None
        page = queryset.filter(beyond(self.columns, values, backwards=backwards))
        rows = list((page.reverse() if backwards else page)[: self.limit + 1])
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        if backwards:
            rows.reverse()
        # Past the boundary row there is at least that row itself on the other side.
        self.has_next, self.has_previous = (True, more) if backwards else (more, True)
        self.rows = rows
        return rows

    def _link(self, **params) -> str:
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        for name, value in params.items():
            url = replace_query_param(url, name, value) if value is not None else remove_query_param(url, name)
        return url

    def get_next_link(self):
        if not self.has_next:
            return None
        if self.columns is not None and self.rows:
            cursor = encode_cursor(self.columns, self.rows[-1], backwards=False)
            return self._link(cursor=cursor, offset=None)
        return self._link(offset=self.offset + self.limit, cursor=None)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if self.offset is None and self.rows:  # a cursor page: back from its first row
            return self._link(cursor=encode_cursor(self.columns, self.rows[0], backwards=True), offset=None)
        if self.offset is None or self.offset - self.limit <= 0:
            return self._link(offset=None, cursor=None)
        return self._link(offset=self.offset - self.limit, cursor=None)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "An opaque position from a next or previous link (keyset paging).",
                "schema": {"type": "string"},
            }
        )
        return parameters

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        return response
