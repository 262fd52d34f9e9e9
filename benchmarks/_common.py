"""Timing helpers shared by the benchmarks: medians of repeated runs, peak memory."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def median_time(function: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The median wall time of ``repeats`` calls, and the last call's result."""
    times = []
    result = None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def median_times(functions: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """The median wall time of each function, called in turn ``repeats`` times.

    Alternating the calls makes a busy or quiet spell of the shared machine
    fall on every measure alike, and each result is dropped before the next
    call, so that no measure pays for memory another one still holds.
    """
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            gc.collect()
            start = time.perf_counter()
            result = function()
            times[name].append(time.perf_counter() - start)
            del result
    return {name: statistics.median(values) for name, values in times.items()}


def peak_memory(function: Callable[[], Any]) -> tuple[int, Any]:
    """Peak bytes allocated through Python's allocators (numpy included) during one call."""
    gc.collect()
    tracemalloc.start()
    try:
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def report(rows: list[tuple[str, float, float, float | None]]) -> None:
    """Print (what, poseio seconds, reference seconds, target ratio) rows with their ratios."""
    print(f"{'measure':<44} {'poseio':>9} {'reference':>10} {'ratio':>7} {'target':>7}")
    for what, ours, reference, target in rows:
        ratio = ours / reference
        verdict = "" if target is None else ("ok" if ratio <= target else "MISSED")
        target_text = "" if target is None else f"<={target:g}"
        print(f"{what:<44} {ours:>8.3f}s {reference:>9.3f}s {ratio:>6.2f}x {target_text:>7} {verdict}")


def durably(write: Callable[[], Any], path: Any) -> Callable[[], Any]:
    """``write``, then an fsync of the file it wrote.

    ``poseio.save`` syncs its file to disk before it replaces the destination
    (so that a crash cannot leave a damaged file); a reference writer that does
    not leaves that work to the operating system, after the clock stops. This
    reference does the same work as poseio.
    """
    import os

    def call() -> Any:
        result = write()
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return result

    return call
