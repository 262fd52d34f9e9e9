"""The plugin API as a third party uses it: the ``poseio-dense-grid`` distribution in ``tests/plugins/``.

That plugin is installed like any other (an entry point in the ``poseio``
group, ``requirements-dev.txt``) and uses only the public API: a writer that
sees its real destination and takes its arrays from `Labels.grid`, writer-
and reader-side `check_allocation`, `PoseTable.replace`, a sniffer that
declines what is not its format while a named ``format=`` still reaches its
reader. Its files are checked with plain NumPy, not only through the plugin.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import poseio
import pytest
from fresh_process import run_fresh
from poseio.testing import FormatConformance

FORMAT = "dense-grid"
pytestmark = pytest.mark.skipif(
    FORMAT not in {f.name for f in poseio.formats()},
    reason="the example plugin poseio-dense-grid is not installed (pip install -r requirements-dev.txt)",
)


def _write_by_hand(path: Path, *, signature: bool = True) -> Path:
    """A dense-grid file made with NumPy alone: two frames of two animals, one a user label."""
    arrays = {"poseio_dense_grid": np.array(1)} if signature else {}
    points = np.full((2, 2, 2, 2), np.nan)
    points[0, 0] = [[1.0, 2.0], [3.0, 4.0]]
    points[1, 1] = [[5.0, 6.0], [np.nan, np.nan]]
    arrays |= {
        "points": points,
        "point_scores": np.array([[[0.9, 0.8], [np.nan, np.nan]], [[np.nan, np.nan], [0.7, np.nan]]]),
        "instance_scores": np.array([[0.95, np.nan], [np.nan, np.nan]]),
        "tracking_scores": np.array([[0.5, np.nan], [np.nan, np.nan]]),
        "predicted": np.array([[True, False], [False, False]]),
        "occupied": np.array([[True, False], [False, True]]),
        "frames": np.array([4, 9]),
        "nodes": np.array(["head", "tail"]),
        "animals": np.array(["m1", "m2"]),
        "video": np.array("clip.mp4"),
    }
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    return path


class TestDenseGridConformance(FormatConformance):
    format = FORMAT
    extension = ".npz"
    keeps = frozenset({"points", "frames", "tracks", "kinds", "point_scores", "instance_scores"})
    strategy_options = {"ndim": 2, "max_videos": 1}
    untracked_as_tracks = True  # untracked animals are stored as animals unnamed0, unnamed1, ...
    max_examples = 10

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        rows = [(4, "m1", "head", 1.0, 2.0), (4, "m1", "tail", 3.0, 4.0), (9, "m2", "head", 5.0, 6.0)]
        return _write_by_hand(folder / "reference.npz"), rows


def test_the_plugin_is_found_through_its_entry_point_as_its_own_distribution():
    (info,) = [f for f in poseio.formats() if f.name == FORMAT]
    assert (info.plugin, info.distribution) == ("dense-grid", "poseio-dense-grid")


def test_the_writer_stores_the_video_relative_to_the_destination_not_to_the_temporary_file(tmp_path):
    run_fresh(
        f"""
        import os
        import numpy as np
        from pathlib import Path

        folder = Path({str(tmp_path)!r})
        video = str(folder / "videos" / "a.mp4")
        skeleton = poseio.Skeleton(["head", "tail"])
        instance = poseio.PredictedInstance(np.ones((2, 2)), skeleton, score=0.5)
        labels = poseio.Labels([poseio.LabeledFrame(poseio.Video(video), 3, [instance])])
        out = folder / "results" / "labels.npz"
        out.parent.mkdir()
        poseio.save(labels, out)
        with np.load(out) as data:
            assert str(data["video"]) == os.path.join("..", "videos", "a.mp4"), data["video"]
        loaded = poseio.load(out)
        assert os.path.normpath(loaded.videos[0].filename) == video, loaded.videos[0].filename
        """
    )


def test_instance_scores_and_kinds_come_from_the_grid_place_by_place(tmp_path):
    skeleton, tracks = poseio.Skeleton(["head"]), [poseio.Track("a"), poseio.Track("b")]
    video = poseio.Video("v.mp4")
    frames = [
        poseio.LabeledFrame(
            video,
            2,
            [
                poseio.PredictedInstance([[1.0, 1.0]], skeleton, track=tracks[0], score=0.25, tracking_score=0.5),
                poseio.Instance([[2.0, 2.0]], skeleton, track=tracks[1]),
                poseio.PredictedInstance([[3.0, 3.0]], skeleton, score=0.75),  # untracked
            ],
        ),
        poseio.LabeledFrame(video, 7, [poseio.PredictedInstance([[4.0, 4.0]], skeleton, track=tracks[1], score=1.0)]),
    ]
    path = tmp_path / "scores.npz"
    poseio.save(poseio.Labels(frames), path)
    with np.load(path) as data:  # the file itself, read without the plugin
        assert data["frames"].tolist() == [2, 7]
        assert data["animals"].tolist() == ["a", "b", "unnamed0"]
        np.testing.assert_array_equal(data["instance_scores"], [[0.25, np.nan, 0.75], [np.nan, 1.0, np.nan]])
        np.testing.assert_array_equal(data["tracking_scores"][0], [0.5, np.nan, np.nan])
        assert data["predicted"].tolist() == [[True, False, True], [False, True, False]]
        assert data["occupied"].tolist() == [[True, True, True], [False, True, False]]
    loaded = poseio.load(path)
    kinds = {(f.frame_idx, i.track.name): type(i).__name__ for f in loaded.labeled_frames for i in f.instances}
    assert kinds == {
        (2, "a"): "PredictedInstance",
        (2, "b"): "Instance",
        (2, "unnamed0"): "PredictedInstance",
        (7, "b"): "PredictedInstance",
    }


def test_a_file_the_sniffer_declines_is_read_by_name_and_the_reader_says_what_is_wrong(tmp_path):
    path = _write_by_hand(tmp_path / "other.npz", signature=False)
    # No low "maybe broken" claim to stay reachable: the sniffer declines outright.
    assert not [claim for claim in poseio.sniff(path, format=FORMAT) if claim.confidence > poseio.NOT_MINE]
    with pytest.raises(poseio.UnknownFormatError) as caught:
        poseio.load(path, format=FORMAT)
    assert "has no poseio_dense_grid array" in str(caught.value)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(_write_by_hand(tmp_path / "whole.npz").read_bytes()[:200])
    with pytest.raises(poseio.ReadError, match="not a readable dense-grid file"):
        poseio.load(truncated)


def test_writer_and_reader_allocations_draw_on_one_budget(tmp_path):
    skeleton, video = poseio.Skeleton([f"n{i}" for i in range(50)]), poseio.Video("v.mp4")
    frames = [
        poseio.LabeledFrame(video, i, [poseio.PredictedInstance(np.ones((50, 2)), skeleton)])
        for i in range(0, 2000, 10)
    ]
    path = tmp_path / "big.npz"
    path.write_bytes(b"precious")
    with pytest.raises(poseio.WriteError, match="memory_budget='2GB'"):
        poseio.save(poseio.Labels(frames), path, memory_budget="100KB")
    assert path.read_bytes() == b"precious"
    poseio.save(poseio.Labels(frames), path)
    declared = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    with pytest.raises(poseio.UnsafeFileError, match="memory budget"):
        poseio.load(path, memory_budget=f"{declared // 2}B")
    assert len(poseio.load(path, memory_budget=f"{declared * 2}B").labeled_frames) == 200
