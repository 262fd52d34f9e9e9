"""What save and append guarantee about the files they write, checked as users meet it.

Crashes and races are run for real: writers in separate processes, killed with
SIGKILL or started at the same moment, through a slow fake plugin.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import poseio
import pytest
from poseio._storage import _locking
from poseio.testing import registry_with, using_registry

TESTS = Path(__file__).resolve().parent
posix_only = pytest.mark.skipif(_locking.fcntl is None, reason="locking and cleaning need fcntl (POSIX)")


def slow_plugin(name="slow", extension=".slow", write_options=(), append_options=()):
    """A text format whose writer and appender can be told to wait, and to say when they started.

    The appender reads the file, waits, then writes it back with one more line:
    two appends that overlap lose one line unless something makes them take turns.
    """

    @poseio.hookimpl
    def poseio_formats():
        return [
            poseio.FormatInfo(
                name,
                "text, slowly",
                extensions=(extension,),
                can_read=False,
                can_write=True,
                can_append=True,
                write_options=write_options,
                append_options=append_options,
            )
        ]

    def pause(path, options):
        if options.get("started"):
            Path(options["started"]).write_text(path.name)
        time.sleep(options.get("delay", 0))

    @poseio.hookimpl
    def poseio_write(format, labels, path, options):
        path.write_text(options.get("line", "saved") + "\n")
        pause(path, options)

    @poseio.hookimpl
    def poseio_append(format, labels, path, options):
        before = path.read_text()
        pause(path, options)
        path.write_text(before + options.get("line", "appended") + "\n")

    return SimpleNamespace(poseio_formats=poseio_formats, poseio_write=poseio_write, poseio_append=poseio_append)


def small_labels():
    return poseio.Labels.from_numpy(np.ones((2, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a"]))


# A user's script: save or append through the slow plugin once the test says go.
CHILD = f"""
import json, sys, time
sys.path.insert(0, {str(TESTS)!r})
import poseio
from poseio.testing import registry_with, using_registry
from test_write_safety import slow_plugin, small_labels

action, path, options, go = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
labels = small_labels()
with using_registry(registry_with(extra={{"slow": slow_plugin()}})):
    print("ready", flush=True)
    while go and not __import__("os").path.exists(go):
        time.sleep(0.002)
    time.sleep(options.pop("after", 0))
    called = time.time()
    getattr(poseio, action)(labels, path, **options)
    print(json.dumps({{"called": called, "returned": time.time()}}), flush=True)
"""


class Child:
    """One writer process."""

    def __init__(self, action: str, path: Path, options: dict, go: Path | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, action, str(path), json.dumps(options), str(go or "")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready", self.process.stderr.read()

    def finish(self, timeout: float = 120) -> dict:
        out, err = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate(timeout=60)
        assert self.process.returncode == -signal.SIGKILL


def wait_for(marker: Path, child: Child, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert child.process.poll() is None, child.process.communicate()[1]
        assert time.monotonic() < deadline, "the writer never started"
        time.sleep(0.01)
    time.sleep(0.01)  # let the marker's text land
    return marker.read_text()


@pytest.fixture
def folder(tmp_path):
    """The folder the writes go to; the test's signal files live beside it, not in it."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def slow():
    with using_registry(registry_with(extra={"slow": slow_plugin()})) as registry:
        yield registry


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- temporary files ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a" * 246 + ".slow", "é" * 122 + "e.slow", "x" * 250 + ".slow"])
def test_a_destination_with_a_name_of_250_bytes_and_more_is_written(folder, slow, tmp_path, name):
    assert len(os.fsencode(name)) >= 250
    started = tmp_path / "started"
    poseio.save(small_labels(), folder / name, started=str(started), line="long")
    temp = started.read_text()
    assert len(os.fsencode(temp)) <= 255
    assert temp.startswith(".") and f".poseio-tmp-{os.getpid()}-" in temp and temp.endswith(".slow")
    assert (folder / name).read_text() == "long\n"
    assert names(folder) == [name]


def test_temporary_names_fit_and_are_recognised_for_any_destination_name():
    for name in ["a.nwb", "x" * 255, "é" * 127, "\udcff" * 250 + ".slow", "odd.poseio-tmp-1-abcdef12", "no_ext"]:
        temp, lock = _locking.temp_name(name), _locking.lock_path(Path(name)).name
        assert len(os.fsencode(temp)) <= 255 and len(os.fsencode(lock)) <= 255
        assert _locking._TEMP.fullmatch(temp)["name"] == _locking.short_name(name)
        assert _locking._LOCK.fullmatch(lock)["name"] == _locking.short_name(name)
    assert _locking.short_name("a" * 300) != _locking.short_name("a" * 299 + "b")
    assert not _locking._TEMP.fullmatch("session.nwb") and not _locking._TEMP.fullmatch(".session.nwb.swp")


@pytest.mark.parametrize(
    ("extension", "name", "ending"),
    [
        (".pkg.slow", "labels.pkg.slow", ".pkg.slow"),
        (".slow", "session.analysis.slow", ".analysis.slow"),
        (".slow", "m1DLC_resnet50_openfieldOct30shuffle1_1030000.slow", ".slow"),
        (".slow", "take 2.v1.0.slow", ".v1.0.slow"),
        (".slow", "a.b c.slow", ".slow"),  # "b c" is no plain extension: the ending stops there
    ],
)
def test_a_writer_is_given_a_name_that_ends_as_the_destination_does(folder, tmp_path, extension, name, ending):
    started = tmp_path / "started"
    with using_registry(registry_with(extra={"slow": slow_plugin(extension=extension)})):
        poseio.save(small_labels(), folder / name, started=str(started))
    temp = started.read_text()
    assert temp.startswith(f".{name}.poseio-tmp-{os.getpid()}-")
    assert temp.endswith(ending) and not temp.endswith("." + ending)
    assert names(folder) == [name]


def test_a_long_multi_dot_ending_is_kept_as_far_as_the_name_fits():
    from poseio._storage._atomic import writer_temp_name

    for name in ["a" * 240 + ".pkg.slp", "é" * 118 + ".analysis.h5", "x.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.slp"]:
        temp = writer_temp_name(name)
        assert len(os.fsencode(temp)) <= 255 and temp.endswith(".slp" if name.endswith(".slp") else ".analysis.h5")
    assert writer_temp_name("a" * 240 + ".pkg.slp").endswith(".pkg.slp")
    assert writer_temp_name("no_ext").endswith(tuple("0123456789abcdef"))


@posix_only
@pytest.mark.parametrize("name", ["labels.pkg.slp", "session.analysis.h5", "poses.nwb", "no_ext"])
def test_a_stale_temporary_file_of_any_ending_is_removed_by_the_next_write(tmp_path, name):
    from poseio._storage._atomic import writer_temp_name

    # What a killed writer leaves: its temporary file, ending as the destination ends (x.pkg.slp's in .pkg.slp).
    stale = tmp_path / writer_temp_name(name)
    stale.write_bytes(b"half-written")
    removed = _locking.remove_stale_temps(tmp_path, holding="another.nwb")
    assert removed == [stale] and not stale.exists()


@posix_only
@pytest.mark.parametrize("next_write", ["the same file", "another file"])
def test_a_killed_writers_temporary_file_is_removed_by_the_next_write_in_the_folder(folder, slow, tmp_path, next_write):
    destination = folder / "out.slow"
    destination.write_text("old\n")
    writer = Child("save", destination, {"line": "new", "delay": 120, "started": str(tmp_path / "started")})
    temp = folder / wait_for(tmp_path / "started", writer)
    assert temp.name.startswith(f".out.slow.poseio-tmp-{writer.process.pid}-")
    writer.kill()
    # kill -9 runs no clean-up: the temporary file and the lock file stay behind, the destination is intact.
    assert temp.read_text() == "new\n"
    assert names(folder) == sorted([".out.slow.poseio-lock", temp.name, "out.slow"])
    assert destination.read_text() == "old\n"

    other = destination if next_write == "the same file" else folder / "other.slow"
    poseio.save(small_labels(), other, line="next")
    assert not temp.exists()
    assert names(folder) == sorted({"out.slow", other.name})
    assert other.read_text() == "next\n"


@posix_only
def test_a_live_writers_temporary_file_survives_a_concurrent_cleaning(folder, slow, tmp_path):
    destination = folder / "out.slow"
    writer = Child("save", destination, {"line": "mine", "delay": 4, "started": str(tmp_path / "started")})
    temp = folder / wait_for(tmp_path / "started", writer)
    poseio.save(small_labels(), folder / "other.slow")  # cleans the folder first
    assert _locking.remove_stale_temps(folder, holding="unrelated.slow") == []
    assert temp.read_text() == "mine\n"
    writer.finish()
    assert destination.read_text() == "mine\n"
    assert names(folder) == ["other.slow", "out.slow"]


@posix_only
def test_cleaning_leaves_alone_files_that_only_look_like_temporary_files(folder, slow):
    keep = [".notes.txt", ".out.slow.poseio-tmp-12", "out.slow.poseio-tmp-1-abcdef12"]
    for name in keep:
        (folder / name).write_text("user data")
    (folder / ".d.slow.poseio-tmp-1-abcdef12").mkdir()  # a folder, not a temporary file
    poseio.save(small_labels(), folder / "out.slow")
    assert names(folder) == sorted([*keep, ".d.slow.poseio-tmp-1-abcdef12", "out.slow"])


# -- durability -------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="folders are synced on POSIX only")
def test_the_file_is_synced_before_the_rename_and_the_folder_after(folder, slow, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        info = os.fstat(fd)
        events.append(("fsync folder" if stat.S_ISDIR(info.st_mode) else "fsync file", info.st_ino))
        real_fsync(fd)

    def replace(source, target):
        events.append(("replace", os.stat(source).st_ino))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    poseio.save(small_labels(), folder / "out.slow")
    assert [e[0] for e in events] == ["fsync file", "replace", "fsync folder"]
    assert events[0][1] == events[1][1] == (folder / "out.slow").stat().st_ino
    assert events[2][1] == folder.stat().st_ino


# -- what the destination is -------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_symbolic_link_is_written_through_and_kept(folder, slow):
    (folder / "real").mkdir()
    target = folder / "real" / "poses.slow"
    target.write_text("old\n")
    link = folder / "link.slow"
    link.symlink_to(Path("real") / "poses.slow")
    poseio.save(small_labels(), link, line="saved")
    poseio.append(small_labels(), link, line="appended")
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "poses.slow")
    assert target.read_text() == "saved\nappended\n"
    assert names(folder / "real") == ["poses.slow"] and names(folder) == ["link.slow", "real"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_dangling_link_gets_its_target_and_a_link_loop_is_refused(folder, slow):
    dangling = folder / "new.slow"
    dangling.symlink_to("made.slow")
    poseio.save(small_labels(), dangling)
    assert dangling.is_symlink() and (folder / "made.slow").read_text() == "saved\n"
    (folder / "a.slow").symlink_to("b.slow")
    (folder / "b.slow").symlink_to("a.slow")
    with pytest.raises(poseio.WriteError, match="symbolic link that cannot be followed"):
        poseio.save(small_labels(), folder / "a.slow")
    assert (folder / "a.slow").is_symlink() and os.readlink(folder / "a.slow") == "b.slow"


@pytest.mark.parametrize("action", ["save", "append"])
def test_a_folder_is_refused(folder, slow, action):
    (folder / "d.slow").mkdir()
    (folder / "d.slow" / "inside").write_text("x")
    with pytest.raises(poseio.WriteError, match="is a folder, not a file") as caught:
        getattr(poseio, action)(small_labels(), folder / "d.slow")
    assert type(caught.value) is poseio.WriteError
    assert names(folder) == ["d.slow"] and names(folder / "d.slow") == ["inside"]


@pytest.mark.parametrize("action", ["save", "append"])
def test_a_read_only_file_is_refused_and_left_untouched(folder, slow, action):
    path = folder / "ro.slow"
    path.write_text("precious\n")
    path.chmod(0o444)
    before = path.stat()
    with pytest.raises(poseio.WriteError, match=r"read-only \(mode 0444\)"):
        getattr(poseio, action)(small_labels(), path)
    after = path.stat()
    assert path.read_text() == "precious\n"
    assert (after.st_ino, after.st_mode, after.st_mtime_ns) == (before.st_ino, before.st_mode, before.st_mtime_ns)
    assert names(folder) == ["ro.slow"]


def test_a_file_the_user_may_not_write_is_refused(folder, slow, monkeypatch):
    path = folder / "theirs.slow"
    path.write_text("theirs\n")
    real_access = os.access
    # Tests run as root, which may write anything; make this one file refuse, as for another user.
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode))
    with pytest.raises(poseio.WriteError, match="you do not have permission to write this file"):
        poseio.save(small_labels(), path)
    assert path.read_text() == "theirs\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give files away")
def test_replacing_keeps_the_files_mode_owner_and_group(folder, slow):
    path = folder / "shared.slow"
    path.write_text("old\n")
    path.chmod(0o640)
    os.chown(path, 1234, 4321)
    poseio.save(small_labels(), path)
    info = path.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o640, 1234, 4321)


# -- concurrent writers ------------------------------------------------------------------


def _overlapped(a: dict, b: dict) -> bool:
    return a["called"] < b["returned"] and b["called"] < a["returned"]


@posix_only
@pytest.mark.parametrize("trial", range(3))
def test_two_processes_appending_at_once_both_land(folder, slow, tmp_path, trial):
    path = folder / "shared.slow"
    path.write_text("base\n")
    go = tmp_path / "go"
    one = Child("append", path, {"line": "one", "delay": 0.5}, go)
    two = Child("append", path, {"line": "two", "delay": 0.5}, go)
    go.touch()
    times = one.finish(), two.finish()
    assert _overlapped(*times), "the appends did not run at the same time, so the test proved nothing"
    lines = path.read_text().splitlines()
    assert lines[0] == "base" and sorted(lines[1:]) == ["one", "two"]
    assert names(folder) == ["shared.slow"]


@posix_only
@pytest.mark.parametrize("trial", range(3))
def test_a_save_racing_an_append_is_not_lost(folder, slow, tmp_path, trial):
    path = folder / "shared.slow"
    path.write_text("base\n")
    go = tmp_path / "go"
    # The append copies the file first and takes a while; the save starts while it runs.
    appending = Child("append", path, {"line": "one", "delay": 0.8}, go)
    saving = Child("save", path, {"line": "fresh", "after": 0.3}, go)
    go.touch()
    times = appending.finish(), saving.finish()
    assert _overlapped(*times)
    # Whichever went second saw the other's result: the save's contents are there, "base" is gone.
    assert path.read_text() in ("fresh\n", "fresh\none\n")


@posix_only
def test_threads_of_one_process_take_turns_too(folder, slow):
    path = folder / "shared.slow"
    path.write_text("base\n")
    errors = []

    def add(line):
        try:
            poseio.append(small_labels(), path, line=line, delay=0.2)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(str(i),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(path.read_text().splitlines()) == ["0", "1", "2", "3", "base"]


@posix_only
def test_a_writer_that_waits_too_long_gets_file_busy_error(folder, slow, tmp_path, monkeypatch):
    path = folder / "busy.slow"
    path.write_text("old\n")
    holder = Child("save", path, {"line": "holder", "delay": 4, "started": str(tmp_path / "started")})
    wait_for(tmp_path / "started", holder)
    start = time.monotonic()
    with pytest.raises(poseio.FileBusyError) as caught:
        poseio.append(small_labels(), path, lock_timeout=0.3)
    assert time.monotonic() - start >= 0.3
    message = str(caught.value)
    assert str(path) in message and "another process is writing this file" in message and "lock_timeout" in message
    assert isinstance(caught.value, poseio.WriteError) and caught.value.path == path
    monkeypatch.setattr(_locking, "LOCK_TIMEOUT", 0.2)  # the default, when lock_timeout is not given
    with pytest.raises(poseio.FileBusyError, match="waited 0.2 s"):
        poseio.save(small_labels(), path)
    assert path.read_text() == "old\n"
    holder.finish()
    assert path.read_text() == "holder\n"
    assert names(folder) == ["busy.slow"]


# -- usage errors ---------------------------------------------------------------------


def _bad_calls(folder: Path) -> dict[str, tuple]:
    labels, good = small_labels(), folder / "out.slow"

    class BytesPath:
        def __fspath__(self):
            return b"out.slow"

    return {
        "save None": (poseio.save, (None, good), {}),
        "save an array": (poseio.save, (np.ones((2, 1, 1, 2)), good), {}),
        "save to an int": (poseio.save, (labels, 3), {}),
        "save to bytes": (poseio.save, (labels, os.fsencode(good)), {}),
        "save to None": (poseio.save, (labels, None), {}),
        "save to a bytes path-like": (poseio.save, (labels, BytesPath()), {}),
        "save to an empty path": (poseio.save, (labels, ""), {}),
        "save to a path with NUL": (poseio.save, (labels, str(folder / "a\0b.slow")), {}),
        "save format=5": (poseio.save, (labels, good), {"format": 5}),
        "save format list with an int": (poseio.save, (labels, good), {"format": ["slow", 5]}),
        "save format=[]": (poseio.save, (labels, good), {"format": []}),
        "save format as a set": (poseio.save, (labels, good), {"format": {"slow"}}),
        "save lock_timeout text": (poseio.save, (labels, good), {"lock_timeout": "1"}),
        "append None": (poseio.append, (None, good), {}),
        "append to an int": (poseio.append, (labels, 3), {}),
        "append format=5": (poseio.append, (labels, good), {"format": 5}),
        "load an int": (poseio.load, (3,), {}),
        "load None": (poseio.load, (None,), {}),
        "load bytes": (poseio.load, (os.fsencode(good),), {}),
        "load a bytes path-like": (poseio.load, (BytesPath(),), {}),
        "load an empty path": (poseio.load, ("",), {}),
        "load a path with NUL": (poseio.load, ("a\0b.nwb",), {}),
        "load format=5": (poseio.load, (good,), {"format": 5}),
        "load format list with an int": (poseio.load, (good,), {"format": [1]}),
        "sniff an int": (poseio.sniff, (3,), {}),
        "sniff format=5": (poseio.sniff, (good,), {"format": 5}),
        "explain an int": (poseio.explain, (3,), {}),
        "explain format=[]": (poseio.explain, (good,), {"format": []}),
    }


EXPECTED = {
    "load an int": poseio.InvalidSourceError,
    "load None": poseio.InvalidSourceError,
    "load bytes": poseio.InvalidSourceError,
    "load a bytes path-like": poseio.InvalidSourceError,
    "load an empty path": poseio.InvalidSourceError,
    "load a path with NUL": poseio.InvalidSourceError,
    "sniff an int": poseio.InvalidSourceError,
    "explain an int": poseio.InvalidSourceError,
}


@pytest.mark.parametrize("case", list(_bad_calls(Path("."))))
def test_a_bad_argument_is_a_usage_error_and_never_an_os_error(folder, slow, case):
    (folder / "out.slow").write_text("old\n")
    function, args, kwargs = _bad_calls(folder)[case]
    with pytest.raises(Exception) as caught:
        function(*args, **kwargs)
    assert type(caught.value) is EXPECTED.get(case, poseio.InvalidArgumentError), repr(caught.value)
    assert isinstance(caught.value, TypeError) and not isinstance(caught.value, OSError)
    assert names(folder) == ["out.slow"] and (folder / "out.slow").read_text() == "old\n"


def test_a_negative_lock_timeout_is_an_invalid_option(folder, slow):
    with pytest.raises(poseio.InvalidOptionError, match="lock_timeout must be a finite number") as caught:
        poseio.save(small_labels(), folder / "out.slow", lock_timeout=-1)
    assert not isinstance(caught.value, OSError)
    assert names(folder) == []


def test_an_option_no_combined_writer_accepts_is_an_invalid_option(folder):
    plugins = {
        "a": slow_plugin("a", write_options=("line",), append_options=("line",)),
        "b": slow_plugin("b", write_options=("line",), append_options=("delay",)),
    }
    with using_registry(registry_with(extra=plugins)):
        poseio.save(small_labels(), folder / "ok.slow", format=["a", "b"], line="x", delay=0)
        with pytest.raises(poseio.InvalidOptionError, match=r"accepts the options \['colour'\]") as caught:
            poseio.save(small_labels(), folder / "out.slow", format=["a", "b"], colour="red")
    assert type(caught.value) is poseio.InvalidOptionError and not isinstance(caught.value, OSError)
    assert names(folder) == ["ok.slow"]


# -- labels edited into a bad state ---------------------------------------------------------


def _object_labels() -> poseio.Labels:
    skeleton = poseio.Skeleton(["a", "b"], name="mouse")
    video = poseio.Video("v.mp4")
    frames = [
        poseio.LabeledFrame(video, 0, [poseio.Instance(np.zeros((2, 2)), skeleton)]),
        poseio.LabeledFrame(
            video, 7, [poseio.Instance(np.ones((2, 2)), skeleton), poseio.PredictedInstance(np.ones((2, 2)), skeleton)]
        ),
    ]
    return poseio.Labels(frames)


def _too_many_points(labels):
    labels[1].instances[0].points = np.zeros((5, 2))


def _too_few_points(labels):
    labels[1].instances[0].points = np.zeros((1, 2))


def _flat_points(labels):
    labels[1].instances[0].points = np.zeros(4)


def _four_columns(labels):
    labels[1].instances[0].points = np.zeros((2, 4))


def _wrong_point_scores(labels):
    labels[1].instances[1].point_scores = np.zeros(7)


def _no_point_scores(labels):
    labels[1].instances[1].point_scores = None


def _not_an_instance(labels):
    labels[1].instances[0] = None


def _foreign_skeleton(labels):
    labels[1].instances[0].skeleton = poseio.Skeleton(["a", "b"], name="stranger")


def _not_a_frame(labels):
    labels.labeled_frames.append("frame 9")


@pytest.mark.parametrize(
    "edit, message",
    [
        (_too_many_points, "frame 7 of 'v.mp4', instance 0: 5 points for skeleton 'mouse' of 2 nodes"),
        (_too_few_points, "frame 7 of 'v.mp4', instance 0: 1 points for skeleton 'mouse' of 2 nodes"),
        (_flat_points, r"frame 7 of 'v.mp4', instance 0: points have shape \(4,\)"),
        (_four_columns, r"instance 0: points have shape \(2, 4\)"),
        (_wrong_point_scores, r"frame 7 of 'v.mp4', instance 1: point_scores have shape \(7,\)"),
        (_no_point_scores, "instance 1: point_scores have shape None"),
        (_not_an_instance, "frame 7 of 'v.mp4', instance 0: is a NoneType, not an Instance"),
        (_foreign_skeleton, "frame 7 uses a video, skeleton or track that is not in this Labels' lists"),
        (_not_a_frame, r"labeled_frames\[2\] is a str, not a LabeledFrame"),
    ],
)
@pytest.mark.parametrize("action", ["save", "append"])
def test_labels_edited_into_a_bad_state_are_refused_before_any_file_is_touched(folder, slow, action, edit, message):
    labels = _object_labels()
    path = folder / "out.slow"
    path.write_text("old\n")
    edit(labels)
    with pytest.raises(poseio.InvalidLabelsError, match=message) as caught:
        getattr(poseio, action)(labels, path)
    assert type(caught.value) is poseio.InvalidLabelsError and not isinstance(caught.value, OSError)
    assert names(folder) == ["out.slow"] and path.read_text() == "old\n"


def test_consistent_object_labels_are_written(folder, slow):
    poseio.save(_object_labels(), folder / "out.slow")
    assert (folder / "out.slow").read_text() == "saved\n"


@posix_only
def test_many_processes_appending_at_once_all_land(folder, slow, tmp_path):
    path = folder / "shared.slow"
    path.write_text("base\n")
    go = tmp_path / "go"
    writers = [Child("append", path, {"line": str(i), "delay": 0.01}, go) for i in range(6)]
    go.touch()
    for writer in writers:
        writer.finish()
    assert sorted(path.read_text().splitlines()) == ["0", "1", "2", "3", "4", "5", "base"]
    assert names(folder) == ["shared.slow"]


@posix_only
def test_a_lock_on_a_lock_file_that_was_just_removed_is_not_trusted(folder, monkeypatch):
    path = _locking.lock_path(folder / "out.slow")
    real_flock, others = _locking.fcntl.flock, []

    def flock(fd, operation):
        if not others:
            # Between our open and our flock, the holder lets go (removing the file) and
            # another writer creates and locks a new one: our lock would exclude nobody.
            os.unlink(path)
            others.append(os.open(path, os.O_RDONLY | os.O_CREAT))
            real_flock(others[0], _locking.fcntl.LOCK_EX)
        real_flock(fd, operation)

    monkeypatch.setattr(_locking.fcntl, "flock", flock)
    assert _locking._try_lock(path) is None
    os.close(others[0])
    fd = _locking._try_lock(path)
    assert fd is not None and os.fstat(fd).st_ino == path.stat().st_ino
    os.close(fd)


@posix_only
def test_a_lock_file_that_is_a_symbolic_link_is_not_followed(folder, slow, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (folder / ".out.slow.poseio-lock").symlink_to(elsewhere)
    with pytest.raises(poseio.WriteError, match="is a symbolic link, which poseio does not follow"):
        poseio.save(small_labels(), folder / "out.slow")
    assert not elsewhere.exists() and names(folder) == [".out.slow.poseio-lock"]
    # Cleaning passes it by too.
    poseio.save(small_labels(), folder / "other.slow")
    assert not elsewhere.exists() and (folder / ".out.slow.poseio-lock").is_symlink()


def test_setuid_and_setgid_bits_are_not_carried_over(tmp_path):
    labels = poseio.Labels.from_numpy(
        np.ones((2, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a"])
    )
    path = tmp_path / "out.csv"
    poseio.save(labels, path)
    os.chmod(path, 0o6755)
    poseio.save(labels, path)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode == 0o755, oct(mode)
