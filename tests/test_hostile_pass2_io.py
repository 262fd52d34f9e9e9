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

import pytest
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
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_limit_memory,
            env={**os.environ, "POSEIO_DISABLE_PLUGINS": "broken", **(env or {})},
        )
    except subprocess.TimeoutExpired as exc:
        # A hang inside C code (FFmpeg, a blocking open) that the case's alarm cannot interrupt.
        done = (exc.stdout or b"").decode(errors="replace").count("CASE ")
        pytest.fail(f"the worker hung past {timeout} s on case {cases[done]!r} (after {done} cases)")
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
from poseio._io._converting import mapping_from

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


# -- a batch's report that names one of its inputs --------------------------------------------------------------

#: Inputs of a batch: a SLEAP file and a DeepLabCut CSV (both cheap to convert).
BATCH_INPUTS = ("sio095_predictions_two_tracks.slp", "DLC_sample_poses.csv")


def _report_cases(root: Path) -> list[dict]:
    """Each way a report path can name an input of the batch: named, walked or matched, through links or not."""
    cases = []
    for name in BATCH_INPUTS:
        for given in ("named", "walked", "pattern"):
            for route in ("same path", "symlink", "hard link", "dotted path"):
                folder = root / f"case{len(cases)}"
                data = folder / "data"
                data.mkdir(parents=True)
                target = data / name
                target.write_bytes(corpus_file("formats", name).read_bytes())
                report = {
                    "same path": target,
                    "symlink": folder / "report.jsonl",
                    "hard link": folder / "report-hard.jsonl",
                    "dotted path": data / ".." / "data" / name,
                }[route]
                if route == "symlink":
                    report.symlink_to(target)
                elif route == "hard link":
                    os.link(target, report)
                source = {"named": target, "walked": data, "pattern": data / f"*{target.suffix}"}[given]
                cases.append(
                    {"source": str(source), "out": str(folder / "out"), "report": str(report), "input": str(target)}
                )
    return cases


def test_a_report_that_names_an_input_is_refused_before_anything_is_written(tmp_path):
    cases = _report_cases(tmp_path)
    before = {case["input"]: Path(case["input"]).read_bytes() for case in cases}
    body = """
    def run(case):
        result = poseio.convert_many(case["source"], case["out"], to=".slp", report=case["report"])
        return [o.status for o in result.outcomes]
    """
    outcomes = run_cases(body, cases)
    _refused_naming(outcomes, "InvalidOptionError", lambda case: "is an input of the batch")
    for case in cases:
        assert Path(case["input"]).read_bytes() == before[case["input"]], case
        assert not Path(case["out"]).exists(), f"the batch wrote before it refused: {case}"


def test_the_cli_refuses_a_report_that_names_an_input(tmp_path):
    case = _report_cases(tmp_path)[0]
    poseio_cli = Path(sys.executable).with_name("poseio")
    result = subprocess.run(
        [str(poseio_cli), "convert", case["source"], "--out-dir", case["out"], "--to", ".slp"]
        + ["--report", case["input"]],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )
    assert result.returncode != 0 and "is an input of the batch" in result.stderr, result.stderr
    assert Path(case["input"]).read_bytes() == corpus_file("formats", BATCH_INPUTS[0]).read_bytes()


# -- hostile servers --------------------------------------------------------------------------------------------

#: The remote deadline the workers use (POSEIO_REMOTE_TIMEOUT): short, so that a drip is caught in seconds.
REMOTE_SECONDS = 2

LOAD_URL = """
def run(case):
    return len(poseio.load(case[-1]))
"""


@pytest.fixture
def servers():
    """Start loopback servers on demand (``servers(**settings)``); all stopped after the test."""
    from poseio.testing import RangeServer

    started = []

    def start(**settings):
        server = RangeServer()
        for key, value in settings.items():
            setattr(server, key, value)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


def _served(server, dandiset: str) -> list[str]:
    """The example file at a plain URL and at a dandi:// URL of ``server``."""
    path = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    server.add_dandi_asset(dandiset, "sub-1/session.nwb", path)
    return [server.serve(path), f"dandi://{dandiset}@draft/sub-1/session.nwb"]


@pytest.mark.slow
def test_a_dripping_server_is_cut_off_by_the_deadline_of_each_request(servers):
    """Headers or body sent a little at a time: each request ends at its deadline, whatever keeps arriving."""
    pytest.importorskip("fsspec")
    cases = []
    for settings in ({"drip_headers": 0.3}, {"drip_body": 0.3}):
        server = servers(**settings)
        cases += [[str(settings), server.dandi_api, url] for url in _served(server, "000001")]
    outcomes = []
    for case in cases:  # one worker per API address (POSEIO_DANDI_API)
        env = {"POSEIO_REMOTE_TIMEOUT": str(REMOTE_SECONDS), "POSEIO_DANDI_API": case[1]}
        outcomes += run_cases(LOAD_URL, [case], env=env)
    _refused_naming(outcomes, "ReadError", lambda case: f"more than {REMOTE_SECONDS}")


def test_a_compressed_answer_is_refused_never_inflated(servers):
    """gzip or deflate, honest or a bomb (1.5 MB inflating to 1.5 GB): refused from its headers."""
    pytest.importorskip("fsspec")
    cases = []
    for settings in (
        {"encoding": "gzip"},
        {"encoding": "deflate"},
        {"encoding": "gzip", "inflate_to": 1536 * 2**20},
    ):
        server = servers(**settings)
        cases.append([str(settings), _served(server, "000001")[0]])
    outcomes = run_cases(LOAD_URL, cases)
    _refused_naming(outcomes, "ReadError", lambda case: "compressed answer")


def _hostile_dandi_answers(server, folder: Path) -> list[list[str]]:
    """DANDI API answers that link outside http(s) or are malformed: one dandiset each; ``[what, url]`` per case."""
    fifo = folder / "page.fifo"
    os.mkfifo(fifo)
    good = _served(server, "000001")[0]
    local = folder / "page.json"  # a page that, were it read, would resolve the asset
    local.write_text(json.dumps({"next": None, "results": [{"path": "s.nwb", "metadata": {"contentUrl": [good]}}]}))

    def page(next_link=None, results=None):
        return {"next": next_link, "results": [] if results is None else results}

    answers = {
        "next: a local file": page(local.as_uri()),
        "next: /dev/zero": page("file:///dev/zero"),
        "next: a FIFO": page(fifo.as_uri()),
        "next: ftp": page("ftp://127.0.0.1:9/page.json"),
        "next: a number": page(42),
        "results: text": page(results="s.nwb"),
        "results: numbers": page(results=[1, 2]),
        "metadata: a list": page(results=[{"path": "s.nwb", "metadata": []}]),
        "contentUrl: text": page(results=[{"path": "s.nwb", "metadata": {"contentUrl": good}}]),
        "contentUrl: a local file": page(results=[{"path": "s.nwb", "metadata": {"contentUrl": [local.as_uri()]}}]),
        "a list, not an object": [1, 2],
        "not JSON": "{no",
        "nested 100000 deep": "[" * 100000 + "]" * 100000,
    }
    cases = []
    for number, (what, answer) in enumerate(answers.items(), start=100):
        dandiset = f"000{number}"
        body = answer if isinstance(answer, str) else json.dumps(answer)
        server.api_answers[f"/api/dandisets/{dandiset}/versions/draft/assets/"] = body.encode()
        cases.append([what, f"dandi://{dandiset}@draft/s.nwb"])
    published = {"most_recent_published_version": "0.1"}  # a text where an object belongs
    server.api_answers["/api/dandisets/000999/"] = json.dumps(published).encode()
    cases.append(["published version: text", "dandi://000999/s.nwb"])
    return cases


def test_dandi_answers_are_followed_only_to_http_and_checked(servers, tmp_path):
    """file://, ftp:// or malformed answers: a ReadError naming the URL, never a local read, a hang or a bare error."""
    pytest.importorskip("fsspec")
    server = servers()
    cases = _hostile_dandi_answers(server, tmp_path)
    outcomes = run_cases(LOAD_URL, cases, env={"POSEIO_DANDI_API": server.dandi_api})
    _refused_naming(outcomes, "ReadError", lambda case: case[-1])


# -- media probing ---------------------------------------------------------------------------------------------


def _media_cases(root: Path) -> list[dict]:
    """Videos named by a pose file that would make FFmpeg open a FIFO outside the pose file's folder."""
    outside = root / "outside"
    outside.mkdir()
    for name in ("fifo.ts", "fifo.mp4", "fifo.png"):
        os.mkfifo(outside / name)
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{outside / 'fifo.ts'}\n#EXT-X-ENDLIST\n"
    concat = f"ffconcat version 1.0\nfile '{outside / 'fifo.mp4'}'\n"
    videos = {
        "playlist.m3u8": playlist,
        "playlist-named.mp4": playlist,  # FFmpeg picks its reader by the content, not the name
        "list.ffconcat": concat,
        "list-named.mkv": concat,
        "list.txt": concat,
        "frames_%d.png": None,  # an image-sequence pattern: frames_1.png, beside, is a FIFO
        "fifo-beside.mp4": None,
        "video.mp4": None,  # a real video: the control, which must still be timed
    }
    cases = []
    for name, text in videos.items():
        folder = root / f"pose{len(cases)}"
        folder.mkdir()
        pose = folder / "poses.csv"
        pose.write_bytes(corpus_file("formats", "DLC_sample_poses.csv").read_bytes())
        if text is not None:
            (folder / name).write_text(text)
        elif name == "frames_%d.png":
            os.mkfifo(folder / "frames_1.png")
        elif name == "fifo-beside.mp4":
            os.mkfifo(folder / name)
        else:
            (folder / name).write_bytes((TESTS.parent / "examples" / "two_mice.mp4").read_bytes())
        cases.append({"pose": str(pose), "video": name})
    return cases


def test_media_probing_opens_nothing_outside_the_folder_and_never_blocks(tmp_path):
    """Frame-rate probe (convert) and frame grab (plot): playlists, concat lists, patterns and FIFOs are not opened."""
    pytest.importorskip("av")
    cases = _media_cases(tmp_path)
    body = """
    from pathlib import Path
    from poseio._io._converting import rates_from_videos
    from poseio.cli._plot import _video_frame

    def run(case):
        labels = poseio.load(case["pose"])
        labels.videos[0].filename = case["video"]
        rates_from_videos(labels, Path(case["pose"]), False)
        frame, _ = _video_frame(case["video"], 0, beside=Path(case["pose"]), allow_external=False)
        return [labels.videos[0].fps, frame is not None]
    """
    outcomes = run_cases(body, cases, timeout=60)
    expected = {case["video"]: [None, False] for case in cases} | {"video.mp4": [30.0, True]}
    wrong = [o for o in outcomes if o.get("value") != expected[o["case"]["video"]]]
    assert not wrong, json.dumps(wrong, indent=1)
