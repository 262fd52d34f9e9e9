import numpy as np
import poseio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from poseio import Instance, LabeledFrame, Labels, PredictedInstance, Skeleton, Track, Video
from poseio.testing import assert_labels_equal, labels_strategy


def test_skeleton_accepts_names_indices_and_objects():
    skeleton = Skeleton(["a", "b", "c"], edges=[(0, 1), ("b", "c")], symmetries=[("a", "c")], name="s")
    assert skeleton.node_names == ["a", "b", "c"]
    assert skeleton.edge_inds == [(0, 1), (1, 2)]
    assert skeleton.symmetry_inds == [(0, 2)]
    assert skeleton.index("c") == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"nodes": ["a", "a"]}, "duplicate node"),
        ({"nodes": ["a"], "edges": [(0, 3)]}, "out of range"),
        ({"nodes": ["a"], "edges": [("a", "z")]}, "not in skeleton"),
    ],
)
def test_skeleton_rejects_inconsistent_definitions(kwargs, message):
    with pytest.raises(poseio.InvalidLabelsError, match=message):
        Skeleton(**kwargs)


def test_instance_checks_point_count_against_its_skeleton():
    with pytest.raises(poseio.InvalidLabelsError, match="3 points but skeleton"):
        Instance(np.zeros((3, 2)), Skeleton(["a", "b"]))


def test_from_numpy_and_numpy_round_trip_with_gaps_and_scores():
    skeleton = Skeleton(["a", "b", "c"])
    points = np.random.default_rng(1).random((6, 2, 3, 2))
    points[2, 1] = np.nan  # no instance of track 1 in frame 2
    points[4, 0, 1] = np.nan  # one hidden node
    scores = np.random.default_rng(2).random((6, 2, 3))
    labels = Labels.from_numpy(
        points, video=Video("v.mp4"), skeleton=skeleton, tracks=[Track("x"), Track("y")], point_scores=scores
    )
    assert labels.n_predicted_instances == 11
    out, out_scores = labels.numpy(return_scores=True)
    np.testing.assert_array_equal(out, points)
    expected_scores = scores.copy()
    expected_scores[2, 1] = np.nan
    np.testing.assert_array_equal(out_scores, expected_scores)


def test_full_grid_is_not_copied():
    points = np.random.default_rng(0).random((50, 2, 4, 2))
    labels = Labels.from_numpy(
        points, video=Video("v.mp4"), skeleton=Skeleton(list("abcd")), tracks=[Track("1"), Track("2")]
    )
    assert np.shares_memory(labels.numpy(), points)


def test_frames_are_built_lazily_and_then_are_the_truth():
    points = np.zeros((3, 1, 2, 2))
    labels = Labels.from_numpy(points, video=Video("v.mp4"), skeleton=Skeleton(["a", "b"]), tracks=[Track("t")])
    assert labels._frames is None
    frame = labels[1]
    assert isinstance(frame.instances[0], PredictedInstance) and frame.frame_idx == 1
    frame.instances[0].points[0] = (7, 8)
    assert labels.numpy()[1, 0, 0].tolist() == [7, 8]


def test_user_instance_wins_a_shared_slot_in_numpy():
    skeleton, video, track = Skeleton(["a"]), Video("v.mp4"), Track("t")
    frame = LabeledFrame(
        video,
        0,
        [PredictedInstance(np.array([[1.0, 1.0]]), skeleton, track), Instance(np.array([[2.0, 2.0]]), skeleton, track)],
    )
    labels = Labels([frame])
    assert labels.numpy()[0, 0, 0].tolist() == [2.0, 2.0]
    assert labels.numpy(kind="predicted")[0, 0, 0].tolist() == [1.0, 1.0]


def test_untracked_instances_fill_extra_slots():
    skeleton, video = Skeleton(["a"]), Video("v.mp4")
    frame = LabeledFrame(
        video, 3, [Instance(np.array([[1.0, 1.0]]), skeleton), Instance(np.array([[2.0, 2.0]]), skeleton)]
    )
    array = Labels([frame]).numpy()
    assert array.shape == (4, 2, 1, 2)
    assert array[3, :, 0, 0].tolist() == [1.0, 2.0]


def test_numpy_asks_for_a_video_when_there_are_several():
    skeleton = Skeleton(["a"])
    frames = [LabeledFrame(Video(f"{i}.mp4"), 0, [Instance(np.ones((1, 2)), skeleton)]) for i in range(2)]
    with pytest.raises(poseio.InvalidLabelsError, match="pass video="):
        Labels(frames).numpy()
    assert Labels(frames).numpy(video=1).shape == (1, 1, 1, 2)


@settings(max_examples=40, deadline=None)
@given(
    points=arrays(
        np.float64,
        st.tuples(st.integers(1, 8), st.integers(1, 3), st.integers(1, 4), st.sampled_from([2, 3])),
        elements=st.floats(-1e6, 1e6) | st.just(np.nan),
    )
)
def test_dense_array_survives_the_table(points):
    skeleton = Skeleton([f"n{i}" for i in range(points.shape[2])])
    tracks = [Track(str(i)) for i in range(points.shape[1])]
    labels = Labels.from_numpy(points, video=Video("v.mp4"), skeleton=skeleton, tracks=tracks)
    expected = points.copy()
    # A slot with no visible node holds no instance, so it comes back all NaN.
    empty = ~np.isfinite(points[..., :2]).all(axis=3).any(axis=2)
    expected[empty] = np.nan
    out = labels.numpy()
    n = out.shape[0]
    np.testing.assert_array_equal(out, expected[:n])
    assert not np.isfinite(expected[n:, ..., :2]).all(axis=-1).any()


@settings(max_examples=30, deadline=None)
@given(labels=labels_strategy())
def test_objects_and_table_agree(labels):
    rebuilt = Labels.from_table(
        labels.to_table(), videos=labels.videos, skeletons=labels.skeletons, tracks=labels.tracks
    )
    assert_labels_equal(labels, rebuilt)


def test_merge_joins_videos_by_filename_and_tracks_by_name():
    skeleton = Skeleton(["a"], name="s")
    one = Labels([LabeledFrame(Video("v.mp4"), 0, [Instance(np.ones((1, 2)), skeleton, Track("t"))])])
    other_skeleton = Skeleton(["a"], name="s")
    two = Labels([LabeledFrame(Video("v.mp4"), 0, [PredictedInstance(np.ones((1, 2)), other_skeleton, Track("t"))])])
    merged = Labels.merge([one, two])
    assert len(merged.videos) == 1 and len(merged.tracks) == 1 and len(merged.skeletons) == 1
    assert len(merged) == 1
    assert merged.n_user_instances == 1 and merged.n_predicted_instances == 1


def _two_video_labels() -> poseio.Labels:
    skeleton = poseio.Skeleton(["a", "b"], name="s")
    first = poseio.Labels.from_numpy(np.full((2, 1, 2, 2), 1.0), video=poseio.Video("one.mp4"), skeleton=skeleton)
    second = poseio.Labels.from_numpy(np.full((3, 1, 2, 2), 2.0), video=poseio.Video("two.mp4"), skeleton=skeleton)
    table = poseio.PoseTable.concat(
        [first.to_table(), second.to_table().replace(video=np.ones(len(second.to_table()), dtype=np.int64))]
    )
    return poseio.Labels.from_table(table, videos=[first.videos[0], second.videos[0]], skeletons=[skeleton])


def test_reordering_videos_keeps_each_pose_with_its_video():
    labels = _two_video_labels()
    labels.videos.reverse()
    assert [v.filename for v in labels.videos] == ["two.mp4", "one.mp4"]
    assert np.all(labels.numpy(video=0) == 2.0) and labels.numpy(video=0).shape[0] == 3
    assert np.all(labels.numpy(video=1) == 1.0) and labels.numpy(video=1).shape[0] == 2
    assert {lf.video.filename: float(lf.instances[0].points[0, 0]) for lf in labels.labeled_frames} == {
        "one.mp4": 1.0,
        "two.mp4": 2.0,
    }


def test_removing_a_video_that_poses_use_is_refused():
    labels = _two_video_labels()
    labels.videos.remove(labels.videos[0])
    with pytest.raises(poseio.InvalidLabelsError, match="one.mp4.*was removed from labels.videos, but 2 instances"):
        labels.numpy(video=0)


def test_reordering_tracks_and_skeletons_keeps_poses_with_them():
    rng = np.random.default_rng(1)
    points = rng.random((4, 3, 2, 2))
    labels = poseio.Labels.from_numpy(
        points,
        video=poseio.Video("v.mp4"),
        skeleton=poseio.Skeleton(["a", "b"]),
        tracks=[poseio.Track(n) for n in ("x", "y", "z")],
    )
    labels.tracks.reverse()
    np.testing.assert_array_equal(labels.numpy(), points[:, ::-1])
    labels.skeletons.insert(0, poseio.Skeleton(["q"], name="unused"))
    np.testing.assert_array_equal(labels.numpy(skeleton=labels.skeletons[1]), points[:, ::-1])


def test_replacing_a_video_in_place_hands_it_the_poses():
    labels = _two_video_labels()
    labels.videos[0] = poseio.Video("renamed.mp4")
    assert np.all(labels.numpy(video=0) == 1.0) and labels.numpy(video=0).shape[0] == 2
    assert {lf.video.filename for lf in labels.labeled_frames} == {"renamed.mp4", "two.mp4"}


@given(
    rows=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 6), st.integers(-1, 2)), min_size=1, max_size=30),
    ordered=st.booleans(),
)
def test_slots_number_each_frames_untracked_instances_in_row_order(rows, ordered):
    # Brute force, row by row: a tracked row's slot is its track, the k-th untracked row of a (video, frame) is -(k+1).
    if ordered:
        rows = sorted(rows)
    video, frame, track = (np.array(c) for c in zip(*rows))
    table = poseio.PoseTable.build(np.zeros((len(rows), 1, 2)), video=video, frame_idx=frame, skeleton=0, track=track)
    seen: dict = {}
    expected = []
    for v, f, t in rows:
        if t >= 0:
            expected.append(t)
        else:
            seen[v, f] = seen.get((v, f), 0) + 1
            expected.append(-seen[v, f])
    assert table.slots().tolist() == expected


def test_pose_table_replace_shares_other_columns_and_checks_the_new_one():
    table = poseio.PoseTable.build(np.ones((3, 2, 2)), video=0, frame_idx=[1, 2, 3], skeleton=0)
    shifted = table.replace(frame_idx=table.frame_idx - 1)
    assert shifted.frame_idx.tolist() == [0, 1, 2]
    assert table.frame_idx.tolist() == [1, 2, 3]
    assert shifted.points is table.points
    with pytest.raises(poseio.InvalidLabelsError, match="frame_idx"):
        table.replace(frame_idx=[0, 1])
    with pytest.raises(TypeError, match="no column 'frame'"):
        table.replace(frame=[0, 1, 2])


def _grid_entry(grid, place):
    """What a grid holds at one place, comparable with `_instance_entry`."""
    n_nodes = grid.points.shape[2]
    return (
        np.nan_to_num(grid.points[place], nan=-1.0).round(9).tobytes(),
        bool(grid.predicted[place]),
        np.nan_to_num([grid.score[place], grid.tracking_score[place]], nan=-1.0).tobytes(),
        np.nan_to_num(grid.point_scores[place][:n_nodes], nan=-1.0).round(9).tobytes(),
    )


def _instance_entry(instance, n_nodes):
    points = np.full((n_nodes, instance.numpy().shape[1]), np.nan)
    points[: len(instance.points)] = instance.numpy()
    point_scores = np.full(n_nodes, np.nan)
    scores = [np.nan, np.nan]
    if isinstance(instance, PredictedInstance):
        point_scores[: len(instance.points)] = instance.point_scores
        scores = [instance.score, instance.tracking_score]
    return (
        np.nan_to_num(points, nan=-1.0).round(9).tobytes(),
        isinstance(instance, PredictedInstance),
        np.nan_to_num(scores, nan=-1.0).tobytes(),
        np.nan_to_num(point_scores, nan=-1.0).round(9).tobytes(),
    )


@settings(max_examples=30, deadline=None)
@given(labels=labels_strategy(max_videos=1))
def test_grid_holds_every_instance_with_its_scores_in_its_track_or_an_untracked_slot(labels):
    # Checked against the LabeledFrame objects, not the table the grid is built from.
    grid = labels.grid()
    n_tracks, n_nodes = len(labels.tracks), grid.points.shape[2]
    assert grid.n_tracks == n_tracks
    np.testing.assert_array_equal(grid.points, labels.numpy())
    expected_occupied = np.zeros_like(grid.occupied)
    for frame in labels.labeled_frames:
        tracked = [i for i in frame.instances if i.track is not None]
        for instance in tracked:
            place = (frame.frame_idx, labels.tracks.index(instance.track))
            expected_occupied[place] = True
            assert _grid_entry(grid, place) == _instance_entry(instance, n_nodes)
        untracked = sorted(_instance_entry(i, n_nodes) for i in frame.instances if i.track is None)
        expected_occupied[frame.frame_idx, n_tracks : n_tracks + len(untracked)] = True
        held = sorted(_grid_entry(grid, (frame.frame_idx, s)) for s in range(n_tracks, n_tracks + len(untracked)))
        assert held == untracked
    np.testing.assert_array_equal(grid.occupied, expected_occupied)
    assert np.isnan(grid.score[~grid.occupied]).all() and not grid.predicted[~grid.occupied].any()


def test_grid_keeps_the_user_instance_where_a_prediction_shares_its_place():
    skeleton, track = Skeleton(["a"]), Track("mouse")
    frame = LabeledFrame(
        Video("v.mp4"),
        3,
        [
            PredictedInstance([[1.0, 1.0]], skeleton, track=track, score=0.9, point_scores=[0.8]),
            Instance([[2.0, 2.0]], skeleton, track=track),
        ],
    )
    grid = Labels([frame]).grid()
    assert grid.points.shape == (4, 1, 1, 2) and grid.occupied.tolist() == [[False], [False], [False], [True]]
    assert grid.points[3, 0, 0].tolist() == [2.0, 2.0] and not grid.predicted[3, 0] and np.isnan(grid.score[3, 0])


def test_grid_over_the_memory_budget_is_refused_before_allocating():
    frame = LabeledFrame(Video("v.mp4"), 10**9, [Instance([[1.0, 1.0]], Skeleton(["a"]))])
    with pytest.raises(poseio.InvalidLabelsError, match=r"labels\.grid\(\)"):
        Labels([frame]).grid()


@given(values=arrays(np.int64, st.integers(0, 40), elements=st.integers(-5, 300)))
def test_distinct_values_of_a_column_are_numpys_unique(values):
    from poseio._model._table import distinct

    np.testing.assert_array_equal(distinct(values), np.unique(values))
