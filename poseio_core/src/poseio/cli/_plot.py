"""``poseio plot``: a picture a person can check at a glance."""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np

from poseio._errors import MissingDependencyError, PoseioError, ReadError
from poseio._model._labels import Labels
from poseio._model._video import Video


class PlotUnavailableError(PoseioError, RuntimeError):
    """matplotlib is not installed."""


def _video_frame(
    video: Video | str, index: int, *, beside: Path | None, allow_external: bool
) -> tuple[np.ndarray | None, str]:
    """Frame ``index`` of a video of the labels (or a video file's name), or ``None`` and why it was not drawn.

    Read as ``video[index]`` reads it: frame-accurate, from the images the pose
    file holds when it holds them (a SLEAP package, NWB training images), with
    the same outside-the-folder rules; ``beside`` is the pose file when the
    video does not know it.
    """
    if isinstance(video, str):
        video = Video(video)
    name = video.filename
    copy = attrs.evolve(video)  # the caller's video keeps no reader open
    copy._pose_file = video._pose_file or beside
    try:
        with copy.open(allow_external=allow_external) as reader:
            return reader[index], ""
    except MissingDependencyError:
        return None, f"video {name} not opened: PyAV is not installed (pip install av)"
    except IndexError:
        return None, f"video {name} has no frame {index}"
    except ReadError as exc:
        return None, str(exc)


def plot_labels(
    labels: Labels, output: Path, *, frame: int | None = None, source: Path | None = None, allow_external: bool = False
) -> str:
    """Write a PNG of the labels; returns what was drawn.

    Args:
        labels: What to draw.
        output: The PNG to write.
        frame: The frame to draw over; the first labelled one by default.
        source: The pose file the labels came from: a video is drawn under the
            poses only when it lies in that file's folder, unless ``allow_external``.
        allow_external: Open the video wherever the pose file says it is.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotUnavailableError("matplotlib is not installed; pip install 'poseio[plot]'") from exc
    if len(labels) == 0:
        raise PoseioError("there are no poses to plot")
    first = (
        labels.labeled_frames[0]
        if frame is None
        else next((f for f in labels.labeled_frames if f.frame_idx == frame), None)
    )
    if first is None:
        raise PoseioError(f"frame {frame} has no labels; pick a labelled frame")
    image, why = _video_frame(first.video, first.frame_idx, beside=source, allow_external=allow_external)
    if image is not None:
        fig, ax = plt.subplots(figsize=(6, 6 * image.shape[0] / image.shape[1]))
        ax.imshow(image[:, :, 0] if image.shape[2] == 1 else image, cmap="gray")
        for k, instance in enumerate(first.instances):
            color = f"C{k % 10}"
            pts = instance.points
            for a, b in instance.skeleton.edge_inds:
                ax.plot(pts[[a, b], 0], pts[[a, b], 1], "-", color=color, lw=2)
            ax.plot(pts[:, 0], pts[:, 1], "o", color=color, ms=4)
        ax.set_title(f"{Path(first.video.filename).name}, frame {first.frame_idx}")
        ax.axis("off")
        what = f"skeletons over frame {first.frame_idx}"
    else:
        video = first.video
        points, scores = labels.numpy(video, return_scores=True, skeleton=first.instances[0].skeleton)
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
        names = [t.name for t in labels.tracks] + [
            f"untracked {i}" for i in range(points.shape[1] - len(labels.tracks))
        ]
        for k in range(points.shape[1]):
            centroid = np.nanmean(points[:, k, :, :2], axis=1) if np.isfinite(points[:, k]).any() else None
            if centroid is not None:
                left.plot(centroid[:, 0], centroid[:, 1], "-", lw=1, label=names[k])
        left.invert_yaxis()
        left.set_title("trajectories (mean of visible nodes)")
        left.set_xlabel("x")
        left.set_ylabel("y")
        if points.shape[1] <= 12:
            left.legend(fontsize="small")
        finite = scores[np.isfinite(scores)]
        if len(finite):
            right.hist(finite, bins=30)
            right.set_title("point confidences")
        else:
            right.text(0.5, 0.5, "no point confidences", ha="center", va="center")
            right.set_axis_off()
        what = f"trajectories and confidences; {why}"
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    plt.close(fig)
    return what
