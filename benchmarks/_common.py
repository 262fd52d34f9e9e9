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


def _resident(field: str) -> int:
    """A size from /proc/self/status (``VmRSS``, ``VmHWM``) in bytes; 0 where there is none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Write:
    """A timed write for `worker_main`: ``prepare(source)`` (untimed) gives what ``write(prepared)`` writes.

    ``output(source)`` is the file written; ``sync`` says whether the worker
    syncs it to disk after the clock stops and reports that time apart (for
    writers that leave it to the operating system, unlike ``poseio.save``).
    """

    def __init__(
        self,
        prepare: Callable[[str], Any],
        write: Callable[[Any, str], Any],
        output: Callable[[str], str],
        *,
        sync: bool = True,
    ) -> None:
        self.prepare, self.write, self.output, self.sync = prepare, write, output, sync
        self._source = ""

    def __call__(self, prepared: Any) -> Any:
        return self.write(prepared, self.output(self._source))


def worker_main(
    reader_of: Callable[[str, str], Callable[[str], Any]],
    imports: dict[str, str],
    setup: dict[str, Callable[[], Any]] | None = None,
) -> None:
    """The worker side of `run_worker`: ``--worker CASE TOOL PATH``; prints one JSON line.

    The tool's modules are imported first (not timed); then the resident
    size's high-water mark is reset (Linux ``clear_refs``), the read is timed,
    and the peak it added is the high-water mark less the resident size before.
    """
    import importlib
    import json
    import sys

    _, _, case, tool, path = sys.argv[:5]
    for module in imports.get(tool, "").split(","):
        if module.strip():
            importlib.import_module(module.strip())
    if setup and tool in setup:
        setup[tool]()  # untimed, after the imports (poseio's plugin discovery, say)
    read = reader_of(case, tool)
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current resident size
    except OSError:
        pass
    # A write (`Write`) prepares its input first, untimed: the labels, dataset or frame it writes.
    if isinstance(read, Write):
        import os

        read._source = path
        if os.path.exists(read.output(path)):
            os.remove(read.output(path))  # movement refuses to overwrite a file
    prepared = read.prepare(path) if isinstance(read, Write) else path
    gc.collect()
    before = _resident("VmRSS")
    start = time.perf_counter()
    result = read(prepared)
    seconds = time.perf_counter() - start
    peak = _resident("VmHWM") - before
    sync = 0.0
    if isinstance(read, Write) and read.sync:
        # The writer's file, synced to disk as poseio.save syncs its own (see `durably`).
        import os

        start = time.perf_counter()
        fd = os.open(read.output(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        sync = time.perf_counter() - start

    def nbytes(value: Any) -> int:
        if hasattr(value, "nbytes") and hasattr(value, "dtype"):
            return int(value.nbytes)
        if isinstance(value, (list, tuple)):
            return sum(nbytes(v) for v in value)
        return 0

    print(json.dumps({"seconds": seconds, "sync": sync, "peak": peak, "nbytes": nbytes(result)}))


#: Where worker interpreters keep compiled modules, outside the checkout (see `run_worker`).
PYCACHE = "/tmp/poseio-bench-pycache"


def run_worker(script: Any, case: str, tool: str, path: Any) -> dict[str, float]:
    """One timed read in a fresh interpreter: ``python script --worker case tool path`` (see `worker_main`).

    The worker may cache compiled modules (under `PYCACHE`, not beside the
    sources) even where the environment sets ``PYTHONDONTWRITEBYTECODE``: an
    installed package has its bytecode, and a module a tool imports lazily
    during the read (as poseio imports a format's plugin) would otherwise be
    compiled from source inside the timing.
    """
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    done = subprocess.run(
        [sys.executable, str(script), "--worker", case, tool, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])
