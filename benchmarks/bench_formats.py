"""The formats of issue 23: poseio's load against the peers' readers and the raw parse, on the same files.

    python benchmarks/bench_formats.py                       # corpus files + 10,000 frames x 2 x 10 per format
    python benchmarks/bench_formats.py --quick               # 1,000-frame files, 3 rounds
    python benchmarks/bench_formats.py --only coco,jabs --repeats 11

For every format: the files of ``shared/corpus/formats2`` that are in it, and
a large file written as its producer writes it (`_peers.WRITERS`: sleap-io
0.9.5's ``save_*`` where sleap-io writes the format, else the layout of the
format's docs page and tests, written with h5py / json / numpy / scipy).
Each file is timed in a fresh interpreter that imports every tool first and
calls each reader once untimed (so that start-up and first-call costs are not
measured, only reading), then calls them in turn, ``--repeats`` rounds, and
keeps each one's median (`_common.median_times`). Timed: ``poseio.load(path)``
+ every point as an array (``labels.to_table().points`` for the formats of
labelled frames, whose frame numbers are sparse, else ``labels.numpy()``); each peer's load + its points as arrays
(sleap-io ``load_*`` + ``Labels.numpy()`` per video, pycocotools' index +
keypoints); the raw reference, which only parses (``json.load``, h5py reading
the datasets, ``scipy.io.loadmat``, ``numpy.load``, ``pandas.read_csv``).

A peer that fails or finds no point where poseio finds some is named in the
notes and not counted as the fastest peer. movement-netcdf has its own
benchmark (`bench_movement_netcdf.py`), which this one runs and quotes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/formats2"
#: The formats in the order of the table; the corpus' truth.json names some differently.
FORMATS = ["coco", "coco-results", "ultralytics", "labelstudio", "jabs", "sleap-csv", "alphatracker", "dannce",
           "sleap-anipose", "trex", "movement-netcdf", "dlc-project", "leap", "trackmate", "facemap", "openpose",
           "mmpose", "freipose", "idtracker"]  # fmt: skip
TRUTH_NAMES = {"dannce-mat": "dannce", "trex-npz": "trex", "sleap-anipose-h5": "sleap-anipose"}
#: Formats whose files are a folder of one file per frame: fewer frames, so that writing them stays quick.
PER_FRAME_FILES = {"ultralytics": 2_000, "openpose": 10_000}


def corpus_files(fmt: str) -> list[Path]:
    truth_file = CORPUS / "truth.json"
    if not truth_file.exists():
        return []
    truth = json.loads(truth_file.read_text())
    names = [n for n, t in truth.items() if TRUTH_NAMES.get(t.get("format"), t.get("format")) == fmt]
    return [CORPUS / n for n in names if (CORPUS / n).exists()]


# -- the worker: one file, every tool, in one fresh interpreter ------------------------------


def worker(fmt: str, path: str, repeats: int) -> None:
    import importlib

    import _peers
    from _common import median_times

    warnings.simplefilter("ignore")
    peers, raw = _peers.READERS[fmt]
    sparse = fmt in _peers.SPARSE
    readers = {"poseio": lambda p: _peers.poseio_points(p, sparse), **peers, **raw}
    for tool in readers:
        for module in _peers.IMPORTS.get(tool, []):
            importlib.import_module(module)
    found: dict[str, dict] = {}
    for tool, read in list(readers.items()):
        try:
            found[tool] = {"points": _peers.count_points(read(path))}  # untimed first call
        except Exception as error:  # noqa: BLE001 - a peer that cannot read the file is reported
            found[tool] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:80]}"}
            del readers[tool]
    times = median_times({tool: (lambda r=read: r(path)) for tool, read in readers.items()}, repeats)
    for tool, seconds in times.items():
        found[tool]["seconds"] = seconds
    print(json.dumps({"tools": found, "peers": list(peers), "raw": list(raw)}))


def run_worker(fmt: str, path: Path, repeats: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = "/tmp/poseio-bench-pycache"
    done = subprocess.run(
        [sys.executable, __file__, "--worker", fmt, str(path), str(repeats)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        return {"failed": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the table -------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    value = seconds * 1e3
    return f"{value:.3g} ms" if value < 100 else f"{value:,.0f} ms"


def ratio_text(ratio: float) -> str:
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.3f}x"


def row(fmt: str, label: str, result: dict) -> str:
    if "failed" in result:
        return f"| {fmt} | {label} | failed: {result['failed']} | | | | | |"
    tools = result["tools"]
    ours = tools["poseio"]
    if "error" in ours:
        return f"| {fmt} | {label} | {ours['error']} | | | | | |"
    notes, usable = [], {}
    for peer in result["peers"]:
        got = tools[peer]
        if "error" in got:
            notes.append(f"{peer} cannot read it ({got['error']})")
        elif got["points"] == 0 and ours["points"] > 0:
            notes.append(f"{peer} reads 0 points ({ms(got['seconds'])}), poseio {ours['points']:,}")
        else:
            usable[peer] = got["seconds"]
    if usable:
        best = min(usable, key=usable.get)
        peer_cell, ratio = f"{ms(usable[best])} ({best})", ratio_text(ours["seconds"] / usable[best])
    else:
        peer_cell, ratio = "none" if not result["peers"] else "none reads it", ""
    raw_name = result["raw"][0]
    raw = tools[raw_name]
    if "error" in raw:
        raw_cell, raw_ratio = f"{raw_name}: {raw['error']}", ""
    else:
        raw_cell, raw_ratio = f"{ms(raw['seconds'])} ({raw_name})", ratio_text(ours["seconds"] / raw["seconds"])
    cells = [fmt, label, ms(ours["seconds"]), peer_cell, ratio, raw_cell, raw_ratio, "; ".join(notes)]
    return "| " + " | ".join(cells) + " |"


def movement_netcdf_rows(args: argparse.Namespace) -> list[str]:
    """Runs bench_movement_netcdf.py and quotes its medians (its peer is xarray, as movement opens the files)."""
    command = [sys.executable, str(Path(__file__).with_name("bench_movement_netcdf.py"))]
    if args.quick:
        command += ["--rounds", "9", "--frames", str(args.frames)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        return [f"| movement-netcdf | | failed: {done.stderr.strip().splitlines()[-1]} | | | | | |"]
    rows, label, medians = [], None, {}

    def flush() -> None:
        if label is None:
            return
        ours = medians.pop("poseio.load().numpy()")
        best = min(medians, key=medians.get)
        rows.append(
            f"| movement-netcdf | {label} | {ours:.3g} ms | {medians[best]:.3g} ms (movement's way: {best}) | "
            f"{ours / medians[best]:.2f}x | (xarray is the reader) | | from bench_movement_netcdf.py |"
        )

    for line in done.stdout.splitlines():
        head = re.match(r"(\S+) \(([\d.]+) MB\), (\d+) rounds", line)
        if head:
            flush()
            name = head.group(1)
            label, medians = (f"`{name}`" if name != "big.nc" else f"large ({head.group(2)} MB)"), {}
            continue
        found = re.match(r"\s+(.+?)\s+median\s+([\d.]+) ms", line)
        if found:
            medians[found.group(1)] = float(found.group(2))
    flush()
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000-frame large files and 3 rounds")
    parser.add_argument("--repeats", type=int, help="rounds per file (default 7, --quick 3)")
    parser.add_argument("--only", help="comma-separated formats (default: all)")
    parser.add_argument("--frames", type=int, help="frames of the large files (default 10,000, --quick 1,000)")
    parser.add_argument("--animals", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--no-corpus", action="store_true", help="only the large files")
    parser.add_argument("--folder", type=Path, help="write the large files here and keep them (default: temporary)")
    args = parser.parse_args()
    args.repeats = args.repeats or (3 if args.quick else 7)
    args.frames = args.frames or (1_000 if args.quick else 10_000)
    formats = FORMATS if not args.only else [f.strip() for f in args.only.split(",")]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")

    import _peers

    print(f"poseio load + every point as an array, median of {args.repeats} alternating rounds (warm)\n")
    print("| format | file | poseio | fastest peer (which) | ratio | raw reference | ratio | notes |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for fmt in formats:
            if fmt == "movement-netcdf":
                for line in movement_netcdf_rows(args):
                    print(line, flush=True)
                continue
            if not args.no_corpus:
                for path in corpus_files(fmt):
                    print(row(fmt, f"`{path.name}`", run_worker(fmt, path, args.repeats)), flush=True)
            frames = min(args.frames, PER_FRAME_FILES.get(fmt, args.frames))
            shape = (frames, args.animals, args.nodes)
            folder = (args.folder or Path(scratch)) / f"{fmt}_{frames}_{args.animals}_{args.nodes}"
            marker = folder / "written.txt"
            if marker.exists():
                path = Path(marker.read_text())
            else:
                folder.mkdir(parents=True, exist_ok=True)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    path = _peers.WRITERS[fmt](folder, shape)
                marker.write_text(str(path))
            files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            size = sum(p.stat().st_size for p in files)
            label = f"large: {frames:,} frames, {size / 1e6:.1f} MB"
            print(row(fmt, label, run_worker(fmt, path, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
