"""Hostile input, pass two (issue 20): hangs, reads outside the input, and bare errors from the files a user names.

Each class runs in a fresh process with a deadline and an address-space
limit, so that a hang fails on the deadline and a runaway read on the limit,
instead of the machine. Each case gets its own alarm inside the worker, so a
failure names the case that hung.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import corpus_file

TESTS = Path(__file__).resolve().parent
#: Address space of a worker: enough for poseio, h5py and numpy, far less than an unbounded read takes.
MEMORY_LIMIT = 3 * 2**30
#: Seconds one case may take inside a worker before it counts as a hang.
CASE_SECONDS = 10


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cases(body: str, cases: list, *, env: dict[str, str] | None = None, timeout: float = 120) -> list[dict]:
    """Run ``body`` (which defines ``run(case)``) on each case in a limited fresh process; one outcome per case.

    ``run`` returns anything JSON can hold, or raises: a poseio error is
    recorded as ``{"error": type, "message": text}``; anything else as
    ``{"bare": type, "message": text}``; a case that outlives `CASE_SECONDS` as ``{"hang": True}``.
    """
    code = textwrap.dedent(
        f"""
        import json, signal, sys
        sys.path.insert(0, {str(TESTS)!r})
        import poseio

        class Hang(BaseException):
            pass

        def _alarm(signum, frame):
            raise Hang()

        signal.signal(signal.SIGALRM, _alarm)
        """
    )
    code += textwrap.dedent(body)
    code += textwrap.dedent(
        f"""
        def attempt(case):
            try:
                return {{"value": run(case)}}
            except Hang:
                raise
            except poseio.PoseioError as exc:
                return {{"error": type(exc).__name__, "message": str(exc)}}
            except BaseException as exc:
                return {{"bare": type(exc).__name__, "message": str(exc)[:500]}}

        for case in json.loads({json.dumps(json.dumps(cases))}):
            signal.alarm({CASE_SECONDS})
            try:
                outcome = attempt(case)
            except Hang:  # also when the alarm rang while a failure was being recorded
                outcome = {{"hang": True}}
            signal.alarm(0)
            print("CASE " + json.dumps({{"case": case, **outcome}}), flush=True)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
        env={**os.environ, "POSEIO_DISABLE_PLUGINS": "broken", **(env or {})},
    )
    outcomes = [json.loads(line[5:]) for line in result.stdout.splitlines() if line.startswith("CASE ")]
    assert len(outcomes) == len(cases), f"the worker died:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return outcomes


def _refused_naming(outcomes: list[dict], error: str, name_of) -> None:
    wrong = [o for o in outcomes if o.get("error") != error or name_of(o["case"]) not in o.get("message", "")]
    assert not wrong, json.dumps(wrong, indent=1)


# -- files a user names to configure poseio ------------------------------------------------------------------


def hostile_option_files(folder: Path) -> dict[str, str]:
    """One path per way an option file can hang poseio, exhaust its memory or crash its parser."""
    fifo = folder / "fifo.toml"
    os.mkfifo(fifo)
    files = {
        "fifo": str(fifo),
        "device": "/dev/zero",
        "folder": str(folder),
    }
    contents = {
        "bad-utf8": b"prefer = ['dlc']\n# \xff\xfe not text\n",
        "nested-toml": b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "nested-yaml-flow": b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "nested-json": b'{"a": ' + b'{"b": ' * 5000 + b"1" + b"}" * 5001,
        "nested-yaml-block": b"".join(b"  " * i + b"k:\n" for i in range(3000)) + b"  " * 3000 + b"v\n",
        "huge": b"# " + b"x" * (2 * 1024 * 1024) + b"\n",
    }
    for name, data in contents.items():
        path = folder / f"{name}.txt"
        path.write_bytes(data)
        files[name] = str(path)
    return files


OPTION_FILE_RUN = """
from poseio._converting import mapping_from

def run(case):
    kind, path = case
    if kind == "config":
        import os
        os.environ["POSEIO_CONFIG"] = path
        return len(poseio.load(EXAMPLE))
    return mapping_from(path, kind)
"""


def test_every_hostile_option_file_is_an_invalid_option_naming_it(tmp_path):
    """POSEIO_CONFIG, --subject and --metadata: never a hang, a MemoryError or a bare parser error."""
    files = hostile_option_files(tmp_path)
    cases = [[kind, path] for kind in ("config", "--subject", "--metadata") for path in files.values()]
    example = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    outcomes = run_cases(f"EXAMPLE = {str(example)!r}\n" + OPTION_FILE_RUN, cases)
    _refused_naming(outcomes, "InvalidOptionError", lambda case: case[1])
