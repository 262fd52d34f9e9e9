"""The sleap-csv plugin: sleap-io's CSV files against the truth, the sidecar, every layout read by sleap-io, NWB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import corpus_paths, finite_points, truth_points
from corpus_truth import names as _names
from corpus_truth import sorted_points as _sorted
from corpus_truth import truth as _truth
from fresh_process import run_fresh
from poseio.testing import ALL_ASPECTS, FormatConformance

FORMATS2 = CORPUS / "formats2"
META = "sio095_typical_sleap_meta.csv"
LAYOUTS = ("sleap", "instances", "points", "frames")


def _foreign_corpus() -> tuple[Path, ...]:
    """Every file of the corpus that is not a sleap-io CSV (or its sidecar): DLC, Anipose, Lightning Pose CSVs..."""
    # Folders too: a DeepLabCut project's labeled-data CSVs.
    found = [p for p in corpus_paths(recursive=True) if p.is_file() and p.suffix in (".csv", ".json")]
    ours = set(_names("sleap-csv")) | {META.replace(".csv", ".json")}
    return tuple(p for p in found if p.name not in ours)


class TestSleapCsvConformance(FormatConformance):
    format = "sleap-csv"
    extension = ".csv"
    # With its sidecar (written by default) a file keeps every aspect the kit compares.
    keeps = ALL_ASPECTS
    strategy_options = {"ndim": 2}
    max_examples = 12
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # The sleap layout as sleap-io's docs give it, by hand: track, frame_idx, instance.score, then
        # <node>.score/.x/.y sorted by name; empty cells where a node is missing or an instance is a user's.
        path = folder / "reference.csv"
        path.write_text(
            "track,frame_idx,instance.score,head.score,head.x,head.y,tail.score,tail.x,tail.y\n"
            "m1,4,0.9,0.5,1.5,200.25,0.25,,\n"
            ",7,,,3.0,400.0,,5.0,600.0\n"
            ",7,,,7.5,8.5,,,\n"
        )
        return path, [
            (4, "m1", "head", 1.5, 200.25),
            (7, None, "head", 3.0, 400.0),
            (7, None, "tail", 5.0, 600.0),
            (7, None, "head", 7.5, 8.5),
        ]


class TestSleapCsvInstancesConformance(TestSleapCsvConformance):
    write_options = {"layout": "instances"}
    max_examples = 5

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # One row per instance, node columns in skeleton order; a user instance has no scores.
        path = folder / "reference.csv"
        path.write_text(
            "frame_idx,track,track_score,score,tail.x,tail.y,tail.score,head.x,head.y,head.score\n"
            "4,m1,0.5,0.9,,,,1.5,200.25,0.5\n"
            "7,,,,5.0,600.0,,3.0,400.0,\n"
        )
        return path, [(4, "m1", "head", 1.5, 200.25), (7, None, "head", 3.0, 400.0), (7, None, "tail", 5.0, 600.0)]


class TestSleapCsvPointsConformance(TestSleapCsvConformance):
    write_options = {"layout": "points"}
    max_examples = 5

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # One row per node; two untracked user instances of frame 7, each node once per instance.
        path = folder / "reference.csv"
        path.write_text(
            "frame_idx,node,x,y,track,track_score,instance_score,score\n"
            "4,head,1.5,200.25,m1,,0.9,0.5\n4,tail,,,m1,,0.9,0.1\n"
            "7,head,3.0,400.0,,,,\n7,tail,5.0,600.0,,,,\n"
            "7,head,7.0,8.0,,,,\n7,tail,,,,,,\n"
        )
        return path, [
            (4, "m1", "head", 1.5, 200.25),
            (7, None, "head", 3.0, 400.0),
            (7, None, "tail", 5.0, 600.0),
            (7, None, "head", 7.0, 8.0),
        ]


class TestSleapCsvFramesConformance(TestSleapCsvConformance):
    write_options = {"layout": "frames"}
    max_examples = 5

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # One row per frame, instances side by side; frame 4's second slot is padding.
        slot = "inst{k}.track,inst{k}.track_score,inst{k}.score,inst{k}.head.x,inst{k}.head.y,inst{k}.head.score"
        path = folder / "reference.csv"
        path.write_text(
            f"frame_idx,{slot.format(k=0)},{slot.format(k=1)}\n"
            "4,m1,,0.9,1.5,200.25,0.5,,,,,,\n"
            "7,,,,3.0,400.0,,m2,,,5.0,600.0,\n"
        )
        return path, [(4, "m1", "head", 1.5, 200.25), (7, None, "head", 3.0, 400.0), (7, "m2", "head", 5.0, 600.0)]


def test_video_idx_columns_index_the_sidecar_s_videos(tmp_path):
    # save_csv(video_id="index") numbers the videos; the sidecar names them.
    (tmp_path / "v.csv").write_text(
        "frame_idx,video_idx,track,track_score,score,a.x,a.y\n3,1,,,,1.0,2.0\n3,0,,,,5.0,6.0\n"
    )
    (tmp_path / "v.json").write_text(
        json.dumps({"videos": [{"filename": "left.mp4"}, {"filename": "right.mp4"}], "skeletons": []})
    )
    labels = poseio.load(tmp_path / "v.csv")
    assert [(f.video.filename, f.instances[0].points[0].tolist()) for f in labels] == [
        ("left.mp4", [5.0, 6.0]),
        ("right.mp4", [1.0, 2.0]),
    ]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", _names("sleap-csv") or ["(corpus absent)"])
def test_every_sleap_csv_file_of_the_corpus_reads_as_its_truth(name):
    expected = _truth()[name]
    labels = poseio.load(corpus_file("formats2", name))
    assert labels.provenance["format"] == "sleap-csv"
    assert np.array_equal(finite_points(labels), truth_points(name))
    assert labels.skeletons[0].node_names == expected["node_names"]
    assert len(labels) == expected["n_frames"] == expected["n_frames_with_points"]
    assert labels.n_user_instances + labels.n_predicted_instances == expected["n_instances"]
    # The truth reader (pandas) takes the track names "1" and "2" for numbers; the file and its sidecar say "1", "2".
    assert [float(t.name) if t.name[0].isdigit() else t.name for t in labels.tracks] == [
        float(n) if n[0].isdigit() else n for n in expected["individual_names"]
    ]


@pytest.mark.corpus
def test_rows_are_the_file_s_rows_as_pandas_reads_them():
    import pandas as pd

    path = corpus_file("formats2", "sio095_two_tracks_instances.csv")
    frame = pd.read_csv(path)
    labels = poseio.load(path)
    nodes = labels.skeletons[0].node_names
    for _, row in frame.sample(10, random_state=1).iterrows():
        [instance] = [
            i
            for f in labels.labeled_frames
            if f.frame_idx == row["frame_idx"]
            for i in f.instances
            if i.track.name == row["track"]
        ]
        assert isinstance(instance, poseio.PredictedInstance)
        assert instance.score == row["score"]
        for k, node in enumerate(nodes):
            assert np.array_equal(instance.points[k], [row[f"{node}.x"], row[f"{node}.y"]], equal_nan=True)
            assert instance.point_scores[k] == row[f"{node}.score"]


@pytest.mark.corpus
def test_the_sidecar_gives_back_the_skeleton_video_and_tracks_and_scores_tell_the_kind():
    path = corpus_file("formats2", META)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    labels = poseio.load(path)
    skeleton = labels.skeletons[0]
    assert (skeleton.name, skeleton.node_names) == (sidecar["skeletons"][0]["name"], ["A", "B"])
    assert [(skeleton.node_names[a], skeleton.node_names[b]) for a, b in skeleton.edge_inds] == [("A", "B")]
    assert [v.filename for v in labels.videos] == [sidecar["videos"][0]["filename"]]
    assert [t.name for t in labels.tracks] == sidecar["tracks"] == ["1", "2"]
    # typical.slp holds two user instances and one prediction: the rows without any score are the user's.
    assert (labels.n_user_instances, labels.n_predicted_instances) == (2, 1)
    [frame] = labels.labeled_frames
    assert sorted(i.track.name for i in frame.user_instances) == ["1", "2"]
    assert frame.predicted_instances[0].track is None and frame.predicted_instances[0].score == 0.0
    details = labels.provenance["sleap-csv"]
    assert details["layout"] == "sleap" and details["metadata"]["provenance"] == {"filename": "typical.slp"}
    alone = poseio.load(path, metadata=False)
    assert alone.skeletons[0].edges == [] and alone.videos[0].filename == "sio095_typical_sleap_meta"
    assert (alone.n_user_instances, alone.n_predicted_instances) == (2, 1)


@pytest.mark.corpus
def test_no_other_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        claims = [c for c in poseio.sniff(path) if c.format == "sleap-csv" and c.confidence > 0]
        assert claims == [], (path.name, claims)


@pytest.mark.corpus
def test_a_user_loads_a_sleap_csv_in_a_fresh_process():
    path = corpus_file("formats2", "sio095_two_tracks_sleap.csv")
    npz = corpus_file("formats2", "truth.npz")
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r})
        assert labels.provenance["format"] == "sleap-csv"
        points = labels.to_table().points.reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        expected = np.load({str(npz)!r})[{path.name!r}]
        assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
        assert [t.name for t in labels.tracks] == ["track_0", "track_1"]
        """
    )


@pytest.mark.corpus
def test_a_sleap_csv_converts_to_nwb(tmp_path):
    source = corpus_file("formats2", META)
    poseio.save(poseio.load(source), tmp_path / "x.nwb", fps=30)
    back = poseio.load(tmp_path / "x.nwb")
    assert np.array_equal(finite_points(back), truth_points(source.name))
    assert (back.n_user_instances, back.n_predicted_instances) == (2, 1)


# -- writing --------------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["sio095_two_tracks_sleap.csv", "sio095_two_tracks_instances.csv", META])
def test_written_files_are_byte_for_byte_those_sleap_io_wrote(tmp_path, name):
    source = corpus_file("formats2", name)
    layout = "instances" if "instances" in name else "sleap"
    poseio.save(poseio.load(source), tmp_path / "again.csv", format="sleap-csv", layout=layout)
    assert (tmp_path / "again.csv").read_bytes() == source.read_bytes()


def _mice() -> poseio.Labels:
    skeleton = poseio.Skeleton(["nose", "ear", "tail"], edges=[(0, 1), (1, 2)], symmetries=[(0, 2)], name="mouse")
    video = poseio.Video("sessions/day1.mp4", fps=30.0, shape=(100, 480, 640, 1))
    m1, m2 = poseio.Track("m1"), poseio.Track("m 2, left")
    frames = [
        poseio.LabeledFrame(
            video,
            3,
            [
                poseio.Instance(np.array([[10.5, 20.0], [np.nan, np.nan], [30.0, 40.25]]), skeleton, m1),
                poseio.PredictedInstance(
                    np.array([[50.0, 60.0], [55.0, 65.0], [70.0, 80.0]]),
                    skeleton,
                    m2,
                    score=0.75,
                    point_scores=np.array([0.5, 0.25, 1.0]),
                    tracking_score=0.5,
                ),
            ],
        ),
        poseio.LabeledFrame(
            video,
            12,
            [
                poseio.Instance(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), skeleton),
                poseio.Instance(np.array([[7.0, 8.0], [9.0, 1e-7], [np.nan, np.nan]]), skeleton),
            ],
        ),
    ]
    return poseio.Labels(frames, videos=[video], skeletons=[skeleton], tracks=[m1, m2])


def test_sleap_io_and_poseio_read_each_other_s_files_in_every_layout(tmp_path):
    pytest.importorskip("sleap_io")
    labels = _mice()
    for layout in LAYOUTS:
        poseio.save(labels, tmp_path / f"{layout}.csv", format="sleap-csv", layout=layout)
        back = poseio.load(tmp_path / f"{layout}.csv")
        assert back.provenance["sleap-csv"]["layout"] == layout
        assert (back.n_user_instances, back.n_predicted_instances) == (3, 1)
    expected = finite_points(labels)
    # One interpreter reads poseio's files with sleap-io, and writes sleap-io's own of two videos, user
    # and predicted, tracked and not, with their points for poseio to read below.
    peer = tmp_path / "peer"
    code = f"""
import json, numpy as np, sleap_io as sio
for layout in {LAYOUTS!r}:
    labels = sio.load_csv({str(tmp_path)!r} + "/" + layout + ".csv")
    points = np.concatenate([i.numpy() for f in labels.labeled_frames for i in f.instances])
    points = points[np.isfinite(points).all(axis=1)]
    points = points[np.lexsort(points.T[::-1])]
    assert np.array_equal(points, np.array({expected.tolist()!r})), (layout, points)
    assert sorted(len(f.instances) for f in labels.labeled_frames) == [2, 2], layout
    assert sorted(t.name for t in labels.tracks) == ["m 2, left", "m1"], layout
    assert [v.filename for v in labels.videos] == ["sessions/day1.mp4"], layout
    skeleton = labels.skeletons[0]
    assert sorted(skeleton.node_names) == ["ear", "nose", "tail"], layout
    assert [(e.source.name, e.destination.name) for e in skeleton.edges] == [("nose", "ear"), ("ear", "tail")], layout

skeleton = sio.Skeleton(["tail", "head"])
videos = [sio.Video(filename="a.mp4", open_backend=False), sio.Video(filename="b.mp4", open_backend=False)]
track = sio.Track(name="t1")
frames = []
for v, video in enumerate(videos):
    for f in (2, 9):
        user = sio.Instance.from_numpy(np.array([[v, f], [np.nan, np.nan]], float), skeleton=skeleton, track=track)
        guess = sio.PredictedInstance.from_numpy(
            np.array([[f + 0.5, v], [1.25, 2.5]]), skeleton=skeleton, point_scores=np.array([0.5, 0.75]), score=0.25
        )
        frames.append(sio.LabeledFrame(video=video, frame_idx=f, instances=[user, guess]))
labels = sio.Labels(labeled_frames=frames, videos=videos, skeletons=[skeleton], tracks=[track])
import pathlib
pathlib.Path({str(peer)!r}).mkdir()
for layout in {LAYOUTS!r}:
    sio.save_csv(labels, {str(peer)!r} + "/" + layout + ".csv", format=layout)
sio.save_csv(labels, {str(peer)!r} + "/meta_points.csv", format="points", save_metadata=True)
points = np.concatenate([i.numpy() for f in labels.labeled_frames for i in f.instances])
json.dump(points[np.isfinite(points).all(axis=1)].tolist(), open({str(peer / "points.json")!r}, "w"))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    truth = _sorted(np.array(json.loads((peer / "points.json").read_text())))
    for layout in (*LAYOUTS, "meta_points"):
        back = poseio.load(peer / f"{layout}.csv")
        assert back.provenance["sleap-csv"]["layout"] == layout.removeprefix("meta_"), layout
        assert np.array_equal(finite_points(back), truth), layout
        # sleap-io's sleap layout has no video column: the two videos' frames come back as one video's.
        videos = ["sleap"] if layout == "sleap" else ["a.mp4", "b.mp4"]
        assert [v.filename for v in back.videos] == videos and len(back) == 2 * len(videos), layout
        assert (back.n_user_instances, back.n_predicted_instances) == (4, 4), layout
        nodes = ["head", "tail"] if layout == "sleap" else ["tail", "head"]  # the sleap layout sorts its columns
        assert [t.name for t in back.tracks] == ["t1"] and back.skeletons[0].node_names == nodes, layout
        assert all(i.score == 0.25 for f in back for i in f.predicted_instances), layout


def test_the_written_columns_are_sleap_io_s(tmp_path):
    import pandas as pd

    poseio.save(_mice(), tmp_path / "s.csv", format="sleap-csv")
    sleap = pd.read_csv(tmp_path / "s.csv")
    assert list(sleap.columns[:4]) == ["track", "frame_idx", "instance.score", "track_score"]
    assert list(sleap.columns[4:7]) == ["ear.score", "ear.x", "ear.y"]  # sorted by name, as sleap-io writes them
    poseio.save(_mice(), tmp_path / "p.csv", format="sleap-csv", layout="points")
    points = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    assert list(points.columns) == ["frame_idx", "node", "x", "y", "track", "track_score", "instance_score", "score"]
    assert points["node"].tolist()[:3] == ["nose", "ear", "tail"] and len(points) == 4 * 3
    poseio.save(_mice(), tmp_path / "f.csv", format="sleap-csv", layout="frames")
    frames = pd.read_csv(tmp_path / "f.csv")
    assert frames["frame_idx"].tolist() == [3, 12]
    assert frames["inst1.score"].tolist()[0] == 0.75 and frames["inst1.track"].tolist() == ["m 2, left", np.nan]
    sidecar = json.loads((tmp_path / "s.json").read_text())
    assert sidecar["skeletons"][0]["symmetries"] == [["nose", "tail"]]
    assert sidecar["videos"][0]["backend_metadata"] == {"shape": [100, 480, 640, 1], "fps": 30.0}
    back = poseio.load(tmp_path / "s.csv")
    assert back.skeletons[0].symmetry_inds == [(0, 2)] and back.videos[0].fps == 30.0
    assert back.provenance["fps_sources"] == {"sessions/day1.mp4": str(tmp_path / "s.json")}


def test_several_videos_get_a_video_path_column(tmp_path):
    import pandas as pd

    skeleton = poseio.Skeleton(["a", "b"])
    videos = [poseio.Video("cam1.mp4"), poseio.Video("cam2.mp4")]
    frames = [poseio.LabeledFrame(v, 5, [poseio.Instance(np.array([[i, 1.0], [2.0, 3.0]]), skeleton)]) for i, v in
              enumerate(videos)]  # fmt: skip
    labels = poseio.Labels(frames, videos=videos, skeletons=[skeleton])
    for layout in LAYOUTS:
        path = tmp_path / f"{layout}.csv"
        poseio.save(labels, path, format="sleap-csv", layout=layout)
        assert set(pd.read_csv(path)["video_path"]) == {"cam1.mp4", "cam2.mp4"}
        back = poseio.load(path)
        assert [(f.video.filename, f.frame_idx, f.instances[0].points[0, 0]) for f in back] == [
            ("cam1.mp4", 5, 0.0),
            ("cam2.mp4", 5, 1.0),
        ]


def test_what_cannot_be_written_is_refused_or_named(tmp_path):
    flat = poseio.Labels.from_numpy(np.ones((1, 1, 2, 3)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton("ab"))
    with pytest.raises(poseio.InvalidLabelsError, match="z coordinates"):
        poseio.save(flat, tmp_path / "z.csv", format="sleap-csv")
    with pytest.raises(poseio.InvalidOptionError, match="layout= must be one of"):
        poseio.save(_mice(), tmp_path / "bad.csv", format="sleap-csv", layout="dlc")
    with pytest.raises(poseio.DataLossError, match="edges"):
        poseio.save(_mice(), tmp_path / "lean.csv", format="sleap-csv", metadata=False)
    unscored = poseio.Labels.from_numpy(
        np.ones((1, 1, 2, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a", "b"]), predicted=True
    )
    with pytest.raises(poseio.DataLossError, match="without any score would read back as user"):
        poseio.save(unscored, tmp_path / "u.csv", format="sleap-csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_json_beside_the_csv_is_never_overwritten_or_left_stale(tmp_path):
    (tmp_path / "out.json").write_text('{"images": [], "annotations": []}')
    with pytest.raises(poseio.WriteError, match="not a sleap-io metadata sidecar"):
        poseio.save(_mice(), tmp_path / "out.csv", format="sleap-csv")
    assert (tmp_path / "out.json").read_text() == '{"images": [], "annotations": []}'
    poseio.save(_mice(), tmp_path / "again.csv", format="sleap-csv")
    with pytest.raises(poseio.WriteError, match="would be read with the new CSV"):
        poseio.save(_mice(), tmp_path / "again.csv", format="sleap-csv", metadata=False, allow_loss=True)


# -- reading what others write, and bad input ------------------------------------------------------


def test_labels_without_frames_write_a_header_that_reads_back(tmp_path):
    labels = poseio.Labels([], videos=[poseio.Video("v.mp4")], skeletons=[poseio.Skeleton(["a", "b"])])
    for layout in LAYOUTS:
        poseio.save(labels, tmp_path / f"{layout}.csv", format="sleap-csv", layout=layout)
        back = poseio.load(tmp_path / f"{layout}.csv")
        assert len(back) == 0 and back.videos[0].filename == "v.mp4", layout
        assert back.skeletons[0].node_names == ["a", "b"], layout


def test_a_points_file_splits_instances_where_a_node_repeats(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "frame_idx,node,x,y,track,track_score,instance_score\n"
        "0,a,1,2,,,\n0,b,3,4,,,\n0,a,5,6,,,\n0,b,,,,,\n1,b,7,8,t,,\n"
    )
    labels = poseio.load(path)
    assert [len(f.instances) for f in labels] == [2, 1]
    assert np.array_equal(labels[0].instances[1].points, [[5, 6], [np.nan, np.nan]], equal_nan=True)
    assert labels[1].instances[0].track.name == "t" and labels.n_user_instances == 3


def test_nodes_and_tracks_named_as_pandas_names_missing_values_keep_their_names(tmp_path):
    skeleton = poseio.Skeleton(["null", "nan"])
    tracks = [poseio.Track("NA"), poseio.Track("None")]
    frames = [poseio.LabeledFrame(poseio.Video("v.mp4"), 0, [
        poseio.Instance(np.array([[1.0, 2.0], [3.0, 4.0]]), skeleton, tracks[0]),
        poseio.Instance(np.array([[5.0, 6.0], [7.0, 8.0]]), skeleton, tracks[1]),
    ])]  # fmt: skip
    labels = poseio.Labels(frames, skeletons=[skeleton], tracks=tracks)
    for layout in LAYOUTS:
        poseio.save(
            labels, tmp_path / f"{layout}.csv", format="sleap-csv", layout=layout, metadata=False, allow_loss=True
        )
        back = poseio.load(tmp_path / f"{layout}.csv")
        assert sorted(back.skeletons[0].node_names) == ["nan", "null"], layout
        assert [(i.track.name, i.points[back.skeletons[0].index("nan")].tolist()) for i in back[0].instances] == [
            ("NA", [3.0, 4.0]),
            ("None", [7.0, 8.0]),
        ], layout


def test_a_sidecar_that_leads_out_of_the_folder_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    inside = tmp_path / "inside"
    outside.mkdir(), inside.mkdir()
    (outside / "x.json").write_text(json.dumps({"skeletons": [{"name": "evil", "nodes": ["a", "b"]}]}))
    (inside / "x.csv").write_text("track,frame_idx,instance.score,a.x,a.y\n,0,,1,2\n")
    (inside / "x.json").symlink_to(outside / "x.json")
    labels = poseio.load(inside / "x.csv")
    assert labels.skeletons[0].name is None and "links out of the CSV's folder" in str(
        labels.provenance["sleap-csv"]["sidecar_note"]
    )


@pytest.mark.parametrize(
    ("text", "sidecar", "message"),
    [
        ("track,frame_idx,instance.score,a.x\n,0,,1\n", None, r"bodyparts a \(no y\)"),
        ("track,frame_idx,instance.score,a.x,a.y\n,0.5,,1,2\n", None, "0.5 as its frame_idx"),
        ("track,frame_idx,instance.score,a.x,a.y\n,0,,one,2\n", None, "'one' in column 'a.x'"),
        ("track,frame_idx,instance.score,a.x,a.y\n,0,,1,2\n", "{", "metadata sidecar .* is broken.*metadata=False"),
        ("track,frame_idx,instance.score,a.x,a.y\n,0,,1,2\n", '{"skeletons": [{"nodes": ["b"]}]}', "another file"),
        ("track,frame_idx,instance.score,a.x,a.y\n,0,,1,2\n,1,,3", None, "truncated"),
    ],
)
def test_broken_files_are_read_errors_naming_the_fault(tmp_path, text, sidecar, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    if sidecar is not None:
        (tmp_path / "bad.json").write_text(sidecar)
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="sleap-csv")
    assert "bad.csv" in str(caught.value)


def test_a_byte_order_mark_alone_is_declined(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("\ufeff")
    assert [c for c in poseio.sniff(path) if c.format == "sleap-csv" and c.confidence > 0] == []
    assert "sleap-csv confidence 0.00: no text line (a byte-order mark alone)" in str(poseio.explain(path))


def test_a_header_wider_than_the_sniffed_bytes_is_claimed(tmp_path):
    nodes = [f"bodypart_number_{i:03d}" for i in range(200)]
    header = "track,frame_idx,instance.score," + ",".join(f"{n}.{c}" for n in nodes for c in ("score", "x", "y"))
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + ",0,0.5," + ",".join(["0.5,1.0,2.0"] * 200) + "\n")
    [claim] = [c for c in poseio.sniff(path) if c.format == "sleap-csv"]
    assert claim.confidence == poseio.TYPED_MATCH and "wider than the bytes sniffed" in claim.reason
    assert len(poseio.load(path).skeletons[0]) == 200
