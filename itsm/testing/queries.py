"""N+1 guard: a read's query count must not grow with the number of rows."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(fetch: Callable[[], object]) -> int:
    """How many SQL queries `fetch()` runs."""
    with CaptureQueriesContext(connection) as ctx:
        fetch()
    return len(ctx.captured_queries)


def assert_query_count_stable(make_rows: Callable[[int], object], fetch: Callable[[], object]) -> int:
    """Make 3 rows, count `fetch()`'s queries, make 27 more, count again; the two counts must be equal."""
    make_rows(3)
    fetch()  # warm per-user caches (permissions) so both counts measure the same work
    few = count_queries(fetch)
    make_rows(27)
    many = count_queries(fetch)
    assert few == many, f"query count grows with rows: {few} queries for 3 rows, {many} for 30"
    return many
