"""What the benchmarks share: percentiles, and a log of the SQL a piece of work sends.
Import after django.setup()."""

import os
import time

from django.db import connection


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes), printed beside every figure: the
    machine is shared, and a figure means little without it."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class QueryLog:
    """Every SQL statement sent while it is open, with its time:
    ``entries`` of (seconds, sql, parameters, many)."""

    def __enter__(self):
        self.entries = []
        self.context = connection.execute_wrapper(self)
        self.context.__enter__()
        return self

    def __exit__(self, *exc_info):
        self.context.__exit__(*exc_info)

    def __call__(self, execute, sql, parameters, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, parameters, many, context)
        finally:
            self.entries.append((time.perf_counter() - started, sql, parameters, many))

    def __len__(self):
        return len(self.entries)
