"""Hypothesis strategies that generate Labels."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from poseio._model._instance import Instance, LabeledFrame, PredictedInstance
from poseio._model._labels import Labels
from poseio._model._skeleton import Skeleton
from poseio._model._video import Track, Video

_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
# Track names are free text typed by users: path separators, "#", "%", spaces and
# non-ASCII letters all occur, and formats that put names into keys must keep them.
_track_names = st.text(alphabet="ab z/#%_-1é", min_size=1, max_size=6)
_coordinate = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, width=32)


@st.composite
def labels_strategy(
    draw,
    *,
    max_frames: int = 6,
    max_nodes: int = 5,
    max_tracks: int = 3,
    ndim: int | None = 2,
    user: bool = True,
    predicted: bool = True,
    untracked: bool = True,
    max_videos: int = 2,
    max_untracked: int = 3,
) -> Labels:
    """Labels with random videos, skeletons, tracks, gaps and missing nodes.

    Every frame has at least one instance and every instance at least one
    visible node (formats cannot store an empty pose). At most one instance per
    (frame, track), since tracks identify one animal; with ``untracked``, a frame
    may also hold up to ``max_untracked`` instances of no track (a crowd a
    tracker has not yet told apart), which a writer must keep apart.
    """
    n_nodes = draw(st.integers(1, max_nodes))
    nodes = draw(st.lists(_names, min_size=n_nodes, max_size=n_nodes, unique=True))
    edges = draw(st.lists(st.tuples(st.integers(0, n_nodes - 1), st.integers(0, n_nodes - 1)), max_size=3))
    edges = list(dict.fromkeys((a, b) for a, b in edges if a != b))
    symmetries = [(0, 1)] if n_nodes >= 2 and draw(st.booleans()) else []
    skeleton = Skeleton(nodes, edges=edges, symmetries=symmetries, name=draw(_names))
    dims = ndim or draw(st.sampled_from([2, 3]))
    n_tracks = draw(st.integers(0, max_tracks))
    tracks = [Track(name) for name in draw(st.lists(_track_names, min_size=n_tracks, max_size=n_tracks, unique=True))]
    videos = [
        Video(f"/data/video_{i}.mp4", fps=draw(st.sampled_from([10.0, 25.0, 30.0])), shape=(1000, 64, 80, 1))
        for i in range(draw(st.integers(1, max_videos)))
    ]
    kinds = [k for k, ok in (("user", user), ("predicted", predicted)) if ok]
    frames = []
    for video in videos:
        frame_inds = draw(st.lists(st.integers(0, 999), min_size=1, max_size=max_frames, unique=True))
        for frame_idx in sorted(frame_inds):
            instances = []
            n_untracked = draw(st.integers(1, max(1, max_untracked))) if untracked or not tracks else 0
            slots = [*tracks, *([None] * n_untracked)]
            chosen = draw(st.lists(st.integers(0, len(slots) - 1), min_size=1, max_size=len(slots), unique=True))
            for track in (slots[i] for i in sorted(chosen)):
                kind = draw(st.sampled_from(kinds))
                points = np.array(
                    draw(st.lists(_coordinate, min_size=n_nodes * dims, max_size=n_nodes * dims)), dtype=np.float64
                ).reshape(n_nodes, dims)
                hidden = draw(st.lists(st.booleans(), min_size=n_nodes, max_size=n_nodes))
                hidden[draw(st.integers(0, n_nodes - 1))] = False
                points[np.array(hidden)] = np.nan
                if kind == "user":
                    instances.append(Instance(points, skeleton, track))
                else:
                    scores = np.array(draw(st.lists(st.floats(0, 1, width=32), min_size=n_nodes, max_size=n_nodes)))
                    instances.append(
                        PredictedInstance(
                            points,
                            skeleton,
                            track,
                            score=draw(st.floats(0, 1, width=32)),
                            point_scores=scores,
                            tracking_score=draw(st.floats(0, 1, width=32)),
                        )
                    )
            frames.append(LabeledFrame(video, frame_idx, instances))
    return Labels(frames, videos=videos, skeletons=[skeleton], tracks=tracks)
