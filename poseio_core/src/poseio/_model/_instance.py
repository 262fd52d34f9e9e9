"""Instances (one animal's pose in one frame) and the frames that hold them."""

from __future__ import annotations

import attrs
import numpy as np

from poseio._errors import InvalidLabelsError
from poseio._model._skeleton import Skeleton
from poseio._model._video import Track, Video


def _points_array(value: object) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


@attrs.define(eq=False)
class Instance:
    """A user-labelled pose: one point per skeleton node.

    Attributes:
        points: ``(n_nodes, D)`` float array, D = 2 or 3; NaN where a node is not visible.
        skeleton: The skeleton the points follow.
        track: The animal's identity, or ``None`` when untracked.
    """

    points: np.ndarray = attrs.field(converter=_points_array)
    skeleton: Skeleton
    track: Track | None = None

    def __attrs_post_init__(self) -> None:
        if self.points.ndim != 2 or self.points.shape[1] not in (2, 3):
            raise InvalidLabelsError(f"instance points must be (n_nodes, 2 or 3), got shape {self.points.shape}")
        if self.points.shape[0] != len(self.skeleton):
            raise InvalidLabelsError(
                f"instance has {self.points.shape[0]} points but skeleton {self.skeleton.name!r} "
                f"has {len(self.skeleton)} nodes"
            )

    def numpy(self) -> np.ndarray:
        """The ``(n_nodes, D)`` points, NaN where a node is not visible."""
        return self.points

    @property
    def visible(self) -> np.ndarray:
        """``(n_nodes,)`` bool: which nodes have a position."""
        return np.isfinite(self.points[:, :2]).all(axis=1)

    @property
    def n_visible(self) -> int:
        """How many nodes are visible."""
        return int(self.visible.sum())


@attrs.define(eq=False)
class PredictedInstance(Instance):
    """A pose predicted by a model, with its confidences.

    Attributes:
        score: The instance's confidence.
        point_scores: ``(n_nodes,)`` confidence of every point (NaN when unknown).
        tracking_score: The tracker's confidence in the track assignment.
    """

    score: float = float("nan")
    point_scores: np.ndarray | None = None
    tracking_score: float = float("nan")

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if self.point_scores is None:
            self.point_scores = np.full(len(self.skeleton), np.nan)
        self.point_scores = np.asarray(self.point_scores, dtype=np.float64)
        if self.point_scores.shape != (len(self.skeleton),):
            raise InvalidLabelsError(
                f"point_scores must have shape ({len(self.skeleton)},), got {self.point_scores.shape}"
            )


@attrs.define(eq=False)
class LabeledFrame:
    """The instances found in one frame of one video."""

    video: Video
    frame_idx: int = attrs.field(converter=int)
    instances: list[Instance] = attrs.field(factory=list)

    @property
    def user_instances(self) -> list[Instance]:
        """The instances a person placed."""
        return [i for i in self.instances if not isinstance(i, PredictedInstance)]

    @property
    def predicted_instances(self) -> list[PredictedInstance]:
        """The instances a model predicted."""
        return [i for i in self.instances if isinstance(i, PredictedInstance)]

    def __len__(self) -> int:
        return len(self.instances)

    def __iter__(self):
        return iter(self.instances)

    def __getitem__(self, index: int) -> Instance:
        return self.instances[index]
