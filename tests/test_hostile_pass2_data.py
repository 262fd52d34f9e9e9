"""Hostile input, pass two (issue 20): silently wrong data, and memory past the budget.

Each class is generated (Hypothesis or parametrised generators) so that the
test covers the class, not one file, and runs in a fresh process with a
deadline and an address-space limit (`_isolated`): a hang fails on the
deadline, a runaway allocation on the limit. Values are checked against what
h5py or the csv module read, never only against poseio reading its own output.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parent
EXAMPLE = TESTS.parent / "examples" / "two_mice.nwb"
GIB = 2**30


def _isolated(function: str, *, seconds: float = 120, memory: int = 3 * GIB) -> None:
    """Run ``function`` of this module in a fresh interpreter, killed past ``seconds`` or ``memory`` bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import test_hostile_pass2_data as module
        module.{function}()
        """
    )
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=seconds, preexec_fn=limit, env=env
    )
    assert result.returncode == 0, f"{function} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"


def _examples(n: int):
    # No shrinking: a failing file is reported as found, well inside the deadline.
    return settings(
        max_examples=n, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate]
    )


# -- 1a: relative soft links name different objects from different groups ------------------------

CONTAINERS = ("PoseEstimation_mouse_1", "PoseEstimation_mouse_2")
NODES = ("nose", "left_ear", "right_ear", "tail_base")


def _relative_link_file(folder: Path, offsets: list[int], rates: list[float], link_video: bool) -> Path:
    """The example with each series timed by ``timestamps -> "ts_store"`` (a relative soft link).

    Container i's series start ``offsets[i]`` frames in at ``rates[i]`` frames a
    second. With ``link_video``, container i also keeps its own ImageSeries
    ``vid_store`` at that rate and names it by ``source_video -> "vid_store"``.
    """
    path = folder / f"links_{'_'.join(map(str, offsets))}_{'_'.join(map(str, rates))}_{link_video}.nwb"
    shutil.copy(EXAMPLE, path)
    with h5py.File(path, "a") as f:
        del f["processing/behavior/PoseTraining"]
        for i, name in enumerate(CONTAINERS):
            container = f["processing/behavior"][name]
            rate = rates[i] if link_video else 30.0
            for node in NODES:
                series = container[node]
                n = series["data"].shape[0]
                del series["starting_time"]
                series["ts_store"] = (offsets[i] + np.arange(n)) / rate
                series["timestamps"] = h5py.SoftLink("ts_store")
            if link_video:
                f.copy(f["acquisition/video_two_mice"], container, name="vid_store")
                container["vid_store/starting_time"].attrs["rate"] = rate
                del container["vid_store/external_file"]
                container["vid_store"].create_dataset("external_file", data=[f"camera_{i}.mp4".encode()])
                del container["source_video"]
                container["source_video"] = h5py.SoftLink("vid_store")
    return path


def _check_relative_links(path: Path) -> None:
    import poseio

    labels = poseio.load(path, format="nwb-predictions")
    with h5py.File(path, "r") as f:
        for name in CONTAINERS:
            container = f["processing/behavior"][name]
            video = container["source_video"]  # h5py resolves the link as HDF5 does
            rate = float(video["starting_time"].attrs["rate"])
            start = float(video["starting_time"][()])
            track = name.removeprefix("PoseEstimation_")
            found = {
                (lf.frame_idx, n): inst.points[j]
                for lf in labels.labeled_frames
                for inst in lf.instances
                if inst.track is not None and inst.track.name == track
                for j, n in enumerate(inst.skeleton.node_names)
            }
            videos = {lf.video for lf in labels.labeled_frames for inst in lf.instances if inst.track.name == track}
            assert [v.fps for v in videos] == [rate], (track, [v.fps for v in videos], rate)
            for node in NODES:
                times = container[node]["ts_store"][()]
                data = container[node]["data"][()]
                frames = np.rint((times - start) * rate).astype(int)
                for frame, row in zip(frames, data):
                    if np.isfinite(row).all():
                        assert np.array_equal(found[(frame, node)], row), (track, node, frame)


@_examples(12)
@given(
    offsets=st.lists(st.integers(0, 40), min_size=2, max_size=2, unique=True),
    rates=st.lists(st.sampled_from([15.0, 25.0, 30.0, 60.0]), min_size=2, max_size=2, unique=True),
    link_video=st.booleans(),
)
def _relative_links(offsets, rates, link_video):
    with tempfile.TemporaryDirectory() as folder:
        _check_relative_links(_relative_link_file(Path(folder), offsets, rates, link_video))


def run_relative_links() -> None:
    _relative_links()


def test_relative_soft_links_are_resolved_in_their_own_group():
    _isolated("run_relative_links")


# -- 1b: a header that names a coordinate twice, or leaves one out -------------------------------

CSV_FORMATS = ("anipose", "dlc", "lightning-pose")
ANIPOSE_TAIL = [f"M_{i}{j}" for i in range(3) for j in range(3)] + ["center_0", "center_1", "center_2", "fnum"]


def _csv_columns(kind: str, parts: list[str]) -> list[tuple[str, str]]:
    """``(bodypart, coord)`` of every point column a producer of ``kind`` writes."""
    coords = ("x", "y", "z", "error", "ncams", "score") if kind == "anipose" else ("x", "y", "likelihood")
    return [(p, c) for p in parts for c in coords]


def _write_csv(path: Path, kind: str, columns: list[tuple[str, str]], rows: np.ndarray) -> None:
    """A CSV as the producer writes it, with the csv module: DLC/LP level rows, or Anipose's names."""
    import csv

    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        if kind == "anipose":
            out.writerow([f"{p}_{c}" for p, c in columns] + ANIPOSE_TAIL)
            for i, row in enumerate(rows):
                out.writerow([repr(float(v)) for v in row] + [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0, 0, 0, 0, i])
        else:
            scorer = "DLC_resnet50_aJan1shuffle1_5" if kind == "dlc" else "heatmap_tracker"
            out.writerow(["scorer"] + [scorer] * len(columns))
            out.writerow(["bodyparts"] + [p for p, _ in columns])
            out.writerow(["coords"] + [c for _, c in columns])
            for i, row in enumerate(rows):
                out.writerow([i] + [repr(float(v)) for v in row])


def _csv_points(path: Path, kind: str) -> dict[str, np.ndarray]:
    """Every bodypart's x and y per row, as the csv module reads the file."""
    import csv

    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if kind == "anipose":
        names, body = rows[0], rows[1:]
        parts = dict.fromkeys(n.rsplit("_", 1)[0] for n in names if n.endswith("_x"))
        at = {n: i for i, n in enumerate(names)}
        return {p: np.array([[float(r[at[f"{p}_x"]]), float(r[at[f"{p}_y"]])] for r in body]) for p in parts}
    parts = dict.fromkeys(rows[1][1:])
    at = {(p, c): i for i, (p, c) in enumerate(zip(rows[1], rows[2]))}
    return {p: np.array([[float(r[at[(p, "x")]]), float(r[at[(p, "y")]])] for r in rows[3:]]) for p in parts}


@_examples(40)
@given(
    kind=st.sampled_from(CSV_FORMATS),
    n_parts=st.integers(2, 6),
    n_rows=st.integers(1, 8),
    defect=st.sampled_from(["twice", "missing"]),
    data=st.data(),
)
def _csv_header_defects(kind, n_parts, n_rows, defect, data):
    import poseio

    parts = [f"part{i}" for i in range(n_parts)]
    columns = _csv_columns(kind, parts)
    rng = np.random.default_rng(n_parts * 100 + n_rows)
    rows = np.round(rng.uniform(1, 500, size=(n_rows, len(columns))), 3)
    with tempfile.TemporaryDirectory() as folder:
        good = Path(folder) / "good.csv"
        _write_csv(good, kind, columns, rows)
        labels = poseio.load(good)  # the generator writes what the reader takes: the control
        truth = _csv_points(good, kind)
        for j, node in enumerate(labels.skeletons[0].node_names):
            got = np.array([lf.instances[0].points[j, :2] for lf in labels.labeled_frames])
            assert np.array_equal(got, truth[node]), (kind, node)

        coord = data.draw(st.sampled_from(["x", "y", "z"] if kind == "anipose" else ["x", "y"]))
        victim, other = data.draw(st.lists(st.sampled_from(parts), min_size=2, max_size=2, unique=True))
        k = columns.index((other, coord))
        if defect == "twice":  # ``other``'s coord renamed to ``victim``'s: two columns for one value
            columns = [*columns[:k], (victim, coord), *columns[k + 1 :]]
            named = f"{victim}_{coord}" if kind == "anipose" else f"{victim}/{coord}"
        else:  # ``other``'s coord left out, header and rows
            columns = columns[:k] + columns[k + 1 :]
            rows = np.delete(rows, k, axis=1)
            named = f"{other} (no {coord})"
        bad = Path(folder) / "bad.csv"
        _write_csv(bad, kind, columns, rows)
        try:
            poseio.load(bad)
        except poseio.ReadError as exc:
            assert named in str(exc) and "correct the header" in str(exc), (kind, defect, str(exc))
        else:
            raise AssertionError(f"{kind}: a header with a coord {defect} loaded")


def run_csv_header_defects() -> None:
    _csv_header_defects()


def test_csv_headers_naming_a_coordinate_twice_or_leaving_one_out_are_refused():
    _isolated("run_csv_header_defects")


# -- 1c: labels edited before saving -------------------------------------------------------------

# Every writer of predictions, by the name of the file it writes.
WRITTEN = {"slp": "out.slp", "sleap-analysis": "out.analysis.h5", "dlc": "out.csv", "nwb-predictions": "out.nwb"}


def _edited_labels(n_nodes: int, n_tracks: int, edit: str, touch: bool, rng: np.random.Generator):
    """Predictions of ``n_tracks`` animals, then ``edit`` made to them; the points before the edit."""
    import poseio

    points = np.round(rng.uniform(1, 500, size=(5, n_tracks, n_nodes, 2)), 3)
    skeleton = poseio.Skeleton([f"node{i}" for i in range(n_nodes)], name="animal")
    tracks = [poseio.Track(f"animal{i}") for i in range(n_tracks)]
    labels = poseio.Labels.from_numpy(
        points, video=poseio.Video("clip.mp4", fps=30.0), skeleton=skeleton, tracks=tracks, predicted=True
    )
    if touch:
        labels.labeled_frames  # noqa: B018 - the object face, as a user looking at the frames builds it
    nodes = skeleton.nodes
    if edit == "remove node":
        nodes.pop(int(rng.integers(0, n_nodes - 1)))
    elif edit == "add node":
        nodes.insert(int(rng.integers(0, n_nodes)), poseio.Node("added"))
    elif edit == "swap nodes":
        nodes[0], nodes[-1] = nodes[-1], nodes[0]
    elif edit == "node named twice":
        nodes[-1] = poseio.Node(nodes[0].name)
    elif edit == "track named twice":
        tracks[-1].name = tracks[0].name
    elif edit == "rename node":  # legitimate: the node keeps its place
        nodes[-1] = poseio.Node("renamed")
    return labels, points


@_examples(30)
@given(
    n_nodes=st.integers(2, 6),
    n_tracks=st.integers(2, 3),
    edit=st.sampled_from(["remove node", "add node", "swap nodes", "node named twice", "track named twice"]),
    touch=st.booleans(),
    fmt=st.sampled_from(sorted(WRITTEN)),
)
def _edited_before_saving(n_nodes, n_tracks, edit, touch, fmt):
    import poseio

    if edit == "swap nodes" and touch:
        touch = False  # frames made from the table already carry the order; only the table is judged
    labels, _ = _edited_labels(n_nodes, n_tracks, edit, touch, np.random.default_rng(n_nodes * 10 + n_tracks))
    with tempfile.TemporaryDirectory() as folder:
        try:
            poseio.save(labels, Path(folder) / WRITTEN[fmt], format=fmt)
        except poseio.InvalidLabelsError as exc:
            assert "named alike" in str(exc) or "node" in str(exc), str(exc)
        else:
            raise AssertionError(f"{edit} (frames touched: {touch}) saved to {fmt}")
        assert not os.listdir(folder), f"{edit}: {fmt} left {os.listdir(folder)}"


@_examples(8)
@given(n_nodes=st.integers(2, 6), n_tracks=st.integers(1, 3), touch=st.booleans())
def _renamed_node_saves_its_own_points(n_nodes, n_tracks, touch):
    import csv

    import poseio

    labels, points = _edited_labels(n_nodes, n_tracks, "rename node", touch, np.random.default_rng(n_nodes))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.csv"
        poseio.save(labels, path, format="dlc")
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    levels = {row[0]: row for row in rows[:4]}
    data = np.array([[float(v) if v else np.nan for v in row[1:]] for row in rows[len(levels) :]])
    for column, (part, coord) in enumerate(zip(levels["bodyparts"][1:], levels["coords"][1:])):
        if coord in ("x", "y"):
            track = int(levels["individuals"][column + 1].removeprefix("animal")) if "individuals" in levels else 0
            node = n_nodes - 1 if part == "renamed" else int(part.removeprefix("node"))
            assert np.array_equal(data[:, column], points[:, track, node, "xy".index(coord)]), (part, coord)


def run_edited_labels() -> None:
    _edited_before_saving()
    _renamed_node_saves_its_own_points()


def test_labels_edited_out_of_step_with_their_points_are_refused_before_writing():
    _isolated("run_edited_labels", seconds=240)


# -- 2a, 2b: one memory budget per load, chunk bookkeeping counted -------------------------------

MB = 10**6


def _series_sharing_one_dataset(folder: Path, rows: int, links: int) -> Path:
    """The example whose first ``links`` series all hard-link one gzip dataset of ``rows`` rows of zeros."""
    path = folder / f"shared_{rows}_{links}.nwb"
    shutil.copy(EXAMPLE, path)
    with h5py.File(path, "a") as f:
        del f["processing/behavior/PoseTraining"]
        shared = f.create_dataset("shared", shape=(rows, 2), dtype="f8", chunks=(2**16, 2), compression="gzip")
        zeros = zlib.compress(bytes(2**16 * 16))  # every chunk, compressed once (gzip of 56 MB takes seconds)
        for start in range(0, rows, 2**16):
            shared.id.write_direct_chunk((start, 0), zeros)
        series = [f["processing/behavior"][c][n] for c in CONTAINERS for n in NODES][:links]
        for group in series:
            del group["data"], group["confidence"]
            group["data"] = shared
    return path


def _tiny_chunks(folder: Path, rows: int, chunk: tuple[int, int]) -> Path:
    """The example whose first series holds ``rows`` rows stored in chunks of ``chunk``."""
    path = folder / f"chunks_{rows}_{chunk[0]}x{chunk[1]}.nwb"
    shutil.copy(EXAMPLE, path)
    with h5py.File(path, "a") as f:
        del f["processing/behavior/PoseTraining"]
        group = f["processing/behavior"][CONTAINERS[0]][NODES[0]]
        del group["data"], group["confidence"]
        group.create_dataset("data", data=np.ones((rows, 2)), chunks=chunk)
    return path


@_examples(6)
@given(links=st.integers(2, 8), total=st.floats(1.1, 1.8))
def _shared_dataset(links, total):
    import poseio

    budget = 64 * MB
    rows = int(total * budget / 16 / links)  # each read fits the budget; the ``links`` reads together do not
    with tempfile.TemporaryDirectory() as folder:
        path = _series_sharing_one_dataset(Path(folder), rows, links)
        with h5py.File(path, "r") as f:
            assert f["shared"].id.get_storage_size() < MB  # a small file
        try:
            poseio.load(path, format="nwb-predictions", memory_budget=budget)
        except poseio.UnsafeFileError as exc:
            assert "memory budget" in str(exc), str(exc)
        else:
            raise AssertionError(f"{links} reads of {rows * 16 / MB:.0f} MB loaded under a {budget / MB:.0f} MB budget")


def _tiny_chunks_case(chunk):
    import poseio

    with tempfile.TemporaryDirectory() as folder:
        path = _tiny_chunks(Path(folder), 60_000, chunk)
        try:
            poseio.load(path, format="nwb-predictions", memory_budget=100 * MB)
        except poseio.UnsafeFileError as exc:
            assert "chunks" in str(exc) and "memory budget" in str(exc), str(exc)
        else:
            raise AssertionError(f"60,000 rows in chunks of {chunk} loaded under a 100 MB budget")
        # The same values in reasonable chunks load, and are the values stored.
        with h5py.File(path, "a") as f:
            group = f["processing/behavior"][CONTAINERS[0]][NODES[0]]
            del group["data"]
            group.create_dataset("data", data=np.ones((60_000, 2)), chunks=(4096, 2))
        labels = poseio.load(path, format="nwb-predictions", memory_budget=100 * MB)
        assert labels.numpy()[:, 0, 0].shape[0] >= 60_000


def _one_node_animals_sharing_one_dataset(folder: Path, rows: int, animals: int) -> Path:
    """The example made of ``animals`` one-node containers whose series all hard-link one gzip dataset of zeros."""
    path = _series_sharing_one_dataset(folder, rows, len(CONTAINERS) * len(NODES))
    with h5py.File(path, "a") as f:
        behavior = f["processing/behavior"]
        for name in [n for n in behavior if n.startswith("poseio_")]:
            del behavior[name]  # its symmetries name the nodes removed
        skeleton = behavior["Skeletons/mouse"]
        del skeleton["nodes"], skeleton["edges"]
        skeleton.create_dataset("nodes", data=[NODES[0]], dtype=h5py.string_dtype())
        skeleton.create_dataset("edges", shape=(0, 2), dtype="u1")
        for container in CONTAINERS:
            for node in NODES[1:]:
                del behavior[container][node]
            if container + "_instance_scores" in behavior:
                del behavior[container + "_instance_scores"]
        for k in range(len(CONTAINERS), animals):
            copy = f"PoseEstimation_mouse_{k + 1}"
            behavior.copy(behavior[CONTAINERS[0]], copy)
            del behavior[copy][NODES[0]]["data"]
            behavior[copy][NODES[0]]["data"] = f["shared"]  # the copy's data, hard-linked again
    return path


def _shared_dataset_past_the_address_space() -> None:
    """8 animals of one node share one 250 MB dataset (a 1 MB file): each read fits a 400 MB budget, two do not.

    One budget for the whole load refuses the second read, naming what the load has already read; a reader
    that checks each read alone (as poseio once did) reads every animal (2 GB) and refuses only later, when
    it would build the grid of all of them.
    """
    import poseio

    budget, animals = 400 * MB, 8
    path = _one_node_animals_sharing_one_dataset(Path(tempfile.mkdtemp()), 250 * MB // 16, animals)
    assert path.stat().st_size < 2 * MB
    try:
        poseio.load(path, format="nwb-predictions", memory_budget=budget)
    except poseio.UnsafeFileError as exc:
        assert "memory budget" in str(exc) and "already read or made" in str(exc), str(exc)
        assert "nose/data" in str(exc), str(exc)  # refused at a read, not after them
    else:
        raise AssertionError(f"{animals} reads of 250 MB loaded under a {budget / MB:.0f} MB budget")
    finally:
        shutil.rmtree(path.parent)


def run_shared_dataset() -> None:
    _shared_dataset_past_the_address_space()
    _shared_dataset()


def run_tiny_chunks() -> None:
    for chunk in [(1, 2), (1, 1), (2, 1)]:
        _tiny_chunks_case(chunk)


def test_one_memory_budget_for_the_whole_load():
    _isolated("run_shared_dataset", memory=2 * GIB)


@pytest.mark.slow
def test_the_chunk_index_of_tiny_chunks_counts_against_the_budget():
    _isolated("run_tiny_chunks", seconds=240, memory=2 * GIB)


# -- 2d: the CSV readers parse within the budget -------------------------------------------------


def _wide_csvs() -> None:
    """For each CSV format: a file of many bodyparts is refused under a small budget, quickly; a small one loads."""
    import time

    import poseio

    rng = np.random.default_rng(5)
    folder = Path(tempfile.mkdtemp())
    for kind in CSV_FORMATS:
        for n_parts, n_rows, refused in ((40_000, 2, True), (3, 50, False)):
            columns = _csv_columns(kind, [f"part{i}" for i in range(n_parts)])
            path = folder / f"{kind}_{n_parts}.csv"
            _write_csv(path, kind, columns, rng.random((n_rows, len(columns))))
            options = {"format": kind, "memory_budget": "100MB"}
            started = time.monotonic()
            if refused:
                try:
                    poseio.load(path, **options)
                except poseio.UnsafeFileError as exc:
                    assert "memory budget" in str(exc) and "columns" in str(exc), (kind, str(exc))
                else:
                    raise AssertionError(f"{kind}: {n_parts} bodyparts loaded under a 100 MB budget")
                assert time.monotonic() - started < 20, (kind, time.monotonic() - started)
            else:
                points = poseio.load(path, **options).numpy()
                expected = _csv_points(path, kind)
                for node, part in enumerate(expected):
                    np.testing.assert_array_equal(points[:, 0, node, :2], expected[part])


def run_wide_csvs() -> None:
    _wide_csvs()


@pytest.mark.slow
def test_the_csv_readers_parse_within_the_memory_budget():
    _isolated("run_wide_csvs", seconds=180, memory=2 * GIB)


# -- 2c: a hollow embedded video is refused, not numbered ----------------------------------------

PACKAGE = TESTS.parents[1] / "shared" / "corpus" / "formats" / "minimal_instance.pkg.slp"


def _hollow_packages() -> None:
    """SLEAP packages whose embedded video declares millions of frames and stores none: refused, quickly."""
    import poseio

    folder = Path(tempfile.mkdtemp())
    for i, rows in enumerate((10**6, 4 * 10**7, 4 * 10**8)):
        path = folder / f"hollow_{i}.pkg.slp"
        shutil.copyfile(PACKAGE, path)
        with h5py.File(path, "r+") as f:
            video = f["video0/video"]
            attributes = dict(video.attrs)
            del f["video0/video"]
            hollow = f["video0"].create_dataset(
                "video", shape=(rows,), dtype=h5py.vlen_dtype(np.uint8), chunks=(1024,), maxshape=(None,)
            )
            hollow.attrs.update(attributes)
        try:
            poseio.load(path)
        except poseio.UnsafeFileError as exc:
            assert "video0/video" in str(exc), str(exc)
        else:
            raise AssertionError(f"a package whose video declares {rows} frames and stores none loaded")


def run_hollow_packages() -> None:
    _hollow_packages()


def test_a_hollow_embedded_video_is_refused_without_allocating():
    if not PACKAGE.exists():
        pytest.skip(f"corpus file {PACKAGE} is absent (the shared corpus sits beside the project checkout)")
    _isolated("run_hollow_packages", seconds=120, memory=2 * GIB)
