"""Run a function in N threads released at the same instant (for race tests on PostgreSQL)."""

import threading
from collections.abc import Callable


def run_concurrently(work: Callable[[], object], threads: int, timeout: float = 60) -> tuple[list, list]:
    """Call `work()` in `threads` threads started together; returns (results, errors). Closes each DB connection."""
    from django.db import connection

    barrier = threading.Barrier(threads)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=timeout)
            results.append(work())
        except Exception as exc:  # collected for the test's assertion
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout)
    return results, errors
