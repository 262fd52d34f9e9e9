"""Batch conversion (issue 11): ``poseio convert ... --out-dir`` run as users run it, in a new process.

Every output is checked independently of poseio: its points are read with
h5py (the helpers of test_convert_to_nwb.py) and compared with the producers'
truth of the corpus (``../shared/corpus/formats/truth.npz``).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from test_convert_to_nwb import _nwb_points, _sorted_rows

POSEIO = shutil.which("poseio", path=str(Path(sys.executable).parent)) or "poseio"
ENV = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}

#: Where each corpus file goes in the test's folders, and the output it must give (below out/).
LAYOUT = {
    "data/m1/session.h5": ("DLC_sample_poses.h5", "m1/session.nwb"),
    "data/m2/session.h5": ("movement015_single_mouse1_dlc.h5", "m2/session.nwb"),
    "data/m2/labels.slp": ("sio095_user_labels.slp", "m2/labels.nwb"),
    "extra/tracks.analysis.h5": ("sio095_predictions_two_tracks.analysis.h5", "tracks.analysis.nwb"),
    "single/typical.slp": ("typical.slp", "typical.nwb"),
}
#: Files in the folder that no format claims as pose data: skipped, and said so in the report.
NOT_POSE = {"data/notes/learning_stats.csv": "learning_stats.csv", "data/m1/sensor.h5": "generic_sensor_recording.h5"}
#: The sources as a user types them: a folder, a pattern (quoted: poseio expands it) and a file.
SOURCES = ["data", "extra/*.h5", "single/typical.slp"]
CONVERT = ["--to", ".nwb", "--fps", "30"]


class Run:
    def __init__(self, process: subprocess.Popen, stdout: str, stderr: str):
        self.pid, self.returncode, self.stdout, self.stderr = process.pid, process.returncode, stdout, stderr


def run(*args, cwd) -> Run:
    process = subprocess.Popen(
        [POSEIO, *map(str, args)], cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stdout, stderr = process.communicate(timeout=600)
    return Run(process, stdout, stderr)


def lay_out(root: Path, files: dict[str, str]) -> None:
    for where, name in files.items():
        (root / where).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_file("formats", name), root / where)


@pytest.fixture
def folders(tmp_path) -> Path:
    lay_out(tmp_path, {where: name for where, (name, _) in LAYOUT.items()} | NOT_POSE)
    return tmp_path


def report_lines(path: Path) -> dict[str, dict]:
    """The report's lines by source; each must be a JSON object."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len({line["source"] for line in lines}) == len(lines), "a file is reported twice"
    return {line["source"]: line for line in lines}


def outputs(out: Path) -> set[str]:
    """The files below ``out`` a user sees: not the hidden lock and temporary files."""
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}


def assert_points_match(output: Path, corpus_name: str) -> None:
    truth = np.load(corpus_file("formats", "truth.npz"))[corpus_name]
    found = _nwb_points(output)
    assert found.shape == truth.shape, f"{output}: {found.shape} points, the truth has {truth.shape}"
    # movement's truth is float32 (it casts positions); the others are exact.
    rtol = 1e-6 if corpus_name.startswith("movement") else 0
    np.testing.assert_allclose(_sorted_rows(found), _sorted_rows(truth), rtol=rtol)


def assert_all_converted(out: Path, layout=LAYOUT) -> None:
    assert outputs(out) == {output for _, output in layout.values()}
    for name, output in layout.values():
        assert_points_match(out / output, name)


@pytest.mark.corpus
def test_files_folders_and_patterns_convert_every_point_and_report_each_file(folders):
    result = run("convert", *SOURCES, "--out-dir", "out", *CONVERT, "--report", "report.jsonl", cwd=folders)
    assert result.returncode == 0, result.stderr
    # The two session.h5 of different folders keep their folders: no collision.
    assert_all_converted(folders / "out")
    lines = report_lines(folders / "report.jsonl")
    assert {s: line["status"] for s, line in lines.items()} == {
        **dict.fromkeys(LAYOUT, "converted"),
        **dict.fromkeys(NOT_POSE, "skipped-not-pose"),
    }
    for where, (_, output) in LAYOUT.items():
        line = lines[where]
        assert Path(line["output"]) == Path("out", output) and line["error"] is None and line["seconds"] > 0
    assert all(lines[where]["output"] is None for where in NOT_POSE)
    assert "5 converted, 2 skipped (2 not pose files), 0 failed" in result.stderr
    for where, (_, output) in LAYOUT.items():
        assert f"{where} -> {Path('out', output)}" in result.stdout
    assert "converting" not in result.stderr  # no progress bar when stderr is not a terminal


@pytest.mark.corpus
@pytest.mark.slow
def test_two_worker_processes_write_the_same_outputs_as_one(folders):
    points = {}
    for jobs in (1, 2):
        out, report = f"out{jobs}", f"report{jobs}.jsonl"
        result = run("convert", *SOURCES, "--out-dir", out, *CONVERT, "--jobs", jobs, "--report", report, cwd=folders)
        assert result.returncode == 0, result.stderr
        assert_all_converted(folders / out)
        points[jobs] = {o: _nwb_points(folders / out / o) for o in outputs(folders / out)}
        pids = {line["worker"].rsplit(":", 1)[1] for line in report_lines(folders / report).values() if line["worker"]}
        # One job converts in the command's own process; two, in worker processes.
        assert (pids == {str(result.pid)}) if jobs == 1 else (str(result.pid) not in pids and pids)
    assert points[1].keys() == points[2].keys()
    for output in points[1]:
        np.testing.assert_array_equal(points[1][output], points[2][output])


@pytest.mark.corpus
@pytest.mark.slow
def test_shards_partition_the_files_exactly_whatever_order_they_are_listed_in(folders):
    shares = []
    for index in (1, 2, 3):
        # Each task of a job array may list the sources in another order: the shares must not change.
        sources = SOURCES if index != 2 else SOURCES[::-1]
        report = f"shard{index}.jsonl"
        result = run(
            "convert",
            *sources,
            "--out-dir",
            "out",
            *CONVERT,
            "--shard",
            f"{index}/3",
            "--report",
            report,
            "-q",
            cwd=folders,
        )
        assert result.returncode == 0, result.stderr
        shares.append(set(report_lines(folders / report)))
    every = set(LAYOUT) | set(NOT_POSE)
    assert set().union(*shares) == every
    assert sum(len(s) for s in shares) == len(every)  # no file in two shares
    assert all(shares), "a share is empty: the shares are not spread"
    assert_all_converted(folders / "out")
    again = run(
        "convert", *SOURCES, "--out-dir", "out", *CONVERT, "--shard", "2/3", "--report", "again.jsonl", cwd=folders
    )
    assert again.returncode == 0, again.stderr
    assert set(report_lines(folders / "again.jsonl")) == shares[1]


@pytest.mark.corpus
def test_shares_do_not_move_when_files_come_between_the_tasks(folders):
    # Each task writes its report into the folder it converts, so the second task sees one file more
    # than the first did (as when a new session lands mid-array): no file may be converted twice or never.
    converted = []
    for index in (1, 2):
        if index == 2:
            (folders / "data" / "m0").mkdir()
            shutil.copy(corpus_file("formats", "typical.slp"), folders / "data" / "m0" / "new.slp")
        report = Path("data", f"report-{index}.jsonl")
        result = run(
            "convert", "data", "--out-dir", "out", *CONVERT, "--shard", f"{index}/2", "--report", report, cwd=folders
        )
        assert result.returncode == 0, result.stderr
        converted.append({s for s, line in report_lines(folders / report).items() if line["status"] == "converted"})
    first_task_saw = {where for where in LAYOUT if where.startswith("data/")}
    assert not converted[0] & converted[1], "a file was converted by both tasks"
    # Every file the first task saw was converted by one of the two; the new one only if its share is the second.
    assert first_task_saw <= converted[0] | converted[1]


@pytest.mark.corpus
@pytest.mark.slow
def test_a_rerun_skips_what_is_done_and_redoes_deleted_stale_and_foreign_outputs(folders):
    out = folders / "out"
    assert run("convert", *SOURCES, "--out-dir", "out", *CONVERT, cwd=folders).returncode == 0
    rerun = run("convert", *SOURCES, "--out-dir", "out", *CONVERT, "--report", "rerun.jsonl", cwd=folders)
    assert rerun.returncode == 0, rerun.stderr
    statuses = {s: line["status"] for s, line in report_lines(folders / "rerun.jsonl").items()}
    assert statuses == {**dict.fromkeys(LAYOUT, "skipped-existing"), **dict.fromkeys(NOT_POSE, "skipped-not-pose")}
    assert "0 converted, 7 skipped (5 already done, 2 not pose files), 0 failed" in rerun.stderr

    (out / "m1" / "session.nwb").unlink()  # deleted
    later = (out / "m2" / "session.nwb").stat().st_mtime + 60
    os.utime(folders / "data" / "m2" / "session.h5", (later, later))  # the input changed after its conversion
    (out / "typical.nwb").write_text("not written by poseio")  # newer than its input, but no NWB file
    redo = run("convert", *SOURCES, "--out-dir", "out", *CONVERT, "--report", "redo.jsonl", cwd=folders)
    assert redo.returncode == 0, redo.stderr
    statuses = {s: line["status"] for s, line in report_lines(folders / "redo.jsonl").items()}
    redone = {"data/m1/session.h5", "data/m2/session.h5", "single/typical.slp"}
    assert {s for s, status in statuses.items() if status == "converted"} == redone
    assert {s for s, status in statuses.items() if status == "skipped-existing"} == set(LAYOUT) - redone
    assert_all_converted(out)

    forced = run("convert", *SOURCES, "--out-dir", "out", *CONVERT, "--overwrite", "--report", "all.jsonl", cwd=folders)
    assert forced.returncode == 0, forced.stderr
    statuses = {s: line["status"] for s, line in report_lines(folders / "all.jsonl").items()}
    assert {s for s, status in statuses.items() if status == "converted"} == set(LAYOUT)


@pytest.mark.corpus
def test_a_broken_input_fails_alone_with_its_error_and_exit_status_1(tmp_path):
    lay_out(tmp_path, {"good.h5": "DLC_sample_poses.h5", "typical.slp": "typical.slp"})
    whole = corpus_file("formats", "DLC_sample_poses.h5").read_bytes()
    (tmp_path / "truncated.h5").write_bytes(whole[: len(whole) // 2])
    shutil.copy(corpus_file("formats", "generic_sensor_recording.h5"), tmp_path / "fake.h5")  # HDF5, but no poses
    sources = ["fake.h5", "good.h5", "truncated.h5", "typical.slp"]
    result = run("convert", *sources, "--out-dir", "out", *CONVERT, "--report", "report.jsonl", "-j", 2, cwd=tmp_path)
    assert result.returncode == 1
    assert "2 converted, 0 skipped, 2 failed" in result.stderr
    lines = report_lines(tmp_path / "report.jsonl")
    assert {s: (line["status"], line["error"]) for s, line in lines.items()} == {
        "fake.h5": ("failed", "UnknownFormatError"),
        "truncated.h5": ("failed", "ReadError"),
        "good.h5": ("converted", None),
        "typical.slp": ("converted", None),
    }
    for source in ("fake.h5", "truncated.h5"):
        message = lines[source]["message"]
        assert message and "\n" not in message and f"failed: {message}" in result.stderr
    assert "truncated" in lines["truncated.h5"]["message"]
    assert outputs(tmp_path / "out") == {"good.nwb", "typical.nwb"}
    assert_points_match(tmp_path / "out" / "good.nwb", "DLC_sample_poses.h5")
    assert_points_match(tmp_path / "out" / "typical.nwb", "typical.slp")


#: Installed in the command's processes through sitecustomize: converting a file named "crash..." kills the worker,
#: as a segfault in a reader's C library would.
CRASHING = """
import os
import poseio._batch._tasks as tasks

convert = tasks.convert_task


def crashing(source, output, plan):
    if os.path.basename(source).startswith("crash"):
        os._exit(70)
    return convert(source, output, plan)


tasks.convert_task = crashing
"""


#: Through sitecustomize: the input is rewritten while it is converted, as when an acquisition is still writing it.
CHANGING = """
import os
import poseio._batch._tasks as tasks

convert = tasks.convert_one


def changing(source, output, plan):
    os.utime(source)  # rewritten once the conversion has begun: the output, written after, is newer
    return convert(source, output, plan)


tasks.convert_one = changing
"""


@pytest.mark.corpus
def test_an_input_that_changes_while_converted_is_converted_again_by_the_next_run(tmp_path, monkeypatch):
    lay_out(tmp_path, {"data/s.slp": "typical.slp"})
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(CHANGING)
    with monkeypatch.context() as patch:
        patch.setitem(ENV, "PYTHONPATH", str(tmp_path / "hook"))
        first = run("convert", "data", "--out-dir", "out", *CONVERT, "--report", "r1.jsonl", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    line = report_lines(tmp_path / "r1.jsonl")["data/s.slp"]
    assert line["status"] == "converted" and any("changed while it was converted" in n for n in line["notes"])
    again = run("convert", "data", "--out-dir", "out", *CONVERT, "--report", "r2.jsonl", cwd=tmp_path)
    assert report_lines(tmp_path / "r2.jsonl")["data/s.slp"]["status"] == "converted", again.stderr
    third = run("convert", "data", "--out-dir", "out", *CONVERT, "--report", "r3.jsonl", cwd=tmp_path)
    assert report_lines(tmp_path / "r3.jsonl")["data/s.slp"]["status"] == "skipped-existing", third.stderr
    assert_points_match(tmp_path / "out" / "s.nwb", "typical.slp")


@pytest.mark.corpus
def test_a_file_that_kills_its_worker_process_fails_alone(tmp_path, monkeypatch):
    files = {f"s{i}.h5": "DLC_sample_poses.h5" for i in range(5)} | {"crash.slp": "typical.slp"}
    lay_out(tmp_path / "data", files)
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(CRASHING)
    monkeypatch.setitem(ENV, "PYTHONPATH", str(tmp_path / "hook"))
    result = run("convert", "data", "--out-dir", "out", *CONVERT, "--jobs", 2, "--report", "r.jsonl", cwd=tmp_path)
    assert result.returncode == 1
    lines = report_lines(tmp_path / "r.jsonl")
    assert {s: line["status"] for s, line in lines.items()} == {
        **{f"data/s{i}.h5": "converted" for i in range(5)},
        "data/crash.slp": "failed",
    }
    assert lines["data/crash.slp"]["error"] == "WorkerDied"
    assert "the worker process converting it died" in lines["data/crash.slp"]["message"]
    assert outputs(tmp_path / "out") == {f"s{i}.nwb" for i in range(5)}
    for i in range(5):
        assert_points_match(tmp_path / "out" / f"s{i}.nwb", "DLC_sample_poses.h5")


@pytest.mark.corpus
@pytest.mark.parametrize(
    "files, args, message",
    [
        # DeepLabCut writes the same predictions as .csv and .h5: both would become x.nwb.
        (
            {"a/x.csv": "DLC_sample_poses.csv", "a/x.h5": "DLC_sample_poses.h5"},
            ["a", "--out-dir", "out"],
            "a/x.csv, a/x.h5",
        ),
        # Case differs only: one file on macOS and Windows.
        (
            {"a/X.h5": "DLC_sample_poses.h5", "b/x.h5": "DLC_sample_poses.h5"},
            ["a/X.h5", "b/x.h5", "--out-dir", "out"],
            "would write the same output",
        ),
        ({"a/x.h5": "DLC_sample_poses.h5"}, ["a", "--out-dir", "a"], "is a folder to convert"),
        (
            {"a/x.slp": "typical.slp", "a/y.slp": "typical.slp"},
            ["a/x.slp", "a/y.slp", "--out-dir", "a", "--to", "slp"],
            "would replace an input",
        ),
    ],
)
def test_outputs_that_collide_are_refused_before_anything_is_written(tmp_path, files, args, message):
    lay_out(tmp_path, files)
    if "--to" not in args:
        args = [*args, "--to", ".nwb"]
    before = {p for p in tmp_path.rglob("*")}
    result = run("convert", *args, "--fps", "30", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("poseio: error:") and message in result.stderr, result.stderr
    assert {p for p in tmp_path.rglob("*")} == before


@pytest.mark.corpus
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs symbolic links and named pipes (POSIX)")
def test_an_output_folder_reached_through_a_link_is_the_folder_and_pipes_are_passed_over(tmp_path):
    lay_out(tmp_path, {"data/s.slp": "typical.slp"})
    (tmp_path / "data" / "s.slp").chmod(0o644)  # writable, as a user's own files are: only the check protects it
    before = (tmp_path / "data" / "s.slp").read_bytes()
    (tmp_path / "alias").symlink_to(tmp_path / "data", target_is_directory=True)
    # Written as SLEAP into the folder by another name: the output would replace its own input.
    result = run("convert", "data/s.slp", "--out-dir", "alias", "--to", "slp", "--overwrite", cwd=tmp_path)
    assert result.returncode == 1 and "would replace an input" in result.stderr, result.stderr
    assert (tmp_path / "data" / "s.slp").read_bytes() == before

    # A named pipe in a folder to convert: sniffing it would wait for a writer forever.
    os.mkfifo(tmp_path / "data" / "pipe.csv")
    result = run("convert", "data", "--out-dir", "out", *CONVERT, "--report", "r.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert set(report_lines(tmp_path / "r.jsonl")) == {"data/s.slp"}
    assert_points_match(tmp_path / "out" / "s.nwb", "typical.slp")


@pytest.mark.corpus
def test_an_output_of_another_format_is_not_taken_for_done(tmp_path):
    lay_out(tmp_path, {"data/s.h5": "DLC_sample_poses.h5"})
    assert run("convert", "data", "--out-dir", "out", "--to", "dlc", cwd=tmp_path).returncode == 0
    # out/s.csv is a DeepLabCut CSV, which the Lightning Pose sniffer would also read: not a Lightning Pose output.
    again = run("convert", "data", "--out-dir", "out", "--to", "lightning-pose", "--report", "r.jsonl", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert report_lines(tmp_path / "r.jsonl")["data/s.h5"]["status"] == "converted"
    # Lightning Pose's own output is then its own, and a rerun skips it.
    third = run("convert", "data", "--out-dir", "out", "--to", "lightning-pose", "--report", "r3.jsonl", cwd=tmp_path)
    assert report_lines(tmp_path / "r3.jsonl")["data/s.h5"]["status"] == "skipped-existing", third.stderr


@pytest.mark.corpus
@pytest.mark.slow
def test_a_killed_run_leaves_only_whole_outputs_and_a_rerun_completes_it(tmp_path):
    count = 16
    lay_out(tmp_path, {f"data/s{i:02d}/session.h5": "DLC_sample_poses.h5" for i in range(count)})
    args = [POSEIO, "convert", "data", "--out-dir", "out", *CONVERT, "--jobs", "2", "--report", "killed.jsonl", "-q"]
    # A session of its own, so that the command and its worker processes are killed together.
    process = subprocess.Popen(args, cwd=tmp_path, env=ENV, start_new_session=True, stderr=subprocess.DEVNULL)
    report = tmp_path / "killed.jsonl"
    deadline = time.monotonic() + 300
    while not (report.exists() and report.read_text().count("\n") >= 1) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the batch finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)

    out = tmp_path / "out"
    finished = outputs(out)
    assert 0 < len(finished) < count, finished
    for output in finished:  # whatever is in place is whole: poseio renames a file only once it is written
        assert_points_match(out / output, "DLC_sample_poses.h5")
    reported = report_lines(report)  # its lines are whole too: each is flushed when its file is done
    assert all(line["status"] == "converted" for line in reported.values())
    assert {Path(line["output"]).relative_to("out").as_posix() for line in reported.values()} <= finished

    rerun = run("convert", "data", "--out-dir", "out", *CONVERT, "--jobs", "2", "--report", "rerun.jsonl", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    statuses = {
        Path(line["output"]).relative_to("out").as_posix(): line["status"]
        for line in report_lines(tmp_path / "rerun.jsonl").values()
    }
    assert {o for o, status in statuses.items() if status == "skipped-existing"} == finished
    assert len(statuses) == count
    assert outputs(out) == {f"s{i:02d}/session.nwb" for i in range(count)}
    for output in outputs(out) - finished:
        assert_points_match(out / output, "DLC_sample_poses.h5")
    # The killed writers' temporary files were removed by the rerun's writers of the same folders.
    assert not [p for p in out.rglob("*") if ".poseio-tmp-" in p.name]


@pytest.mark.corpus
def test_a_url_is_read_as_given_and_named_by_its_last_part(tmp_path):
    pytest.importorskip("fsspec", reason="reading URLs needs poseio[remote]")
    pytest.importorskip("aiohttp", reason="reading URLs needs poseio[remote]")
    from poseio.testing._range_server import RangeServer

    with RangeServer() as server:
        url = server.serve(corpus_file("formats", "typical.slp"), at="/lab/2024/typical.slp")
        result = run("convert", url, "--out-dir", "out", *CONVERT, "--report", "report.jsonl", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = report_lines(tmp_path / "report.jsonl")
        assert lines[url]["status"] == "converted" and lines[url]["output"] == str(Path("out", "typical.nwb"))
        assert_points_match(tmp_path / "out" / "typical.nwb", "typical.slp")
        rerun = run("convert", url, "--out-dir", "out", *CONVERT, "--report", "rerun.jsonl", cwd=tmp_path)
    assert report_lines(tmp_path / "rerun.jsonl")[url]["status"] == "skipped-existing", rerun.stderr


@pytest.mark.corpus
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("quiet", [False, True])
def test_the_progress_bar_shows_on_a_terminal_unless_quiet(tmp_path, quiet):
    import fcntl
    import pty
    import struct
    import termios

    lay_out(tmp_path, {"typical.slp": "typical.slp"})
    terminal, stderr = pty.openpty()
    # 24 x 80: a new pseudo-terminal has no width, and tqdm draws no bar in 0 columns.
    fcntl.ioctl(stderr, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    args = [POSEIO, "convert", "typical.slp", "--out-dir", "out", *CONVERT, *(["-q"] if quiet else [])]
    process = subprocess.Popen(args, cwd=tmp_path, env=ENV, stderr=stderr, stdout=subprocess.PIPE)
    os.close(stderr)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the command closed the terminal: it has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    assert process.wait(timeout=300) == 0
    assert (b"converting" in shown and b"1/1" in shown) != quiet, shown


@pytest.mark.corpus
def test_the_python_api_converts_one_file_and_many(tmp_path):
    lay_out(
        tmp_path, {"in/a/s.h5": "DLC_sample_poses.h5", "in/b/s.slp": "typical.slp", "in/x.csv": "learning_stats.csv"}
    )
    run_fresh(
        f"""
        import os
        from pathlib import Path
        import h5py
        os.chdir({str(tmp_path)!r})
        subject = {{"subject_id": "m7", "species": "Mus musculus"}}
        written = poseio.convert("in/a/s.h5", "one.nwb", fps=30, subject=subject)
        assert written == Path("one.nwb")
        with h5py.File("one.nwb", "r") as f:
            assert f["general/subject/subject_id"][()] == b"m7"
        seen = []
        result = poseio.convert_many("in", "out", to=".nwb", fps=30, jobs=2, on_outcome=seen.append)
        assert isinstance(result, poseio.BatchResult) and result.ok, result
        assert [o.source for o in result.outcomes] == ["in/a/s.h5", "in/b/s.slp", "in/x.csv"]
        assert [o.status for o in result.outcomes] == ["converted", "converted", "skipped-not-pose"]
        assert sorted(seen, key=lambda o: o.source) == list(result.outcomes)
        assert result.summary() == "2 converted, 1 skipped (1 not pose files), 0 failed"
        again = poseio.convert_many(["in"], Path("out"), to=".nwb", fps=30, shard=(1, 1))
        assert [o.status for o in again.outcomes] == ["skipped-existing", "skipped-existing", "skipped-not-pose"]
        # Named below the folders given: in/b's s.slp and the file in/a/s.h5 would both be out/s.nwb.
        try:
            poseio.convert_many(["in/b", "in/a/s.h5"], "out", to=".nwb")
        except poseio.InvalidOptionError as error:
            assert "out/s.nwb <- in/a/s.h5, in/b/s.slp" in str(error), error
        else:
            raise AssertionError("a collision was accepted")
        for bad, error in [
            (dict(jobs=0), poseio.InvalidOptionError),
            (dict(shard="0/2"), poseio.InvalidOptionError),
            (dict(jobs=2, client="tcp://127.0.0.1:1"), poseio.InvalidOptionError),
            (dict(fps=-1), poseio.InvalidOptionError),
            (dict(to="no-such-format"), poseio.UnknownFormatError),
        ]:
            try:
                poseio.convert_many("in", "elsewhere", **{{"to": ".nwb", **bad}})
            except error:
                pass
            else:
                raise AssertionError(f"{{bad}} was accepted")
        assert not Path("elsewhere").exists()
        """
    )
