"""The sleap plugin's sleap-analysis format: real files, every layout, and what sleap-io and movement read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from poseio.testing import FormatConformance, assert_labels_equal
from test_format_sleap import corpus_names, other_files, sorted_points, truth, truth_points

NODES = ["head", "thorax", "tail"]
KEEPS = frozenset(
    {"points", "frames", "videos", "tracks", "point_scores", "instance_scores", "edges", "symmetries"}
    | {"skeleton_name", "video_shape", "fps"}
)


def canonical_example() -> dict[str, np.ndarray]:
    """Arrays of 4 frames x 2 tracks x 3 nodes in (frame, track, node[, xy]) order, with gaps."""
    points = np.arange(4 * 2 * 3 * 2, dtype=float).reshape(4, 2, 3, 2) + 0.5
    points[1, 1] = np.nan  # track b absent in frame 1
    points[2, 0, 2] = np.nan  # a hidden tail
    occupancy = np.isfinite(points).all(axis=3).any(axis=2).astype(np.uint8)
    return {
        "tracks": points,
        "track_occupancy": occupancy,
        "point_scores": np.where(np.isfinite(points[..., 0]), 0.5, np.nan),
        "instance_scores": np.where(occupancy, 0.75, np.nan),
        "tracking_scores": np.where(occupancy, 0.25, np.nan),
    }


def expected_rows(arrays: dict[str, np.ndarray], names=("a", "b")) -> list[tuple]:
    points = arrays["tracks"]
    return [
        (f, names[t] if names else None, NODES[n], *points[f, t, n])
        for f in range(points.shape[0])
        for t in range(points.shape[1])
        for n in range(points.shape[2])
        if np.isfinite(points[f, t, n]).all()
    ]


AXES = {
    "tracks": ("frame", "track", "node", "xy"),
    "point_scores": ("frame", "track", "node"),
    "instance_scores": ("frame", "track"),
    "tracking_scores": ("frame", "track"),
    "track_occupancy": ("frame", "track"),
}


def write_analysis_by_hand(
    path: Path,
    arrays: dict[str, np.ndarray],
    order: dict[str, tuple[str, ...]],
    *,
    track_names=("a", "b"),
    dims: bool = False,
    attrs: dict | None = None,
) -> Path:
    """An analysis file with each array stored in the given axis order (with ``dims`` attributes or not)."""
    with h5py.File(path, "w") as f:
        for name, wanted in order.items():
            source = AXES[name]
            data = np.transpose(arrays[name], [source.index(d) for d in wanted])
            dataset = f.create_dataset(name, data=data, compression="gzip")
            if dims:
                dataset.attrs["dims"] = json.dumps(list(wanted))
        f.create_dataset("track_names", data=np.array([n.encode() for n in track_names], dtype="S8"))
        f.create_dataset("node_names", data=np.array([n.encode() for n in NODES]))
        f.create_dataset("edge_names", data=np.array([[b"head", b"thorax"], [b"thorax", b"tail"]]))
        f.create_dataset("edge_inds", data=np.array([[0, 1], [1, 2]]))
        f.create_dataset("video_path", data="/videos/fly.mp4")
        f.create_dataset("labels_path", data="/labels/fly.slp")
        f.create_dataset("video_ind", data=0)
        f.create_dataset("provenance", data=json.dumps({"model": "centroid"}))
        f.attrs.update(attrs or {})
    return path


# SLEAP's export: everything transposed (track axis first), occupancy (frame, track), no dims.
SLEAP_ORDER = {
    "tracks": ("track", "xy", "node", "frame"),
    "point_scores": ("track", "node", "frame"),
    "instance_scores": ("track", "frame"),
    "tracking_scores": ("track", "frame"),
    "track_occupancy": ("frame", "track"),
}
# SLEAP's export with transpose=False: the arrays as SLEAP built them.
UNTRANSPOSED_ORDER = {
    "tracks": ("frame", "node", "xy", "track"),
    "point_scores": ("frame", "node", "track"),
    "instance_scores": ("frame", "track"),
    "tracking_scores": ("frame", "track"),
    "track_occupancy": ("track", "frame"),
}
STANDARD_ORDER = dict(AXES)  # sleap-io's "standard" preset, with dims


class TestSleapAnalysisConformance(FormatConformance):
    format = "sleap-analysis"
    extension = ".analysis.h5"
    keeps = KEEPS
    # One video per file; untracked instances beside tracks come back on positional tracks (track_0, ...).
    strategy_options = {"ndim": 2, "max_videos": 1}
    untracked_as_tracks = True
    max_examples = 20
    foreign_samples_extra = other_files()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        folder.mkdir(parents=True, exist_ok=True)
        arrays = canonical_example()
        return write_analysis_by_hand(folder / "sleap.analysis.h5", arrays, SLEAP_ORDER), expected_rows(arrays)


# -- the corpus ------------------------------------------------------------------------------------


def raw_points(path: Path) -> np.ndarray:
    """The file's coordinates straight from HDF5 (every corpus file uses the transposed layout)."""
    with h5py.File(path) as f:
        return f["tracks"][()].transpose(3, 0, 2, 1)


@pytest.mark.corpus
@pytest.mark.parametrize("name", corpus_names("sleap-analysis") or ["(corpus absent)"])
def test_corpus_file_matches_the_producers_truth(name):
    entry = truth()[name]
    path = corpus_file("formats", name)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "sleap-analysis"
    points = sorted_points(labels.to_table().points)
    np.testing.assert_array_equal(points, sorted_points(raw_points(path)))
    if entry["truth_reader"] == "movement":
        points = points.astype(np.float32).astype(np.float64)  # movement reads positions as float32
    np.testing.assert_array_equal(points, truth_points(name))
    assert labels.skeletons[0].node_names == entry["node_names"]
    assert [t.name for t in labels.tracks] == entry["individual_names"]
    assert labels.videos[0].shape[0] == labels.numpy().shape[0] == entry["n_frames"]
    assert len(labels) == entry["n_frames_with_points"]


@pytest.mark.corpus
def test_scores_and_metadata_of_a_sleap_io_file(tmp_path):
    path = corpus_file("formats", "sio095_predictions_two_tracks.analysis.h5")
    labels = poseio.load(path)
    points, scores = labels.numpy(return_scores=True)
    with h5py.File(path) as f:
        np.testing.assert_array_equal(scores, f["point_scores"][()].transpose(2, 0, 1))
        instance_scores = f["instance_scores"][()].T
    table = labels.to_table()
    np.testing.assert_array_equal(table.score, instance_scores[table.frame_idx, table.track])
    assert labels.skeletons[0].edge_inds == [(0, 1), (0, 2), (1, 3), (2, 3)]
    assert labels.videos[0].filename == "/data/lab/session1/sleapvideo.mp4"
    assert labels.provenance["sleap"]["provenance"] == {"filename": "sio_predictions.nwb"}


@pytest.mark.corpus
def test_movement_file_without_a_video_path_says_so():
    labels = poseio.load(corpus_file("formats", "movement015_two_tracks.analysis.h5"))
    assert labels.videos[0].filename == "" and labels.videos[0].metadata["filename_unknown"] is True
    assert labels.skeletons[0].edges == []


# -- layouts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "order, dims, attrs",
    [
        (SLEAP_ORDER, False, {}),
        (SLEAP_ORDER, True, {"format": "analysis", "preset": "matlab"}),
        (UNTRANSPOSED_ORDER, False, {"transpose": "False"}),  # sleap-io 0.7 wrote the flag as text
        (UNTRANSPOSED_ORDER, False, {}),  # told apart by the shapes
        (STANDARD_ORDER, True, {"format": "analysis", "preset": "standard"}),
    ],
    ids=["sleap", "sleap-io-matlab", "untransposed-flag", "untransposed-shapes", "standard"],
)
def test_every_layout_reads_the_same_poses_and_scores(tmp_path, order, dims, attrs):
    arrays = canonical_example()
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", arrays, order, dims=dims, attrs=attrs)
    labels = poseio.load(path)
    points, scores = labels.numpy(return_scores=True)
    np.testing.assert_array_equal(points, arrays["tracks"])
    np.testing.assert_array_equal(scores, arrays["point_scores"])
    table = labels.to_table()
    assert (table.score == 0.75).all() and (table.tracking_score == 0.25).all() and table.predicted.all()
    assert [t.name for t in labels.tracks] == ["a", "b"] and labels.skeletons[0].edge_inds == [(0, 1), (1, 2)]
    assert labels.provenance["sleap"]["labels_path"] == "/labels/fly.slp"


def test_occupied_slot_with_every_node_hidden_is_an_instance(tmp_path):
    arrays = canonical_example()
    arrays["tracks"][3, 1] = np.nan  # occupancy still says 1
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", arrays, SLEAP_ORDER)
    table = poseio.load(path).to_table()
    assert ((table.frame_idx == 3) & (table.track == 1)).sum() == 1


def test_no_track_names_means_untracked_slots(tmp_path):
    arrays = canonical_example()
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", arrays, SLEAP_ORDER, track_names=())
    labels = poseio.load(path)
    assert not labels.tracks and (labels.to_table().track == poseio.NO_TRACK).all()
    np.testing.assert_array_equal(labels.numpy(), arrays["tracks"])


def test_a_renamed_analysis_file_is_recognised_by_content(tmp_path):
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", canonical_example(), SLEAP_ORDER)
    renamed = tmp_path / "tracks.h5"
    shutil.copy(path, renamed)
    claims = poseio.sniff(renamed)
    assert claims[0].format == "sleap-analysis" and claims[0].confidence == poseio.TYPED_MATCH


def test_a_tracks_group_is_not_an_analysis_file(tmp_path):
    path = tmp_path / "tracklets.h5"  # as DeepLabCut's multi-animal tracklets: a pandas group "tracks"
    with h5py.File(path, "w") as f:
        f.create_group("tracks").create_dataset("table", data=np.zeros(3))
        f.create_dataset("node_names", data=np.array([b"a"]))
        f.create_dataset("track_occupancy", data=np.zeros((2, 1)))
    assert not [c for c in poseio.sniff(path) if c.format == "sleap-analysis"]


# -- bad input -------------------------------------------------------------------------------------


def test_tracks_that_do_not_fit_the_node_names_are_a_read_error(tmp_path):
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", canonical_example(), SLEAP_ORDER)
    with h5py.File(path, "a") as f:
        del f["node_names"]
        f["node_names"] = np.array([b"a", b"b", b"c", b"d", b"e"])
    with pytest.raises(poseio.ReadError, match="does not fit 5 node names"):
        poseio.load(path)


def test_wrong_number_of_track_names_is_a_read_error(tmp_path):
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", canonical_example(), SLEAP_ORDER, track_names=("a",))
    with pytest.raises(poseio.ReadError, match="1 track names for the 2 tracks"):
        poseio.load(path)


def test_scores_of_another_shape_are_a_read_error(tmp_path):
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", canonical_example(), SLEAP_ORDER)
    with h5py.File(path, "a") as f:
        del f["point_scores"]
        f["point_scores"] = np.zeros((2, 3, 5))
    with pytest.raises(poseio.ReadError, match="point_scores has shape"):
        poseio.load(path)


def test_nonsense_dims_are_a_read_error(tmp_path):
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", canonical_example(), SLEAP_ORDER, dims=True)
    with h5py.File(path, "a") as f:
        f["tracks"].attrs["dims"] = json.dumps(["a", "b", "c", "d"])
    with pytest.raises(poseio.ReadError, match="not an order of"):
        poseio.load(path)
    with h5py.File(path, "a") as f:
        f["tracks"].attrs["dims"] = "[not json"
    with pytest.raises(poseio.ReadError, match="layout of /tracks"):
        poseio.load(path)


@pytest.mark.corpus
def test_truncated_file_is_a_read_error(tmp_path):
    data = corpus_file("formats", "sio095_predictions_two_tracks.analysis.h5").read_bytes()
    path = tmp_path / "cut.analysis.h5"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(poseio.ReadError):
        poseio.load(path)


def test_unknown_read_option_is_refused(tmp_path):
    path = write_analysis_by_hand(tmp_path / "x.analysis.h5", canonical_example(), SLEAP_ORDER)
    with pytest.raises(poseio.InvalidOptionError, match="sleap-analysis does not know the read options"):
        poseio.load(path, transpose=True)


# -- writing ---------------------------------------------------------------------------------------


def labels_of(points, *, tracks=None, predicted=True, shape=None) -> poseio.Labels:
    skeleton = poseio.Skeleton(NODES, edges=[(0, 1)], symmetries=[(0, 2)], name="fly")
    return poseio.Labels.from_numpy(
        np.asarray(points, dtype=float),
        video=poseio.Video("/videos/fly.mp4", shape=shape, fps=50.0),
        skeleton=skeleton,
        tracks=tracks,
        predicted=predicted,
    )


def test_written_layout_is_sleaps(tmp_path):
    arrays = canonical_example()
    labels = labels_of(arrays["tracks"], tracks=[poseio.Track("a"), poseio.Track("b")], shape=(6, 32, 32, 1))
    path = tmp_path / "out.analysis.h5"
    poseio.save(labels, path)
    with h5py.File(path) as f:
        assert f["tracks"].shape == (2, 2, 3, 6)  # (track, xy, node, frame), frames to the video's end
        assert json.loads(f["tracks"].attrs["dims"]) == ["track", "xy", "node", "frame"]
        np.testing.assert_array_equal(f["tracks"][()].transpose(3, 0, 2, 1)[:4], arrays["tracks"])
        np.testing.assert_array_equal(f["track_occupancy"][()][:4], arrays["track_occupancy"])
        assert f["track_occupancy"].dtype == np.uint8 and f["track_names"][()].tolist() == [b"a", b"b"]
        assert f["edge_inds"][()].tolist() == [[0, 1]] and f["edge_names"][()].tolist() == [[b"head", b"thorax"]]
        assert f["video_path"][()] == b"/videos/fly.mp4"
        assert f.attrs["format"] == "analysis" and f.attrs["skeleton_name"] == "fly"
        assert json.loads(f.attrs["skeleton_symmetries"]) == [["head", "tail"]]
        assert json.loads(f.attrs["video_backend_metadata"]) == {"shape": [6, 32, 32, 1], "fps": 50.0}


def test_untracked_crowd_gets_sleap_ios_positional_track_names(tmp_path):
    skeleton = poseio.Skeleton(NODES)
    video = poseio.Video("/v.mp4")
    crowd = [poseio.PredictedInstance(np.full((3, 2), float(i)), skeleton) for i in range(3)]
    labels = poseio.Labels([poseio.LabeledFrame(video, 2, crowd)], videos=[video], skeletons=[skeleton])
    path = tmp_path / "crowd.analysis.h5"
    poseio.save(labels, path)
    loaded = poseio.load(path)
    assert [t.name for t in loaded.tracks] == ["track_0", "track_1", "track_2"]
    np.testing.assert_array_equal(loaded.numpy()[2, :, 0, 0], [0.0, 1.0, 2.0])


def test_mixed_tracked_and_untracked_slots_keep_real_names(tmp_path):
    skeleton = poseio.Skeleton(NODES)
    video = poseio.Video("/v.mp4")
    tracks = [poseio.Track("track_0"), poseio.Track("unused")]
    instances = [
        poseio.PredictedInstance(np.ones((3, 2)), skeleton, tracks[0]),
        poseio.PredictedInstance(np.full((3, 2), 2.0), skeleton),
    ]
    labels = poseio.Labels(
        [poseio.LabeledFrame(video, 0, instances)], videos=[video], skeletons=[skeleton], tracks=tracks
    )
    path = tmp_path / "mixed.analysis.h5"
    poseio.save(labels, path)
    loaded = poseio.load(path)
    assert [t.name for t in loaded.tracks] == ["track_0", "track_1"]  # the unused track has no slot


def test_a_user_instance_wins_its_slot_over_a_prediction(tmp_path):
    skeleton = poseio.Skeleton(NODES)
    video = poseio.Video("/v.mp4")
    track = poseio.Track("a")
    instances = [
        poseio.Instance(np.ones((3, 2)), skeleton, track),
        poseio.PredictedInstance(np.full((3, 2), 9.0), skeleton, track, score=0.5),
    ]
    labels = poseio.Labels(
        [poseio.LabeledFrame(video, 0, instances)], videos=[video], skeletons=[skeleton], tracks=[track]
    )
    path = tmp_path / "user.analysis.h5"
    poseio.save(labels, path)
    table = poseio.load(path).to_table()
    assert len(table) == 1 and (table.points == 1.0).all() and np.isnan(table.score).all()


def test_what_an_analysis_file_cannot_hold_is_refused(tmp_path):
    video_a, video_b = poseio.Video("/a.mp4"), poseio.Video("/b.mp4")
    skeleton = poseio.Skeleton(NODES)
    frames = [
        poseio.LabeledFrame(v, 0, [poseio.PredictedInstance(np.ones((3, 2)), skeleton)]) for v in (video_a, video_b)
    ]
    two_videos = poseio.Labels(frames, videos=[video_a, video_b], skeletons=[skeleton])
    path = tmp_path / "x.analysis.h5"
    with pytest.raises(poseio.InvalidLabelsError, match="choose one with video=0"):
        poseio.save(two_videos, path)
    poseio.save(two_videos, path, video=video_b)
    assert poseio.load(path).videos[0].filename == "/b.mp4"
    with pytest.raises(poseio.InvalidOptionError, match="video must be"):
        poseio.save(two_videos, path, video=5)
    with pytest.raises(poseio.InvalidOptionError, match="compression"):
        poseio.save(two_videos, path, video=0, compression="zip")
    with pytest.raises(poseio.InvalidOptionError, match="accepts"):
        poseio.save(two_videos, path, video=0, preset="standard")
    with pytest.raises(poseio.InvalidLabelsError, match="2D points"):
        poseio.save(labels_of(np.ones((2, 1, 3, 3))), tmp_path / "3d.analysis.h5")
    other = poseio.Skeleton(["x", "y"])
    mixed = poseio.Labels(
        [
            poseio.LabeledFrame(
                video_a,
                0,
                [poseio.PredictedInstance(np.ones((3, 2)), skeleton), poseio.PredictedInstance(np.ones((2, 2)), other)],
            )
        ],
        videos=[video_a],
        skeletons=[skeleton, other],
    )
    with pytest.raises(poseio.InvalidLabelsError, match="one skeleton"):
        poseio.save(mixed, tmp_path / "m.analysis.h5")


def test_skeletons_with_the_same_nodes_are_a_loss_unless_defined_alike(tmp_path):
    """One skeleton per animal (as NWB files have them): the file names one, so the others are a loss."""
    video = poseio.Video("/v.mp4", shape=(3, 8, 8, 1))
    tracks = [poseio.Track("a"), poseio.Track("b")]

    def labels_of(first: poseio.Skeleton, second: poseio.Skeleton) -> poseio.Labels:
        frames = [
            poseio.LabeledFrame(
                video,
                f,
                [
                    poseio.PredictedInstance(np.full((3, 2), f + 1.0), first, tracks[0]),
                    poseio.PredictedInstance(np.full((3, 2), f + 2.0), second, tracks[1]),
                ],
            )
            for f in range(3)
        ]
        skeletons = [first] if first is second else [first, second]
        return poseio.Labels(frames, videos=[video], skeletons=skeletons, tracks=tracks)

    fly_a = poseio.Skeleton(NODES, edges=[(0, 1), (1, 2)], name="fly_a")
    fly_b = poseio.Skeleton(NODES, edges=[(0, 1), (0, 2)], symmetries=[(0, 2)], name="fly_b")
    path = tmp_path / "flies.analysis.h5"
    with pytest.raises(poseio.DataLossError, match="'fly_b'") as refused:
        poseio.save(labels_of(fly_a, fly_b), path)
    assert "fly_a" in refused.value.losses[0] and not path.exists()
    poseio.save(labels_of(fly_a, fly_b), path, allow_loss=True)
    with h5py.File(path, "r") as f:  # what the loss said: one skeleton, the first, with its own edges
        assert f.attrs["skeleton_name"] == "fly_a"
        assert f["edge_inds"][()].tolist() == [[0, 1], [1, 2]]
        assert json.loads(f.attrs["skeleton_symmetries"]) == []
        assert [n.decode() for n in f["node_names"][()]] == NODES
        assert [n.decode() for n in f["track_names"][()]] == ["a", "b"]
        assert f["tracks"].shape == (2, 2, 3, 3)  # (track, xy, node, frame): both animals' points kept
        assert np.array_equal(f["tracks"][1, 0, 0], [2.0, 3.0, 4.0])
    # Skeletons defined alike (name, edges, symmetries) lose nothing: written without allow_loss.
    twin = poseio.Skeleton(NODES, edges=[(0, 1), (1, 2)], name="fly_a")
    poseio.save(labels_of(fly_a, twin), path)
    with h5py.File(path, "r") as f:
        assert f.attrs["skeleton_name"] == "fly_a" and f["edge_inds"][()].tolist() == [[0, 1], [1, 2]]
    assert poseio.load(path).skeletons[0].edge_inds == [(0, 1), (1, 2)]


# -- other tools ------------------------------------------------------------------------------------


def test_sleap_io_and_movement_read_what_poseio_writes(tmp_path):
    arrays = canonical_example()
    labels = labels_of(arrays["tracks"], tracks=[poseio.Track("a"), poseio.Track("b")])
    labels_scores = labels.to_table()
    path = tmp_path / "out.analysis.h5"
    poseio.save(labels, path)
    out = tmp_path / "read.npz"
    run_fresh(
        f"""
        import numpy as np, sleap_io
        from movement.io import load_poses
        s = sleap_io.load_analysis_h5({str(path)!r})
        m = load_poses.from_sleap_file({str(path)!r})
        np.savez({str(out)!r}, sio=s.numpy(), sio_tracks=[t.name for t in s.tracks],
                 sio_nodes=s.skeletons[0].node_names, sio_edges=s.skeletons[0].edge_inds,
                 mv=m.position.values, mv_names=m.individuals.values, mv_nodes=m.keypoints.values)
        """
    )
    with np.load(out) as read:
        np.testing.assert_array_equal(read["sio"], arrays["tracks"])
        assert read["sio_tracks"].tolist() == ["a", "b"] and read["sio_nodes"].tolist() == NODES
        assert read["sio_edges"].tolist() == [[0, 1]]
        # movement: (time, space, keypoints, individuals), float32
        np.testing.assert_array_equal(read["mv"], arrays["tracks"].transpose(0, 3, 2, 1).astype(np.float32))
        assert read["mv_names"].tolist() == ["a", "b"] and read["mv_nodes"].tolist() == NODES
    assert len(labels_scores) == 7


def test_a_user_runs_load_and_save_to_nwb_in_a_fresh_process(tmp_path):
    path = corpus_file("formats", "sio095_predictions_two_tracks.analysis.h5")
    if "nwb-predictions" not in [f.name for f in poseio.formats()]:
        pytest.skip("the nwb-predictions plugin is not installed")
    out = tmp_path / "out.nwb"
    run_fresh(
        f"""
        poseio.save(poseio.load({str(path)!r}), {str(out)!r}, format="nwb-predictions", fps=30)
        """
    )
    with h5py.File(out) as f:
        series = []
        f.visititems(lambda n, o: series.append(o) if o.attrs.get("neurodata_type") == "PoseEstimationSeries" else None)
        points = np.concatenate([s["data"][()] for s in series])
    np.testing.assert_array_equal(sorted_points(points), sorted_points(raw_points(path)))


def test_round_trip_keeps_poses_and_scores(tmp_path):
    arrays = canonical_example()
    source = write_analysis_by_hand(tmp_path / "in.analysis.h5", arrays, SLEAP_ORDER)
    labels = poseio.load(source)
    out = tmp_path / "out.analysis.h5"
    poseio.save(labels, out, compression=None)
    assert_labels_equal(labels, poseio.load(out), KEEPS)


def test_a_grid_over_the_saves_memory_budget_is_a_write_error_and_writes_nothing(tmp_path):
    # A prediction at frame 10 million makes a dense file of 10 million rows: over a 1 MB budget.
    skeleton = poseio.Skeleton(["head", "tail"])
    instance = poseio.PredictedInstance(np.ones((2, 2)), skeleton, score=0.5)
    labels = poseio.Labels([poseio.LabeledFrame(poseio.Video("v.mp4"), 10_000_000, [instance])])
    path = tmp_path / "far.analysis.h5"
    with pytest.raises(
        poseio.WriteError,
        match="saving these labels: a grid of 10000001 frames x 1 animals x 2 nodes.*memory_budget='2GB'",
    ):
        poseio.save(labels, path, memory_budget="1MB")
    assert not path.exists() and list(tmp_path.iterdir()) == []
