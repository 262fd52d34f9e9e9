"""The conformance kit finds real bugs: each planted bug below makes one of its tests fail.

`PointsPlugin` is a small, correct HDF5 format written in this module. The kit
passes it whole (`TestCorrectPluginPassesTheKit`); each bug that a plugin
author once shipped is planted into a copy of it, and the kit test that must
catch it is run on that copy and must fail, with a message naming the problem.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from poseio.testing import FormatConformance, LabelsDiffer, registry_with, using_registry

FORMAT = "h5-points"
SIGNATURE = "h5-points v1"


class PointsPlugin:
    """One HDF5 dataset per table column; the root attribute ``format`` says what the file is."""

    claim_any_hdf5 = False  # bug 1: a sniffer that claims every HDF5 file
    merge_untracked = False  # bug 2: a writer that keeps one untracked instance per frame
    swap_axes = False  # bug 3: x and y swapped, in the writer and the reader alike

    @poseio.hookimpl
    def poseio_formats(self):
        return [poseio.FormatInfo(FORMAT, "test points in HDF5", extensions=(".h5",), can_write=True)]

    @poseio.hookimpl
    def poseio_sniff(self, probe):
        if probe.h5 is None:
            return poseio.Claim(FORMAT, poseio.NOT_MINE, "not HDF5")
        if self.claim_any_hdf5 or probe.root_attrs.get("format") == SIGNATURE:
            return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "h5-points signature")
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "no h5-points signature")

    @poseio.hookimpl
    def poseio_read(self, format, probe, part, options):
        f = probe.h5
        if f.attrs.get("format") != SIGNATURE:
            raise poseio.ReadError(f"{probe.name}: not an h5-points file")
        points = f["points"][()]
        if self.swap_axes:
            points = points[..., ::-1]
        skeleton = poseio.Skeleton([n.decode() for n in f["nodes"][()]], name="animal")
        names = [n.decode() for n in f["track_names"][()]]
        table = poseio.PoseTable.build(
            points,
            video=0,
            frame_idx=f["frame_idx"][()],
            skeleton=0,
            track=f["track"][()],
            predicted=f["predicted"][()],
            point_scores=f["point_scores"][()],
        )
        video = poseio.Video(f.attrs["video"])
        return poseio.Labels.from_table(
            table, videos=[video], skeletons=[skeleton], tracks=[poseio.Track(n) for n in names]
        )

    @poseio.hookimpl
    def poseio_write(self, format, labels, path, options):
        if options:
            raise poseio.InvalidOptionError(f"{FORMAT} takes no options, got {sorted(options)}")
        table = labels.to_table()
        if self.merge_untracked:
            key = np.stack([table.frame_idx, table.track], axis=1)
            _, first = np.unique(key, axis=0, return_index=True)
            table = table.take(np.sort(first))
        points = table.points[..., ::-1] if self.swap_axes else table.points
        with h5py.File(path, "w") as f:
            f.attrs["format"] = SIGNATURE
            f.attrs["video"] = labels.videos[0].filename
            f["nodes"] = np.array([n.encode() for n in labels.skeletons[0].node_names])
            f["track_names"] = np.array([t.name.encode() for t in labels.tracks], dtype="S")
            for name in ("frame_idx", "track", "predicted", "point_scores"):
                f[name] = getattr(table, name)
            f["points"] = points


def _reference(folder: Path) -> tuple[Path, list[tuple]]:
    """An h5-points file written here with h5py alone, and the points it holds."""
    path = folder / "reference.h5"
    points = np.array([[[1.0, 100.0], [2.0, np.nan]], [[3.0, 300.0], [4.0, 400.0]]])
    with h5py.File(path, "w") as f:
        f.attrs["format"] = SIGNATURE
        f.attrs["video"] = "/data/reference.mp4"
        f["nodes"] = np.array([b"head", b"tail"])
        f["track_names"] = np.array([b"a"])
        f["frame_idx"] = np.array([5, 6])
        f["track"] = np.array([0, -1])
        f["predicted"] = np.array([True, True])
        f["point_scores"] = np.full((2, 2), 0.5)
        f["points"] = points
    rows = [(5, "a", "head", 1.0, 100.0), (6, None, "head", 3.0, 300.0), (6, None, "tail", 4.0, 400.0)]
    return path, rows


class PointsConformance(FormatConformance):
    format = FORMAT
    extension = ".h5"
    keeps = frozenset({"points", "frames", "tracks", "kinds", "point_scores"})
    strategy_options = {"ndim": 2, "max_videos": 1, "user": False}
    max_examples = 10
    plugin = PointsPlugin

    @pytest.fixture(autouse=True)
    def _only_this_plugin(self):
        with using_registry(registry_with(extra={FORMAT: self.plugin()})):
            yield

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        return _reference(folder)


class TestCorrectPluginPassesTheKit(PointsConformance):
    """Without a planted bug, every test of the kit passes (none is skipped)."""


def _buggy(**bug: bool) -> type[PointsPlugin]:
    return type("BuggyPointsPlugin", (PointsPlugin,), bug)


def _kit_with(plugin: type[PointsPlugin]) -> PointsConformance:
    return type("Kit", (PointsConformance,), {"plugin": plugin})()


@pytest.fixture
def kit_on(tmp_path):
    """Run one kit test on a plugin with a planted bug; returns the failure."""

    def run(plugin: type[PointsPlugin], test: str) -> AssertionError:
        kit = _kit_with(plugin)
        with using_registry(registry_with(extra={FORMAT: plugin()})):
            with pytest.raises(AssertionError) as failed:
                getattr(kit, test)(tmp_path)
        return failed.value

    return run


def test_a_sniffer_claiming_every_hdf5_file_fails_the_foreign_files_test(kit_on):
    failure = kit_on(_buggy(claim_any_hdf5=True), "test_sniffer_declines_foreign_files")
    assert isinstance(failure, LabelsDiffer)
    assert "plain-hdf5.h5: claimed at 0.90" in str(failure)
    assert "nwb-without-poses" in str(failure)


def test_a_writer_merging_untracked_instances_fails_the_crowd_test(kit_on):
    failure = kit_on(_buggy(merge_untracked=True), "test_several_untracked_instances_in_a_frame")
    assert "frame 0: 1 instances read back, 3 written" in str(failure)
    assert "untracked: head=(1, 11), tail=(21, 31) was not read back" in str(failure)


def test_axes_swapped_in_reader_and_writer_pass_round_trips_but_fail_the_reference(kit_on, tmp_path):
    buggy = _buggy(swap_axes=True)
    # The same mistake on both sides is invisible to a round trip through the plugin itself...
    (tmp_path / "crowd").mkdir()
    with using_registry(registry_with(extra={FORMAT: buggy()})):
        _kit_with(buggy).test_several_untracked_instances_in_a_frame(tmp_path / "crowd")
    # ...but not to a file whose values are known without the plugin.
    failure = kit_on(buggy, "test_reference_file_reads_known_values")
    assert "missing point (5, 'a', 'head', 1.0, 100.0)" in str(failure)
    assert "unexpected point (5, 'a', 'head', 100.0, 1.0)" in str(failure)


def test_a_failed_comparison_names_the_frame_the_instance_and_the_values():
    skeleton = poseio.Skeleton(["head", "tail"])
    video = poseio.Video("/v.mp4")
    track = poseio.Track("m1")

    def labels(tail_x: float) -> poseio.Labels:
        instance = poseio.PredictedInstance(np.array([[1.0, 2.0], [tail_x, 4.0]]), skeleton, track)
        return poseio.Labels([poseio.LabeledFrame(video, 3, [instance])])

    with pytest.raises(LabelsDiffer) as failed:
        poseio.testing.assert_labels_equal(labels(3.0), labels(5.0))
    message = str(failed.value)
    assert "video '/v.mp4' frame 3: predicted track 'm1': head=(1, 2), tail=(3, 4) was not read back" in message
    assert "the frame holds predicted track 'm1': head=(1, 2), tail=(5, 4)" in message


def test_user_instances_owe_no_scores_to_a_format_that_reads_everything_back_as_predicted():
    skeleton = poseio.Skeleton(["head"])
    video = poseio.Video("/v.mp4")
    written = poseio.Labels([poseio.LabeledFrame(video, 0, [poseio.Instance(np.array([[1.0, 2.0]]), skeleton)])])
    read = poseio.PredictedInstance(np.array([[1.0, 2.0]]), skeleton, point_scores=np.array([0.3]), score=0.9)
    read_back = poseio.Labels([poseio.LabeledFrame(video, 0, [read])])
    keeps = frozenset({"points", "frames", "point_scores", "instance_scores"})  # not "kinds"
    poseio.testing.assert_labels_equal(written, read_back, keeps)


def _crowd_read_back(tracks: list[str | None]) -> tuple[poseio.Labels, poseio.Labels]:
    """A tracked mouse and two untracked animals written; read back with the given tracks on the two."""
    skeleton, video, mouse = poseio.Skeleton(["head"]), poseio.Video("/v.mp4"), poseio.Track("mouse")

    def frame(crowd_tracks: list[poseio.Track | None]) -> poseio.LabeledFrame:
        instances = [poseio.Instance(np.array([[0.0, 0.0]]), skeleton, mouse)]
        instances += [poseio.Instance(np.array([[i + 1.0, 1.0]]), skeleton, t) for i, t in enumerate(crowd_tracks)]
        return poseio.LabeledFrame(video, 0, instances)

    named = {name: poseio.Track(name) for name in tracks if name is not None}
    written = poseio.Labels([frame([None, None])])
    return written, poseio.Labels([frame([named.get(name) if name else None for name in tracks])])


def test_untracked_instances_may_come_back_on_tracks_of_their_own_when_the_format_says_so():
    keeps = frozenset({"points", "frames", "tracks"})
    written, read_back = _crowd_read_back(["individual1", "individual2"])
    with pytest.raises(LabelsDiffer, match="user untracked: head=.1, 1. was not read back"):
        poseio.testing.assert_labels_equal(written, read_back, keeps)
    poseio.testing.assert_labels_equal(written, read_back, keeps, untracked_as_tracks=True)
    # Kept untracked is kept too.
    poseio.testing.assert_labels_equal(written, _crowd_read_back([None, "b"])[1], keeps, untracked_as_tracks=True)


@pytest.mark.parametrize(
    ("tracks", "problem"),
    [
        (["individual1", "individual1"], "frame 0: untracked instances came back sharing the track(s) ['individual1']"),
        (["mouse", "individual2"], "user untracked: head=(1, 1) was not read back"),  # merged into a real track
    ],
)
def test_untracked_as_tracks_still_fails_a_crowd_merged_onto_one_track(tracks, problem):
    written, read_back = _crowd_read_back(tracks)
    with pytest.raises(LabelsDiffer) as failed:
        poseio.testing.assert_labels_equal(
            written, read_back, frozenset({"points", "frames", "tracks"}), untracked_as_tracks=True
        )
    assert problem in str(failed.value)
