"""Small PromQL builders shared by the runtimes' canary-analysis queries.

Every query reads the metrics of the new version's pods only: `selector` holds the label
matchers (namespace and pod-template hash) and is spliced into every series selector.
"""

from __future__ import annotations


def series(metric: str, selector: str, extra: str = "") -> str:
    """`metric{selector,extra}`."""
    matchers = f"{selector},{extra}" if extra else selector
    return f"{metric}{{{matchers}}}"


def rate_sum(metric: str, selector: str, window: str, extra: str = "") -> str:
    """Requests (or seconds) per second over all matching pods.

    A labelled counter has no series until its first increment (a 5xx counter before the
    first error); `or vector(0)` turns that into 0, so that sums of counters stay defined.
    """
    return f"(sum(rate({series(metric, selector, extra)}[{window}])) or vector(0))"


def ratio(numerator: str, *denominator: str) -> str:
    """numerator / (sum of denominator terms); 0/0 (no requests yet) is NaN, which the analysis passes."""
    below = denominator[0] if len(denominator) == 1 else "(" + " + ".join(denominator) + ")"
    return f"{numerator} / {below}"


def histogram_p95(histogram: str, selector: str, window: str) -> str:
    """The 95th percentile of a Prometheus histogram (its `_bucket` series) over all matching pods."""
    return f"histogram_quantile(0.95, sum by (le) (rate({series(histogram + '_bucket', selector)}[{window}])))"


def scaled(query: str, divisor: int) -> str:
    """A query in microseconds (divisor 1000000) or milliseconds (1000) turned into seconds."""
    return f"{query} / {divisor}"
