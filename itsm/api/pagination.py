"""Pagination per the contract: {count, next, previous, results}, ?limit= up to 1000, offset paging."""

from rest_framework.pagination import LimitOffsetPagination


class ItsmPagination(LimitOffsetPagination):
    """Limit/offset pages; a limit over the maximum is capped, a malformed one falls back to the default."""

    default_limit = 50
    max_limit = 1000
