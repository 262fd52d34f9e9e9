"""Start-up cost: `import poseio`, `poseio.sniff`, and `poseio info`, against importing pynwb.

    python benchmarks/bench_startup.py [FILE.nwb]

Each figure is the median of --repeats fresh interpreter runs (subprocesses),
so module caching inside one process does not flatter it. The reference is
the cost of `import pynwb, ndx_pose`, which poseio keeps off these paths.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "two_mice.nwb"


def run_seconds(code: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(EXAMPLE))
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    baseline = run_seconds("pass", args.repeats)
    rows = {
        "import poseio": run_seconds("import poseio", args.repeats),
        "import poseio + find the plugins": run_seconds("import poseio; poseio.formats()", args.repeats),
        "import poseio + sniff": run_seconds(f"import poseio; poseio.sniff({args.file!r})", args.repeats),
        "poseio info (CLI, in-process)": run_seconds(
            f"from poseio.cli import cli; cli(['info', {args.file!r}], standalone_mode=False)", args.repeats
        ),
        "import pynwb, ndx_pose (reference)": run_seconds("import pynwb, ndx_pose", args.repeats),
    }
    print(
        f"{args.file}; medians of {args.repeats} fresh interpreters, interpreter start-up ({baseline:.3f}s) subtracted"
    )
    for what, seconds in rows.items():
        print(f"{what:<38} {seconds - baseline:7.3f}s")
    import poseio  # noqa: E402 - timed above in fresh processes; here only the sniff itself

    poseio.sniff(args.file)
    sniff_times = []
    for _ in range(50):
        start = time.perf_counter()
        poseio.sniff(args.file)
        sniff_times.append(time.perf_counter() - start)
    print(f"{'sniff alone, warm (median of 50)':<38} {statistics.median(sniff_times) * 1000:7.2f}ms")


if __name__ == "__main__":
    main()
