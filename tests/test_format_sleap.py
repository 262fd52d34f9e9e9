"""The sleap plugin's slp format: real files against their producers' truth, sleap-io reading poseio's files.

Files "by hand" below are written with h5py alone, following SLEAP's layout,
so that the reader is checked against values it never wrote. The helpers at
the top are shared with test_format_sleap_analysis.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from fresh_process import run_fresh
from poseio.testing import ALL_ASPECTS, FormatConformance, assert_labels_equal

FORMATS = CORPUS / "formats"
SLP_KINDS = ("slp", "pkg-slp")
OUR_FORMATS = ("slp", "sleap-analysis")


def truth() -> dict:
    return json.loads((corpus_file("formats", "truth.json")).read_text())


def truth_points(name: str) -> np.ndarray:
    with np.load(corpus_file("formats", "truth.npz")) as arrays:
        return arrays[name]


def corpus_names(*kinds: str) -> list[str]:
    """Corpus files of the given truth.json formats (none when the corpus is absent)."""
    path = FORMATS / "truth.json"
    if not path.exists():
        return []
    return sorted(name for name, entry in json.loads(path.read_text()).items() if entry["format"] in kinds)


def other_files() -> tuple[Path, ...]:
    """Every corpus file that is not SLEAP's: the formats folder's others and every NWB file."""
    ours = set(corpus_names(*SLP_KINDS, "sleap-analysis"))
    found = [p for p in sorted(FORMATS.glob("*")) if p.name not in ours and p.name not in ("truth.json", "truth.npz")]
    return tuple(p for p in found if p.suffix != ".md") + tuple(sorted((CORPUS / "nwb").glob("*.nwb")))


def sorted_points(points: np.ndarray) -> np.ndarray:
    """Every finite point of ``(..., D)`` coordinates, rows sorted lexicographically (as truth.npz)."""
    flat = points.reshape(-1, points.shape[-1])
    flat = flat[np.isfinite(flat).all(axis=1)]
    return flat[np.lexsort(flat.T[::-1])]


def loaded_points(labels: poseio.Labels) -> np.ndarray:
    return sorted_points(labels.to_table().points)


def max_per_frame(labels: poseio.Labels) -> int:
    table = labels.to_table()
    _, counts = np.unique(np.stack([table.video, table.frame_idx]), axis=1, return_counts=True)
    return int(counts.max())


# -- writing SLEAP labels by hand ------------------------------------------------------------------

INSTANCE_FIELDS = [
    ("instance_id", "<i8"),
    ("instance_type", "u1"),
    ("frame_id", "<u8"),
    ("skeleton", "<u4"),
    ("track", "<i4"),
    ("from_predicted", "<i8"),
    ("score", "<f4"),
    ("point_id_start", "<u8"),
    ("point_id_end", "<u8"),
    ("tracking_score", "<f4"),
]


def skeleton_json(name: str, n_nodes: int, edges: list, symmetries: list = (), offset: int = 0) -> dict:
    links = [
        {
            "edge_insert_idx": k,
            "key": 0,
            "source": offset + a,
            "target": offset + b,
            "type": {"py/reduce": [{"py/type": "sleap.skeleton.EdgeType"}, {"py/tuple": [1]}]}
            if k == 0
            else {"py/id": 1},
        }
        for k, (a, b) in enumerate(edges)
    ]
    for k, (a, b) in enumerate(symmetries):
        # Both directions, as older SLEAP stored them; the second refers back to the first's EdgeType.
        spelled = {"py/reduce": [{"py/type": "sleap.skeleton.EdgeType"}, {"py/tuple": [2]}]}
        ref = {"py/id": 2 if edges else 1}
        links.append({"key": 0, "source": offset + a, "target": offset + b, "type": spelled if k == 0 else ref})
        links.append({"key": 0, "source": offset + b, "target": offset + a, "type": ref})
    return {
        "directed": True,
        "graph": {"name": name, "num_edges_inserted": len(edges)},
        "links": links,
        "multigraph": True,
        "nodes": [{"id": offset + i} for i in range(n_nodes)],
    }


def write_slp_by_hand(
    path: Path,
    frames: list[tuple[int, int, list[dict]]],
    *,
    node_names: list[str],
    tracks: list[str] = (),
    videos: list[dict] | None = None,
    edges: list = ((0, 1),),
    symmetries: list = (),
    format_id: float = 1.2,
    with_tracking_score: bool = True,
    extra=None,
) -> Path:
    """A labels file in SLEAP's layout. ``frames``: (video id, frame_idx, instances); an instance is a dict
    with ``points`` (n, 2), optional ``visible``, ``track`` (index or -1), ``predicted``, ``score``,
    ``tracking_score`` and ``point_scores``."""
    fields = INSTANCE_FIELDS if with_tracking_score else INSTANCE_FIELDS[:-1]
    frame_rows, instance_rows, user_points, pred_points = [], [], [], []
    for frame_id, (video, frame_idx, instances) in enumerate(frames):
        first = len(instance_rows)
        for inst in instances:
            xy = np.asarray(inst["points"], dtype=float)
            visible = inst.get("visible", [True] * len(xy))
            if inst.get("predicted"):
                scores = inst.get("point_scores", [0.5] * len(xy))
                rows, kind = pred_points, 1
                rows_new = [(x, y, v, False, s) for (x, y), v, s in zip(xy, visible, scores)]
            else:
                rows, kind = user_points, 0
                rows_new = [(x, y, v, True) for (x, y), v in zip(xy, visible)]
            start = len(rows)
            rows += rows_new
            row = [len(instance_rows), kind, frame_id, 0, inst.get("track", -1), -1, inst.get("score", np.nan)]
            row += [start, len(rows)]
            if with_tracking_score:
                row.append(inst.get("tracking_score", np.nan))
            instance_rows.append(tuple(row))
        frame_rows.append((frame_id, video, frame_idx, first, len(instance_rows)))
    metadata = {
        "version": "2.0.0",
        "skeletons": [skeleton_json("mouse", len(node_names), list(edges), list(symmetries))],
        "nodes": [{"name": n, "weight": 1.0} for n in node_names],
        "videos": [],
        "tracks": [],
        "suggestions": [],
        "negative_anchors": {},
        "provenance": {"made_by": "hand"},
    }
    videos = (
        videos
        if videos is not None
        else [{"backend": {"filename": "/videos/mouse.mp4", "shape": [100, 64, 64, 1], "fps": 25.0}}]
    )
    with h5py.File(path, "w") as f:
        group = f.create_group("metadata")
        group.attrs["format_id"] = format_id
        group.attrs["json"] = np.bytes_(json.dumps(metadata))
        f.create_dataset("videos_json", data=np.array([json.dumps(v).encode() for v in videos]))
        f.create_dataset("tracks_json", data=np.array([json.dumps([0, t]).encode() for t in tracks] or np.zeros(0)))
        f.create_dataset("suggestions_json", data=np.zeros(0))
        f.create_dataset(
            "frames",
            data=np.array(
                frame_rows,
                dtype=[
                    ("frame_id", "<u8"),
                    ("video", "<u4"),
                    ("frame_idx", "<u8"),
                    ("instance_id_start", "<u8"),
                    ("instance_id_end", "<u8"),
                ],
            ),
        )
        f.create_dataset("instances", data=np.array(instance_rows, dtype=fields))
        f.create_dataset(
            "points",
            data=np.array(user_points, dtype=[("x", "<f8"), ("y", "<f8"), ("visible", "?"), ("complete", "?")]),
        )
        f.create_dataset(
            "pred_points",
            data=np.array(
                pred_points, dtype=[("x", "<f8"), ("y", "<f8"), ("visible", "?"), ("complete", "?"), ("score", "<f8")]
            ),
        )
        if extra is not None:
            extra(f)
    return path


REFERENCE_FRAMES = [
    (
        0,
        0,
        [
            # A prediction of track "a" whose tail is not visible (its stored coordinates must be ignored).
            {
                "points": [[10.5, 20.25], [11.0, 21.0], [99.0, 99.0]],
                "visible": [True, True, False],
                "track": 0,
                "predicted": True,
                "score": 0.75,
                "tracking_score": 0.5,
                "point_scores": [0.9, 0.8, 0.1],
            },
            {"points": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]},  # an untracked user instance
        ],
    ),
    (0, 7, [{"points": [[30.0, 40.0], [31.0, 41.0], [32.0, 42.0]], "track": 1, "predicted": True, "score": 0.25}]),
]
REFERENCE_ROWS = [
    (0, "a", "head", 10.5, 20.25),
    (0, "a", "body", 11.0, 21.0),
    (0, None, "head", 1.0, 2.0),
    (0, None, "body", 3.0, 4.0),
    (0, None, "tail", 5.0, 6.0),
    (7, "b", "head", 30.0, 40.0),
    (7, "b", "body", 31.0, 41.0),
    (7, "b", "tail", 32.0, 42.0),
]
NODES = ["head", "body", "tail"]


def reference_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_slp_by_hand(
        folder / "reference.slp", REFERENCE_FRAMES, node_names=NODES, tracks=["a", "b"], edges=[(0, 1), (1, 2)]
    )


class TestSlpConformance(FormatConformance):
    format = "slp"
    extension = ".slp"
    keeps = ALL_ASPECTS
    strategy_options = {"ndim": 2}
    max_examples = 25
    foreign_samples_extra = other_files()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        return reference_file(folder), REFERENCE_ROWS


# -- the corpus ------------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", corpus_names(*SLP_KINDS) or ["(corpus absent)"])
def test_corpus_file_matches_the_producers_truth(name):
    entry = truth()[name]
    labels = poseio.load(corpus_file("formats", name))
    assert labels.provenance["format"] == "slp"
    np.testing.assert_array_equal(loaded_points(labels), truth_points(name))
    assert [s.node_names for s in labels.skeletons] == [entry["node_names"]]
    assert len(labels) == entry["n_frames"]  # labelled frames
    if entry["n_tracks"]:
        assert [t.name for t in labels.tracks] == entry["individual_names"]
    else:
        assert not labels.tracks
        assert max_per_frame(labels) == entry["n_individuals"] == entry["max_instances_per_frame"]
    assert labels.n_user_instances == entry["n_user_instances"]
    assert labels.n_predicted_instances == entry["n_predicted_instances"]
    assert len(labels.videos) == entry["n_videos"]


@pytest.mark.corpus
def test_typical_slp_scores_tracks_and_kinds_read_from_raw_hdf5():
    path = corpus_file("formats", "typical.slp")
    labels = poseio.load(path)
    with h5py.File(path) as f:
        instances, pred = f["instances"][()], f["pred_points"][()]
    table = labels.to_table()
    predicted = table.predicted
    assert predicted.sum() == (instances["instance_type"] == 1).sum() == 1
    row = instances[instances["instance_type"] == 1][0]
    assert table.score[predicted][0] == np.float32(row["score"])
    assert table.track[predicted][0] == poseio.NO_TRACK == row["track"]
    np.testing.assert_array_equal(
        table.point_scores[predicted][0], pred["score"][row["point_id_start"] : row["point_id_end"]]
    )
    user_tracks = sorted(labels.tracks[t].name for t in table.track[~predicted])
    assert user_tracks == ["1", "2"]
    assert np.isnan(table.score[~predicted]).all() and np.isnan(table.point_scores[~predicted]).all()


@pytest.mark.corpus
def test_package_keeps_its_embedded_frames_readable():
    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    labels = poseio.load(path)
    video = labels.videos[0]
    embedded = video.metadata["sleap"]["embedded"]
    with h5py.File(path) as f:
        numbers = f["video0/frame_numbers"][()]
        raw = f["video0/video"][3]
        json_row = json.loads(f["videos_json"][0])
    assert video.filename == json_row["source_video"]["filename"] == "centered_pair_low_quality.mp4"
    assert video.shape == tuple(json_row["source_video"]["backend"]["shape"]) and video.fps == 15.0
    assert embedded["dataset"] == "video0/video" and embedded["format"] == "png"
    np.testing.assert_array_equal(embedded["frame_numbers"], numbers)
    image = poseio_sleap().embedded_image(video, int(numbers[3]))
    assert image.startswith(b"\x89PNG") and image.endswith(b"IEND\xaeB`\x82")
    assert image == raw.astype(np.uint8).tobytes()[: len(image)]
    with pytest.raises(poseio.InvalidLabelsError, match="not embedded"):
        poseio_sleap().embedded_image(video, 1)


def poseio_sleap():
    import poseio_sleap

    return poseio_sleap


@pytest.mark.corpus
def test_legacy_package_without_channel_order_is_bgr_and_keeps_it(tmp_path):
    path = corpus_file("formats", "minimal_instance.pkg.slp")  # format 1.2: images BGR, unsaid
    labels = poseio.load(path)
    assert labels.videos[0].metadata["sleap"]["embedded"]["channel_order"] == "BGR"
    out = tmp_path / "copy.pkg.slp"
    poseio.save(labels, out)
    with h5py.File(out) as f, h5py.File(path) as g:
        assert f["video0/video"].attrs["channel_order"] == "BGR"
        assert f["metadata"].attrs["format_id"] >= 1.4
        np.testing.assert_array_equal(f["video0/frame_numbers"][()], g["video0/frame_numbers"][()])
        assert bytes(f["video0/video"][0]) == bytes(g["video0/video"][0])


@pytest.mark.corpus
def test_package_saved_without_embedding_references_the_source_video(tmp_path):
    labels = poseio.load(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp"))
    out = tmp_path / "refs.slp"
    poseio.save(labels, out, embed=False)
    with h5py.File(out) as f:
        assert "video0" not in f
        row = json.loads(f["videos_json"][0])
    assert row["backend"]["filename"] == "centered_pair_low_quality.mp4" and row["backend"]["shape"] == [
        1100,
        384,
        384,
        1,
    ]
    again = poseio.load(out)
    assert_labels_equal(labels, again)
    assert "embedded" not in again.videos[0].metadata["sleap"]


# -- files written by hand -------------------------------------------------------------------------


def test_hand_written_file_reads_known_values(tmp_path):
    labels = poseio.load(reference_file(tmp_path))
    table = labels.to_table()
    assert labels.skeletons[0].edge_inds == [(0, 1), (1, 2)] and labels.skeletons[0].name == "mouse"
    assert labels.videos[0].filename == "/videos/mouse.mp4"
    assert labels.videos[0].shape == (100, 64, 64, 1) and labels.videos[0].fps == 25.0
    first = np.flatnonzero(table.predicted & (table.frame_idx == 0))[0]
    np.testing.assert_array_equal(table.point_scores[first], [0.9, 0.8, 0.1])
    assert np.isnan(table.points[first, 2]).all()  # invisible: missing, whatever was stored
    assert table.score[first] == 0.75 and table.tracking_score[first] == 0.5
    assert labels.provenance["sleap"]["provenance"] == {"made_by": "hand"}


def test_symmetries_stored_both_ways_are_one(tmp_path):
    path = write_slp_by_hand(
        tmp_path / "sym.slp",
        REFERENCE_FRAMES,
        node_names=["l", "r", "c"],
        tracks=["a", "b"],
        edges=[(2, 0)],
        symmetries=[(0, 1)],
    )
    skeleton = poseio.load(path).skeletons[0]
    assert skeleton.edge_inds == [(2, 0)] and skeleton.symmetry_inds == [(0, 1)]
    no_edges = write_slp_by_hand(
        tmp_path / "sym_only.slp",
        REFERENCE_FRAMES,
        node_names=["l", "r", "c"],
        tracks=["a", "b"],
        edges=[],
        symmetries=[(0, 1)],
    )
    skeleton = poseio.load(no_edges).skeletons[0]
    assert skeleton.edge_inds == [] and skeleton.symmetry_inds == [(0, 1)]


def test_format_1_0_points_count_from_the_pixel_corner_and_have_no_tracking_score(tmp_path):
    path = write_slp_by_hand(
        tmp_path / "old.slp",
        REFERENCE_FRAMES,
        node_names=NODES,
        tracks=["a", "b"],
        format_id=1.0,
        with_tracking_score=False,
    )
    table = poseio.load(path).to_table()
    assert np.isnan(table.tracking_score).all()
    expected = sorted((x - 0.5, y - 0.5) for *_, x, y in REFERENCE_ROWS)
    assert sorted(map(tuple, sorted_points(table.points).tolist())) == expected


def embedded_video_group(number: int, frame_numbers: list[int]):
    def add(f: h5py.File) -> None:
        group = f.create_group(f"video{number}")
        images = group.create_dataset(
            "video", data=np.zeros((len(frame_numbers), 8), dtype=np.int8) + number, dtype=np.int8
        )
        images.attrs.update(format="png", channels=1, height=4, width=2)
        group.create_dataset("frame_numbers", data=np.array(frame_numbers))

    return add


def test_sparse_video_numbers_of_embedded_videos_map_to_their_videos(tmp_path):
    videos = [{"backend": {"filename": ".", "dataset": f"video{n}/video"}} for n in (5, 9)]

    def extra(f):
        embedded_video_group(5, [3])(f)
        embedded_video_group(9, [4])(f)

    frames = [(5, 3, [{"points": [[1.0, 1.0], [2, 2], [3, 3]]}]), (9, 4, [{"points": [[7.0, 7.0], [8, 8], [9, 9]]}])]
    path = write_slp_by_hand(tmp_path / "sparse.pkg.slp", frames, node_names=NODES, videos=videos, extra=extra)
    labels = poseio.load(path)
    table = labels.to_table()
    assert table.video.tolist() == [0, 1] and table.points[1, 0].tolist() == [7.0, 7.0]
    assert [v.metadata["sleap"]["embedded"]["dataset"] for v in labels.videos] == ["video5/video", "video9/video"]
    assert [v.filename for v in labels.videos] == [str(path), str(path)]  # no source recorded: the package
    assert poseio_sleap().embedded_image(labels.videos[1], 4) == b"\x09" * 8


# -- bad input -------------------------------------------------------------------------------------


def test_damaged_metadata_json_is_a_read_error(tmp_path):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        f["metadata"].attrs["json"] = np.bytes_(b'{"skeletons": [')
    with pytest.raises(poseio.ReadError, match="skeleton|metadata"):
        poseio.load(path)


def test_missing_metadata_json_says_what_to_do(tmp_path):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        del f["metadata"].attrs["json"]
    with pytest.raises(poseio.ReadError, match="no 'json' attribute"):
        poseio.load(path, format="slp")


def test_instance_with_the_wrong_number_of_points_is_a_read_error(tmp_path):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        instances = f["instances"][()]
        instances["point_id_end"][0] -= 1
        f["instances"][...] = instances
    with pytest.raises(poseio.ReadError, match="has 2 points but its skeleton has 3 nodes"):
        poseio.load(path)


@pytest.mark.parametrize("column, value", [("track", 5), ("skeleton", 3), ("instance_type", 7)])
def test_instance_naming_what_the_file_lacks_is_a_read_error(tmp_path, column, value):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        instances = f["instances"][()]
        instances[column][1] = value
        f["instances"][...] = instances
    with pytest.raises(poseio.ReadError, match=f"instance 1 has {column} {value}"):
        poseio.load(path)


def test_frame_range_beyond_the_instances_is_a_read_error(tmp_path):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        frames = f["frames"][()]
        frames["instance_id_end"][-1] = 50
        f["frames"][...] = frames
    with pytest.raises(poseio.ReadError, match="instance ranges outside"):
        poseio.load(path)


def _rewrite_signed(path, name, **values):
    """Rewrite a compound table with signed integer fields (as some writers store them) and set some values."""
    with h5py.File(path, "a") as f:
        table = f[name][()]
        signed = np.dtype([(n, "<i8" if table.dtype[n].kind == "u" else table.dtype[n]) for n in table.dtype.names])
        table = table.astype(signed)
        for field, (row, value) in values.items():
            table[field][row] = value
        del f[name]
        f.create_dataset(name, data=table)


@pytest.mark.parametrize(
    "name, values, message",
    [
        # A negative start would index /pred_points from its end: another instance's points, silently.
        ("instances", {"point_id_start": (2, -3), "point_id_end": (2, 0)}, "instances name points outside"),
        ("frames", {"frame_idx": (1, -5)}, "frame index -5"),
        # Frame 0 holds instances 0..1 and frame 1 instances 1..2: instance 1 would be in both frames.
        ("frames", {"instance_id_end": (0, 2), "instance_id_start": (1, 1)}, "some instances in two frames"),
    ],
)
def test_negative_and_overlapping_indices_are_read_errors(tmp_path, name, values, message):
    path = reference_file(tmp_path)
    _rewrite_signed(path, name, **values)
    with pytest.raises(poseio.ReadError, match=message):
        poseio.load(path)


def test_columnar_format_3_is_refused_with_a_reason(tmp_path):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        f["metadata"].attrs["format_id"] = 3.0
    with pytest.raises(poseio.ReadError, match="columnar layout"):
        poseio.load(path)


@pytest.mark.corpus
def test_truncated_file_is_a_read_error(tmp_path):
    path = tmp_path / "cut.slp"
    data = corpus_file("formats", "sio095_predictions_two_tracks.slp").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(poseio.ReadError):
        poseio.load(path)


def test_garbled_points_table_is_a_read_error(tmp_path):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        del f["pred_points"]
        f["pred_points"] = np.zeros((4, 3))  # numbers, not SLEAP's point records
    with pytest.raises(poseio.ReadError, match="pred_points"):
        poseio.load(path)


def test_unknown_options_are_refused(tmp_path):
    path = reference_file(tmp_path)
    with pytest.raises(poseio.InvalidOptionError, match="takes none"):
        poseio.load(path, colour="red")
    labels = poseio.load(path)
    with pytest.raises(poseio.InvalidOptionError, match="embed"):
        poseio.save(labels, tmp_path / "out.slp", colour="red")
    with pytest.raises(poseio.InvalidOptionError, match=r"embed= must be one of \[None, True, False\]"):
        poseio.save(labels, tmp_path / "out.slp", embed="yes")
    with pytest.raises(poseio.InvalidOptionError, match="no video carries frames"):
        poseio.save(labels, tmp_path / "out.pkg.slp", embed=True)
    assert not (tmp_path / "out.slp").exists()


def test_a_package_name_asks_for_embedded_frames(tmp_path):
    labels = poseio.load(reference_file(tmp_path))  # references to a video: no frames to embed
    with pytest.raises(poseio.InvalidLabelsError, match=r"\.pkg\.slp file is a package.*Save to a \.slp name"):
        poseio.save(labels, tmp_path / "out.PKG.slp")
    with pytest.raises(poseio.InvalidOptionError, match="embed=False writes references"):
        poseio.save(labels, tmp_path / "out.pkg.slp", embed=False)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(("out", ".out"))]
    poseio.save(labels, tmp_path / "out.slp")  # a labels file, not a package: references are what it holds
    assert_labels_equal(labels, poseio.load(tmp_path / "out.slp"))


@pytest.mark.corpus
def test_a_package_saved_under_a_package_name_embeds_and_under_a_plain_name_as_asked(tmp_path):
    labels = poseio.load(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp"))
    for name, options, embedded in [
        ("copy.pkg.slp", {}, True),
        ("copy2.pkg.slp", {"embed": True}, True),
        ("copy.slp", {}, True),
        ("refs.slp", {"embed": False}, False),
    ]:
        poseio.save(labels, tmp_path / name, **options)
        with h5py.File(tmp_path / name) as f:
            assert ("video0" in f) is embedded, name
        assert ("embedded" in poseio.load(tmp_path / name).videos[0].metadata["sleap"]) is embedded, name


def test_3d_labels_and_negative_frames_are_refused_on_save(tmp_path):
    skeleton = poseio.Skeleton(["a", "b"])
    video = poseio.Video("/v.mp4")
    labels = poseio.Labels.from_numpy(np.ones((2, 1, 2, 3)), video=video, skeleton=skeleton)
    with pytest.raises(poseio.InvalidLabelsError, match="2D points"):
        poseio.save(labels, tmp_path / "x.slp")
    labels = poseio.Labels.from_numpy(np.ones((2, 1, 2, 2)), video=video, skeleton=skeleton, frame_inds=[-1, 0])
    with pytest.raises(poseio.InvalidLabelsError, match="negative"):
        poseio.save(labels, tmp_path / "x.slp")


# -- sniffing --------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_sniffers_claim_exactly_the_sleap_files_of_the_corpus():
    corpus_file("formats", "truth.json")
    entries = truth()
    problems = []
    for path in sorted(FORMATS.glob("*")) + sorted((CORPUS / "nwb").glob("*")):
        if path.name in ("truth.json", "truth.npz", "MANIFEST.md"):
            continue
        claims = poseio.sniff(path)
        ours = [c for c in claims if c.format in OUR_FORMATS]
        kind = entries.get(path.name, {}).get("format")
        expected = {"slp": "slp", "pkg-slp": "slp", "sleap-analysis": "sleap-analysis"}.get(kind)
        if expected:
            if not claims or claims[0].format != expected or claims[0].confidence < poseio.TYPED_MATCH:
                problems.append(f"{path.name}: {claims}")
        elif any(c.confidence >= poseio.STRUCTURE_MATCH for c in ours) or (claims and claims[0].format in OUR_FORMATS):
            problems.append(f"{path.name} is not SLEAP's but: {ours}")
    assert not problems, "\n".join(problems)


@pytest.mark.corpus
def test_explain_gives_the_reason():
    report = str(poseio.explain(corpus_file("formats", "labels.v002.slp")))
    assert "slp confidence 1.00: SLEAP labels: /metadata with format_id 1.2" in report
    other = str(poseio.explain(corpus_file("formats", "generic_sensor_recording.h5")))
    assert "HDF5 without SLEAP's /metadata group" in other


def test_a_renamed_labels_file_is_recognised_by_content(tmp_path):
    path = reference_file(tmp_path)
    renamed = tmp_path / "labels.h5"
    shutil.copy(path, renamed)
    assert poseio.sniff(renamed)[0].format == "slp"


def test_sleap_tables_without_metadata_are_only_a_structure_match(tmp_path):
    path = reference_file(tmp_path)
    with h5py.File(path, "a") as f:
        del f["metadata"]
    claim = poseio.sniff(path, format="slp")[0]
    assert claim.confidence == poseio.STRUCTURE_MATCH
    with pytest.raises(poseio.ReadError, match="no /metadata group"):
        poseio.load(path)


# -- what other tools read of poseio's files -------------------------------------------------------

SLEAP_IO_DUMP = """
import json, sys
import numpy as np
import sleap_io

def number(v):
    return None if v is None or not np.isfinite(v) else float(v)

out = {}
for path in sys.argv_paths:
    labels = sleap_io.load_slp(path, open_videos=False)
    rows = []
    for frame in labels.labeled_frames:
        for inst in frame.instances:
            predicted = type(inst).__name__ == "PredictedInstance"
            points = inst.numpy()
            scores = inst.points["score"] if predicted else [None] * len(points)
            for node, (x, y), s in zip(inst.skeleton.node_names, points, scores):
                if np.isfinite(x) and np.isfinite(y):
                    track = inst.track.name if inst.track else None
                    rows.append([frame.video.filename, int(frame.frame_idx), predicted, track,
                                 node, float(x), float(y), number(s), number(inst.score) if predicted else None,
                                 number(inst.tracking_score) if predicted else None])
    out[path] = {
        "rows": sorted(rows, key=repr),
        "skeletons": [[s.name, s.node_names, [list(e) for e in s.edge_inds], sorted(sorted(p) for p in s.symmetry_inds)]
                      for s in labels.skeletons],
        "tracks": [t.name for t in labels.tracks],
        "videos": [[v.filename, list(v.shape) if v.shape else None, v.fps] for v in labels.videos],
    }
json.dump(out, open(sys.argv_out, "w"))
"""


def rows_of(labels: poseio.Labels) -> list:
    rows = []

    def number(v):
        return None if v is None or not np.isfinite(v) else float(v)

    for frame in labels.labeled_frames:
        for inst in frame.instances:
            predicted = isinstance(inst, poseio.PredictedInstance)
            for k, (node, (x, y)) in enumerate(zip(inst.skeleton.node_names, inst.points)):
                if np.isfinite(x) and np.isfinite(y):
                    rows.append(
                        [
                            frame.video.filename,
                            frame.frame_idx,
                            predicted,
                            inst.track.name if inst.track else None,
                            node,
                            float(x),
                            float(y),
                            number(inst.point_scores[k]) if predicted else None,
                            number(inst.score) if predicted else None,
                            number(inst.tracking_score) if predicted else None,
                        ]
                    )
    return sorted(rows, key=repr)


def sleap_io_reads(paths: list[Path], tmp_path: Path) -> dict:
    out = tmp_path / "sleap_io.json"
    code = f"import sys\nsys.argv_paths = {[str(p) for p in paths]!r}\nsys.argv_out = {str(out)!r}\n" + SLEAP_IO_DUMP
    run_fresh(code)
    return json.loads(out.read_text())


def generated_labels() -> poseio.Labels:
    """Two videos, two skeletons, tracks, user and predicted instances, hidden points, every score."""
    rng = np.random.default_rng(3)
    mouse = poseio.Skeleton(
        ["nose", "left_ear", "right_ear", "tail"], edges=[(0, 1), (0, 2), (0, 3)], symmetries=[(1, 2)], name="mouse"
    )
    fly = poseio.Skeleton(["head", "thorax"], edges=[(1, 0)], name=None)
    videos = [poseio.Video("/data/a.mp4", shape=(40, 48, 64, 1), fps=30.0), poseio.Video("/data/b é.avi")]
    tracks = [poseio.Track("mouse 1"), poseio.Track("mouse/2")]
    frames = []
    for v, video in enumerate(videos):
        for frame_idx in (0, 3, 17):
            points = rng.random((4, 2)) * 100
            points[1] = np.nan
            instances = [
                poseio.PredictedInstance(
                    points,
                    mouse,
                    tracks[0],
                    score=float(np.float32(rng.random())),
                    point_scores=rng.random(4),
                    tracking_score=float(np.float32(0.25)),
                ),
                poseio.Instance(rng.random((4, 2)) * 100, mouse, tracks[1]),
                poseio.Instance(rng.random((2, 2)), fly, None),
                poseio.PredictedInstance(rng.random((2, 2)), fly, None, score=float("nan")),
            ]
            frames.append(poseio.LabeledFrame(video, frame_idx + v, instances))
    return poseio.Labels(frames, videos=videos, skeletons=[mouse, fly], tracks=tracks)


def test_sleap_io_reads_every_point_score_track_and_skeleton_poseio_writes(tmp_path):
    labels = generated_labels()
    path = tmp_path / "generated.slp"
    poseio.save(labels, path)
    read = sleap_io_reads([path], tmp_path)[str(path)]
    assert read["rows"] == json.loads(json.dumps(rows_of(labels)))
    assert read["skeletons"] == [
        ["mouse", ["nose", "left_ear", "right_ear", "tail"], [[0, 1], [0, 2], [0, 3]], [[1, 2]]],
        [None, ["head", "thorax"], [[1, 0]], []],
    ]
    assert read["tracks"] == ["mouse 1", "mouse/2"]
    assert read["videos"] == [["/data/a.mp4", [40, 48, 64, 1], 30.0], ["/data/b é.avi", None, None]]
    assert_labels_equal(labels, poseio.load(path))


@pytest.mark.corpus
def test_sleap_io_reads_poseio_copies_of_the_corpus_as_it_reads_the_originals(tmp_path):
    names = corpus_names(*SLP_KINDS)
    originals = [corpus_file("formats", n) for n in names]
    copies = []
    for original in originals:
        copy = tmp_path / original.name
        poseio.save(poseio.load(original), copy)
        copies.append(copy)
    read = sleap_io_reads(originals + copies, tmp_path)
    for original, copy in zip(originals, copies):
        a, b = read[str(original)], read[str(copy)]
        # Video names are compared through poseio's: a package's copy names its own file.
        strip = lambda rows: [r[1:] for r in rows]  # noqa: E731
        assert strip(a["rows"]) == strip(b["rows"]), original.name
        assert a["skeletons"] == b["skeletons"] and a["tracks"] == b["tracks"], original.name


@pytest.mark.corpus
def test_sleap_io_decodes_the_images_of_a_package_poseio_writes(tmp_path):
    original = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    copy = tmp_path / "copy.pkg.slp"
    poseio.save(poseio.load(original), copy)
    out = tmp_path / "same.txt"
    run_fresh(
        f"""
        import numpy as np, sleap_io
        a = sleap_io.load_slp({str(original)!r})
        b = sleap_io.load_slp({str(copy)!r})
        same = [np.array_equal(a.videos[0][lf.frame_idx], b.videos[0][lf.frame_idx]) for lf in a.labeled_frames]
        open({str(out)!r}, "w").write(f"{{len(same)}} {{all(same)}} {{b.videos[0].source_video.filename}}")
        """
    )
    assert out.read_text() == "10 True centered_pair_low_quality.mp4"


def test_a_user_runs_load_and_save_to_nwb_in_a_fresh_process(tmp_path):
    path = corpus_file("formats", "sio095_predictions_two_tracks.slp")
    if "nwb-predictions" not in [f.name for f in poseio.formats()]:
        pytest.skip("the nwb-predictions plugin is not installed")
    out = tmp_path / "out.nwb"
    run_fresh(
        f"""
        labels = poseio.load({str(path)!r})
        poseio.save(labels, {str(out)!r}, format="nwb-predictions", fps=30)
        """
    )
    with h5py.File(out) as f, h5py.File(path) as g:
        series = []
        f.visititems(lambda n, o: series.append(o) if o.attrs.get("neurodata_type") == "PoseEstimationSeries" else None)
        points = np.concatenate([s["data"][()] for s in series])
        pred = g["pred_points"][()]
        expected = np.stack([pred["x"], pred["y"]], axis=1)[pred["visible"]]
    assert len(series) == 2 * 4
    np.testing.assert_array_equal(sorted_points(points), sorted_points(expected))


def test_importing_the_plugin_stays_light():
    result = run_fresh(
        """
        import poseio_sleap, poseio_sleap._plugin, poseio_sleap._sniff
        # The plugin alone (poseio.formats() would load every plugin, and others import h5py):
        # its declaration, and its sniffer on a file that is not HDF5.
        poseio_sleap._plugin.poseio_formats()
        claims = poseio_sleap._plugin.poseio_sniff(probe=poseio.Probe(poseio.__file__))
        assert [c.confidence for c in claims] == [0.0, 0.0]
        heavy = [m for m in ("h5py", "pandas", "sleap_io", "pynwb", "matplotlib", "movement") if m in sys.modules]
        print(heavy)
        """
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_writing_keeps_videos_shapes_and_suggestions_of_a_file(tmp_path):
    def suggestions(f):
        del f["suggestions_json"]
        f.create_dataset("suggestions_json", data=np.array([b'{"video":"0","frame_idx":12,"group":1}']))

    path = write_slp_by_hand(
        tmp_path / "s.slp", REFERENCE_FRAMES, node_names=NODES, tracks=["a", "b"], extra=suggestions
    )
    labels = poseio.load(path)
    assert labels.videos[0].metadata["sleap"]["suggestions"] == [(12, 1)]
    out = tmp_path / "out.slp"
    poseio.save(labels, out)
    with h5py.File(out) as f:
        assert json.loads(f["suggestions_json"][0]) == {"video": "0", "frame_idx": 12, "group": 1}
        assert json.loads(f["videos_json"][0])["backend"]["shape"] == [100, 64, 64, 1]
    assert os.path.getsize(out) > 0
