"""Files poseio writes are read by the tools users take them to next: pynwb + ndx-pose, movement, sleap-io.

Each tool runs in a fresh process that imports only that tool (and numpy), and
its values are compared with the poses poseio was given, so neither poseio's
reader nor the tool's own conventions can hide a lost point.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import poseio
import pytest
from conftest import corpus_file
from nwb_helpers import SUBJECT, critical_inspector_messages, validation_errors

pytest.importorskip("movement", reason="movement 0.15 is in requirements-dev.txt; install it to run these checks")
pytest.importorskip("sleap_io", reason="sleap-io 0.9.5 is in requirements-dev.txt; install it to run these checks")


def one_animal(n_frames: int = 40, *, track: str | None = "mouse_1") -> poseio.Labels:
    rng = np.random.default_rng(11)
    points = rng.random((n_frames, 1, 4, 2)) * 100
    points[5, 0, 1] = np.nan
    return poseio.Labels.from_numpy(
        points,
        video=poseio.Video("/data/session/cam.mp4", fps=30.0),
        skeleton=poseio.Skeleton(["nose", "left_ear", "right_ear", "tail_base"], edges=[(0, 1), (0, 2)], name="m"),
        tracks=None if track is None else [poseio.Track(track)],
        point_scores=rng.random((n_frames, 1, 4)),
    )


MOVEMENT = """
import json, sys
import numpy as np
from movement.io import load_poses
ds = load_poses.from_nwb_file(sys.argv[1])  # movement's default arguments
position = ds.position.transpose("time", "individuals", "keypoints", "space").values
confidence = ds.confidence.transpose("time", "individuals", "keypoints").values
print(json.dumps({
    "individuals": [str(v) for v in ds.individuals.values],
    "keypoints": [str(v) for v in ds.keypoints.values],
    "fps": ds.attrs.get("fps"),
    "position": np.where(np.isnan(position), None, position).tolist(),
    "confidence": np.where(np.isnan(confidence), None, confidence).tolist(),
}))
"""


def run_tool(code: str, *args: str) -> dict:
    """Run a tool's reading code in a fresh interpreter (no poseio imported); its JSON output."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the tool failed on {args}:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _nan(values) -> np.ndarray:
    return np.array(values, dtype=float)


def test_movement_reads_a_one_animal_file_with_its_default_arguments(tmp_path):
    labels = one_animal()
    path = tmp_path / "mouse.nwb"
    poseio.save(labels, path)
    found = run_tool(MOVEMENT, str(path))
    assert found["individuals"] == ["mouse_1"]  # the track's name, not a random identifier
    assert found["fps"] == 30.0
    expected, scores = labels.numpy(return_scores=True)
    order = [labels.skeletons[0].node_names.index(k) for k in found["keypoints"]]
    np.testing.assert_array_equal(_nan(found["position"]), expected[:, :, order])
    np.testing.assert_array_equal(_nan(found["confidence"]), scores[:, :, order])


def test_poseio_keeps_the_track_of_a_one_animal_file(tmp_path):
    path = tmp_path / "mouse.nwb"
    poseio.save(one_animal(), path)
    labels = poseio.load(path)
    assert [t.name for t in labels.tracks] == ["mouse_1"]
    assert labels.provenance["session"]["identifier"] == "mouse_1"


def test_an_identifier_given_is_kept_over_the_track_name(tmp_path):
    path = tmp_path / "mouse.nwb"
    poseio.save(one_animal(), path, identifier="session-42")
    labels = poseio.load(path)
    assert labels.provenance["session"]["identifier"] == "session-42"
    assert [t.name for t in labels.tracks] == ["mouse_1"]


@pytest.mark.slow
def test_movement_file_converts_back_to_a_file_movement_reads(tmp_path):
    source = corpus_file("nwb", "mv_movement_mouse1.nwb")
    output = tmp_path / "copy.nwb"
    poseio.save(poseio.load(source), output)
    before, after = run_tool(MOVEMENT, str(source)), run_tool(MOVEMENT, str(output))
    assert after["individuals"] == before["individuals"] == ["mouse1"]
    assert after["keypoints"] == before["keypoints"]
    np.testing.assert_array_equal(_nan(after["position"]), _nan(before["position"]))
    np.testing.assert_array_equal(_nan(after["confidence"]), _nan(before["confidence"]))


SLEAP_IO = """
import json, sys
import numpy as np
import sleap_io
labels = sleap_io.load_nwb(sys.argv[1])
rows = []
for lf in labels.labeled_frames:
    for inst in lf.instances:
        points = inst.numpy()
        rows.append({
            "frame": int(lf.frame_idx),
            "video": str(lf.video.filename),
            "track": None if inst.track is None else inst.track.name,
            "nodes": [n.name for n in inst.skeleton.nodes],
            "points": np.where(np.isnan(points), None, points).tolist(),
        })
print(json.dumps({"tracks": [t.name for t in labels.tracks], "rows": rows}))
"""


def two_animals() -> poseio.Labels:
    rng = np.random.default_rng(5)
    points = rng.random((30, 12, 3, 2)) * 100  # 12 tracks: "track10" must not sort before "track2"
    points[4, 1] = np.nan  # one animal missing in one frame
    points[7, 0, 2] = np.nan  # one hidden node
    return poseio.Labels.from_numpy(
        points,
        video=poseio.Video("/data/session/cam.mp4", fps=25.0),
        skeleton=poseio.Skeleton(["head", "body", "tail"], edges=[(0, 1), (1, 2)], name="fly"),
        tracks=[poseio.Track(f"fly_{i}") for i in range(12)],
        frame_inds=np.arange(5, 35),  # not starting at frame 0
        point_scores=rng.random((30, 12, 3)),
    )


def test_sleap_io_reads_every_prediction_of_the_sleap_io_layout(tmp_path):
    labels = two_animals()
    path = tmp_path / "flies.nwb"
    poseio.save(labels, path, layout="sleap-io")
    found = run_tool(SLEAP_IO, str(path))
    expected = labels.numpy()
    got = {}
    for row in found["rows"]:
        assert row["video"] == "/data/session/cam.mp4" and row["nodes"] == ["head", "body", "tail"]
        got[(row["frame"], int(row["track"].removeprefix("track")))] = _nan(row["points"])
    # Every instance with a visible node, at its own frame, in its own track slot (sleap-io
    # names tracks track0, track1, ... in order; it has no field for the names themselves).
    wanted = {
        (frame, track)
        for frame in range(expected.shape[0])
        for track in range(expected.shape[1])
        if not np.isnan(expected[frame, track]).all()
    }
    assert set(got) == wanted
    for (frame, track), points in got.items():
        # sleap-io holds points as float32: the file's float64 values, rounded by sleap-io itself.
        np.testing.assert_array_equal(points, expected[frame, track].astype(np.float32))
    assert found["tracks"] == [f"track{i}" for i in range(12)]


def test_poseio_reads_its_sleap_io_layout_back_whole(tmp_path):
    labels = two_animals()
    path = tmp_path / "flies.nwb"
    poseio.save(labels, path, layout="sleap-io")
    back = poseio.load(path)
    assert [t.name for t in back.tracks] == [t.name for t in labels.tracks]
    np.testing.assert_array_equal(back.numpy(), labels.numpy())


def test_an_unknown_layout_is_an_invalid_option(tmp_path):
    with pytest.raises(
        poseio.InvalidOptionError, match=r"layout= must be one of \[.ndx-pose., .sleap-io., .movement.\], not .sleap."
    ):
        poseio.save(two_animals(), tmp_path / "x.nwb", layout="sleap")


@pytest.mark.parametrize("layout", ["ndx-pose", "sleap-io", pytest.param("movement", marks=pytest.mark.slow)])
def test_every_layout_is_valid_nwb(tmp_path, layout):
    path = tmp_path / "flies.nwb"
    poseio.save(two_animals(), path, layout=layout, subject=SUBJECT)
    assert validation_errors(path) == []
    assert critical_inspector_messages(path) == []
    # pynwb + ndx-pose read every point of what poseio wrote.
    from ndx_pose import PoseEstimation
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path), "r") as io:
        nwbfile = io.read()
        containers = [o for o in nwbfile.objects.values() if isinstance(o, PoseEstimation)]
        finite = sum(
            int(np.isfinite(s.data[:]).all(axis=1).sum()) for c in containers for s in c.pose_estimation_series.values()
        )
    assert finite == int(np.isfinite(two_animals().numpy()).all(axis=-1).sum())


SLEAP_IO_COUNT = """
import json, sys
import numpy as np
import sleap_io
labels = sleap_io.load_nwb(sys.argv[1])
points = [inst.numpy() for lf in labels.labeled_frames for inst in lf.instances]
finite = int(sum(np.isfinite(p).all(axis=1).sum() for p in points))
print(json.dumps({"points": finite, "skeletons": [[n.name for n in s.nodes] for s in labels.skeletons]}))
"""


def _predicted_points(labels: poseio.Labels) -> int:
    table = labels.to_table()
    points = table.points[table.predicted]
    return int(np.isfinite(points).all(axis=-1).sum())


@pytest.mark.parametrize(
    "name", ["sio_predictions.nwb", "sio095_typical.predictions.nwb", "sleapiojs_minimal.pose.nwb"]
)
def test_sleap_io_reads_its_own_files_written_again_in_its_layout(tmp_path, name):
    # Files sleap-io wrote hold its layout's modules; written again, Skeletons once went into one
    # of them, where sleap-io takes everything for a pose container.
    labels = poseio.load(corpus_file("nwb", name))
    path = tmp_path / "again.nwb"
    poseio.save(labels, path, layout="sleap-io")
    found = run_tool(SLEAP_IO_COUNT, str(path))
    assert found["points"] == _predicted_points(labels)


def test_sleap_io_layout_of_labels_without_a_clock_is_timed_by_frame_index(tmp_path):
    # The layout times poses by frame index, so a SLEAP project with no frame rate converts as it is.
    labels = poseio.load(corpus_file("formats", "sio095_predictions_two_tracks.slp"))
    path = tmp_path / "tracks.nwb"
    poseio.save(labels, path, format="nwb-predictions", layout="sleap-io")
    assert run_tool(SLEAP_IO_COUNT, str(path))["points"] == _predicted_points(labels)


def two_skeletons() -> poseio.Labels:
    flies, mice = two_animals(), one_animal(n_frames=30)
    return poseio.Labels.merge([flies, mice])


def test_several_skeletons_in_the_sleap_io_layout_are_named_as_a_loss_then_read_by_sleap_io(tmp_path):
    labels = two_skeletons()
    path = tmp_path / "two.nwb"
    with pytest.raises(poseio.DataLossError, match="sleap-io's layout holds one"):
        poseio.save(labels, path, layout="sleap-io")
    assert not path.exists()
    poseio.save(labels, path, layout="sleap-io", allow_loss=True)
    found = run_tool(SLEAP_IO_COUNT, str(path))
    assert found["points"] == _predicted_points(labels)
    nodes = [n for s in labels.skeletons for n in s.node_names]
    assert found["skeletons"] == [list(dict.fromkeys(nodes))]


def test_3d_poses_are_refused_in_the_sleap_io_layout(tmp_path):
    points = np.random.default_rng(1).random((5, 1, 2, 3))
    labels = poseio.Labels.from_numpy(
        points, video=poseio.Video("c.mp4", fps=30.0), skeleton=poseio.Skeleton(["a", "b"])
    )
    with pytest.raises(poseio.InvalidOptionError, match="layout='ndx-pose'"):
        poseio.save(labels, tmp_path / "x.nwb", layout="sleap-io")
    assert not (tmp_path / "x.nwb").exists()


MOVEMENT_MERGED = """
import json, sys
import numpy as np
import xarray as xr
from movement.io import load_poses
ds = xr.merge([load_poses.from_nwb_file(path) for path in sys.argv[1:]])
position = ds.position.transpose("time", "individuals", "keypoints", "space").values
print(json.dumps({
    "individuals": [str(i) for i in ds.individuals.values],
    "keypoints": [str(k) for k in ds.keypoints.values],
    "position": np.where(np.isnan(position), None, position).tolist(),
}))
"""


def test_movement_merges_one_file_per_animal_into_all_the_animals(tmp_path):
    # The documented way to hand movement several animals (docs/formats/nwb-predictions.md). In the
    # default layout a file holds rows only where its animal has a pose, which movement (reading
    # sample i at time i / rate) would shift: an animal missing in one frame moved by one after it.
    labels = two_animals()
    table = labels.to_table()
    paths = []
    for t, track in enumerate(labels.tracks[:3]):
        animal = poseio.Labels.from_table(
            table.take(table.track == t), videos=labels.videos, skeletons=labels.skeletons, tracks=labels.tracks
        )
        paths.append(tmp_path / f"{track.name}.nwb")
        poseio.save(animal, paths[-1], identifier=track.name, layout="movement")
    found = run_tool(MOVEMENT_MERGED, *map(str, paths))
    assert found["individuals"] == ["fly_0", "fly_1", "fly_2"]
    assert sorted(found["keypoints"]) == ["body", "head", "tail"]  # xarray's merge sorts them
    order = [found["keypoints"].index(n) for n in ("head", "body", "tail")]
    got = _nan(found["position"])[:, :, order]
    # movement times each sample by its index and a rate: the layout writes a row for every frame
    # from 0 (NaN where an animal has no pose, as fly_1 in frame 9), so time 0 is frame 0.
    expected = labels.numpy()[:, :3]
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)
    # poseio reads the layout back as the poses it was given (the NaN rows are no poses).
    again = poseio.load(paths[1])
    np.testing.assert_array_equal(again.numpy()[:, 0], labels.numpy()[:, 1])
    no_rate = poseio.Labels.from_numpy(
        np.ones((3, 1, 1, 2)), video=poseio.Video("c.mp4"), skeleton=poseio.Skeleton(["a"])
    )
    with pytest.raises(poseio.InvalidOptionError, match="layout='movement' stores a regular clock.*fps=30"):
        poseio.save(no_rate, tmp_path / "no_rate.nwb", layout="movement", timestamps=[0.0, 0.1, 0.3])
