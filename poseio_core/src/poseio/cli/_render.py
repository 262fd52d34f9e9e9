"""``poseio render IN OUT.mp4``: the poses drawn over their video's frames, written as H.264 with PyAV.

Frames come from the frames API (``video[i]``: a media file, image files, or
the images the pose file holds), with its rules: a video is opened only within
the pose file's folder unless ``--allow-external``. Where a frame has no image
(the video is absent, or a package holds only its labelled frames), the poses
are drawn on a black canvas with each track's recent trajectory, so the
output always has one frame per frame asked for.

Drawing uses Pillow's ``ImageDraw`` (no matplotlib); PyAV encodes.
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import click
import numpy as np

from poseio._errors import MissingDependencyError, PoseioError, ReadError, WriteError
from poseio._frames._reader import NoImageError
from poseio._model._labels import Labels
from poseio._model._video import Video
from poseio.cli._main import SOURCE, _load, _reading_options, cli

#: One colour per track (then per untracked instance of a frame), in order: distinct on dark and light frames.
PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
)
#: The containers an H.264 stream is written in, by ending.
ENDINGS = (".mp4", ".mkv", ".mov")
#: How many frames of each track's trajectory are drawn where a frame has no image.
TRAIL = 30
#: The largest side of a frame drawn (H.264's levels go to 8192 x 4320; a crafted file may declare any size).
MAX_SIDE = 8192


def render_labels(
    labels: Labels,
    output: Path,
    *,
    video: str | None = None,
    frames: tuple[int | None, int | None] = (None, None),
    point_size: float = 3.0,
    fps: float | None = None,
    only_labelled: bool = False,
    allow_external: bool = False,
    progress: bool = True,
) -> str:
    """Write ``output``: one frame per frame of the range, poses drawn; returns what was drawn.

    Args:
        labels: The poses (as loaded: a video is opened within its pose file's folder).
        output: The video to write (``.mp4``, ``.mkv`` or ``.mov``), H.264.
        video: Which video: its index in ``labels.videos`` or its file name; the
            first by default.
        frames: ``(start, stop)``, stop excluded; ``None`` ends default to the
            first frame with poses and one past the last (``stop`` ``None`` with a
            ``start`` given: the video's end when known).
        point_size: The radius of each point, in pixels.
        fps: The frame rate written; by default the video's (as the pose file or the video file says), else 30.
        only_labelled: Render only the frames of the range that hold poses
            (a labelling project's few frames, rather than the video between them).
        allow_external: Open the video wherever the pose file says it is.
        progress: Show a progress bar on stderr.
    """
    if output.suffix.lower() not in ENDINGS:
        raise click.BadParameter(
            f"{output.name}: the output is an H.264 video; name it with {', '.join(ENDINGS)}", param_hint="OUTPUT"
        )
    if not output.parent.is_dir():
        raise click.BadParameter(f"{output.parent} is not a folder; create it first", param_hint="OUTPUT")
    try:
        import av
    except ImportError as exc:
        raise MissingDependencyError('poseio render needs PyAV: pip install "poseio[frames]"', name="av") from exc
    try:
        import PIL.Image  # noqa: F401 - said before any frame is drawn
    except ImportError as exc:
        raise MissingDependencyError('poseio render needs Pillow: pip install "poseio[frames]"', name="PIL") from exc
    if not point_size > 0:
        raise click.BadParameter(
            f"{point_size} is not a size; give a radius in pixels, such as 3", param_hint="--point-size"
        )
    index = _chosen_video(labels, video)
    chosen = labels.videos[index]
    _refuse_overwriting_inputs(output, chosen)
    poses = _Poses(labels, index)
    reader, why = _open(chosen, allow_external)
    try:
        start, stop = _frame_range(frames, poses, chosen, reader)
        numbers: range | list[int] = range(start, stop)
        if only_labelled:
            numbers = [int(f) for f in np.unique(poses.frame_idx) if start <= f < stop]
            if not numbers:
                raise click.BadParameter(f"no frame from {start} to {stop - 1} holds poses", param_hint="--frames")
        height, width = _canvas_size(chosen, reader, poses, start, stop)
        rate = fps or chosen.fps or (reader.fps if reader is not None else None) or 30.0
        drawn = _encode(av, output, reader, poses, numbers, (height, width), rate, point_size, progress)
    finally:
        if reader is not None:
            reader.close()
    total = len(numbers)
    which = "the frames with poses" if only_labelled else "frames"
    summary = (
        f"{total} frame{'s' * (total != 1)} of {chosen.filename} ({which} from {start} to {stop - 1}) at {rate:g} fps: "
    )
    if drawn == total:
        return summary + "poses over the video's frames"
    blank = f"{total - drawn} on a black canvas with trajectories ({why or 'the video has no image of them'})"
    hint = ""
    if not only_labelled and len(np.unique(poses.frame_idx)) < total / 2:
        hint = "; --only-labelled renders only the frames with poses"
    return summary + (f"{drawn} over the video's frames, {blank}" if drawn else blank) + hint


class _Poses:
    """One video's instances by frame: points, edges and colour of each."""

    def __init__(self, labels: Labels, index: int) -> None:
        table = labels.to_table()
        rows = np.flatnonzero(table.video == index)
        self.frame_idx = table.frame_idx[rows]
        self.track = table.track[rows]
        self.points = table.points[rows, :, :2]
        self.edges = [np.asarray(s.edge_inds, dtype=np.int64).reshape(-1, 2) for s in labels.skeletons]
        self.skeleton = table.skeleton[rows]
        order = np.argsort(self.frame_idx, kind="stable")
        self.frame_idx, self.track, self.points, self.skeleton = (
            a[order] for a in (self.frame_idx, self.track, self.points, self.skeleton)
        )
        # Each track's centroid in every frame it is in, for the trajectories drawn without an image.
        with np.errstate(all="ignore"):
            centroid = np.nanmean(self.points, axis=1) if self.points.shape[1] else np.zeros((len(rows), 2))
        self.trails = {
            int(t): (self.frame_idx[self.track == t], centroid[self.track == t])
            for t in np.unique(self.track[self.track >= 0])
        }

    def __len__(self) -> int:
        return len(self.frame_idx)

    def at(self, frame: int) -> range:
        """The rows of the instances in ``frame``."""
        return range(
            int(np.searchsorted(self.frame_idx, frame, "left")), int(np.searchsorted(self.frame_idx, frame, "right"))
        )

    def colour(self, row: int, nth: int) -> tuple[int, int, int]:
        """A tracked instance's track colour; an untracked one's by its order in the frame."""
        track = int(self.track[row])
        return PALETTE[(track if track >= 0 else nth) % len(PALETTE)]

    def extent(self) -> tuple[float, float]:
        """The largest x and y of any point (0 when there is none)."""
        finite = self.points[np.isfinite(self.points).all(axis=2)]
        return (float(finite[:, 0].max()), float(finite[:, 1].max())) if len(finite) else (0.0, 0.0)


def _chosen_video(labels: Labels, video: str | None) -> int:
    if not labels.videos:
        raise PoseioError("the file names no video, so there are no frames to render")
    if video is None:
        return 0
    listed = ", ".join(f"{i}: {v.filename}" for i, v in enumerate(labels.videos))
    if video.isdigit():
        if int(video) < len(labels.videos):
            return int(video)
        raise click.BadParameter(f"there is no video {video}; the file's videos are {listed}", param_hint="--video")
    for i, v in enumerate(labels.videos):
        if video in (v.filename, Path(v.filename).name):
            return i
    raise click.BadParameter(f"no video is called {video!r}; the file's videos are {listed}", param_hint="--video")


def _refuse_overwriting_inputs(output: Path, video: Video) -> None:
    """Refuse an output that is the pose file or the video it draws over: rendering would replace it."""
    pose_file = video._pose_file
    inputs = [pose_file] if pose_file is not None else []
    named = Path(video.filename)
    inputs.append(named if named.is_absolute() or pose_file is None else pose_file.parent / named)
    for path in inputs:
        try:
            same = output.exists() and path.exists() and os.path.samefile(output, path)
        except OSError:
            same = False
        if same:
            raise click.BadParameter(
                f"{output} is {'the pose file' if path == pose_file else 'the video'} being drawn; name another file",
                param_hint="OUTPUT",
            )


def _open(video: Video, allow_external: bool) -> tuple[Any, str]:
    """The video's frame reader, or ``None`` and why not (the poses are then drawn on a canvas)."""
    try:
        return video.open(allow_external=allow_external), ""
    except (ReadError, MissingDependencyError) as exc:
        return None, str(exc).splitlines()[0]


def _frame_range(frames: tuple[int | None, int | None], poses: _Poses, video: Video, reader: Any) -> tuple[int, int]:
    start, stop = frames
    if start is None and not len(poses):
        raise click.BadParameter(
            f"video {video.filename} has no poses; give the frames to render (--frames 0:100) or another --video",
            param_hint="--video",
        )
    if start is None:
        start = int(poses.frame_idx[0])
    if stop is None and frames[0] is not None:  # START: runs to the video's end, where it is known
        stop = int(video.shape[0]) if video.shape and video.shape[0] else len(reader) if reader is not None else None
    if stop is None:
        stop = int(poses.frame_idx[-1]) + 1 if len(poses) else start + 1
    if stop <= start:
        raise click.BadParameter(f"{start}:{stop} selects no frame (STOP is excluded)", param_hint="--frames")
    return start, stop


def _canvas_size(video: Video, reader: Any, poses: _Poses, start: int, stop: int) -> tuple[int, int]:
    """``(height, width)`` of the output: the first frame's that has an image, else the video's, else the poses'."""
    image = None
    for frame in [start, *(int(f) for f in np.unique(poses.frame_idx) if start <= f < stop)][:20]:
        image = _image(reader, frame)
        if image is not None:
            break
    if image is not None:
        height, width = image.shape[:2]
    elif video.shape and len(video.shape) >= 3 and video.shape[1] and video.shape[2]:
        height, width = int(video.shape[1]), int(video.shape[2])
    else:
        x, y = poses.extent()
        height, width = max(64, int(np.ceil(y)) + 16), max(64, int(np.ceil(x)) + 16)
    if max(height, width) > MAX_SIDE:
        source = (
            "the video has"
            if image is not None
            else "the video declares"
            if video.shape and video.shape[1]
            else "the poses reach"
        )
        raise PoseioError(
            f"{source} a frame of {width} x {height} pixels; poseio renders frames of at most {MAX_SIDE} pixels a "
            "side. Check the coordinates (are they in pixels?) or the video"
        )
    return height + height % 2, width + width % 2  # H.264 in 4:2:0 needs even sides


def _image(reader: Any, frame: int) -> np.ndarray | None:
    """Frame ``frame`` of the video, or ``None`` where it has no image."""
    if reader is None:
        return None
    try:
        return reader[frame]
    except (IndexError, NoImageError):  # past the video's end, or a frame the file holds no image of
        return None


def _encode(
    av: Any,
    output: Path,
    reader: Any,
    poses: _Poses,
    frames: range | list[int],
    size: tuple[int, int],
    rate: float,
    point_size: float,
    progress: bool,
) -> int:
    """Draw and encode every frame into a file beside ``output``, moved onto it at the end; frames with an image."""
    from tqdm import tqdm

    temporary = output.with_name(f".{output.name}.poseio-tmp{output.suffix}")
    drawn = 0
    try:
        with av.open(str(temporary), "w") as container:
            stream = container.add_stream(
                "libx264", rate=Fraction(rate).limit_denominator(1001), options={"crf": "18", "preset": "veryfast"}
            )
            stream.height, stream.width = size
            stream.pix_fmt = "yuv420p"
            with tqdm(total=len(frames), desc="rendering", unit="frame", file=sys.stderr, disable=not progress) as bar:
                for frame in frames:
                    image = _image(reader, frame)
                    drawn += image is not None
                    canvas = _draw(image, poses, frame, size, point_size)
                    for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                        container.mux(packet)
                    bar.update()
            for packet in stream.encode():
                container.mux(packet)
        os.replace(temporary, output)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, PoseioError):
            raise
        raise WriteError(f"{output}: the video cannot be written ({exc})", path=output) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return drawn


def _draw(image: np.ndarray | None, poses: _Poses, frame: int, size: tuple[int, int], point_size: float) -> np.ndarray:
    """One output frame: the image (or black, with trajectories) and the frame's poses drawn over it."""
    import PIL.Image
    import PIL.ImageDraw

    canvas = np.zeros((*size, 3), dtype=np.uint8)
    if image is not None:
        h, w = min(size[0], image.shape[0]), min(size[1], image.shape[1])
        canvas[:h, :w] = image[:h, :w, :3] if image.shape[2] >= 3 else image[:h, :w, :1]
    picture = PIL.Image.fromarray(canvas)
    draw = PIL.ImageDraw.Draw(picture)
    width = max(1, round(point_size / 2))
    if image is None:
        for track, (numbers, centroids) in poses.trails.items():
            # numbers are sorted: the last TRAIL frames' rows are found without a pass over all of them.
            lo, hi = np.searchsorted(numbers, [frame - TRAIL, frame], side="right")
            recent = centroids[lo:hi]
            recent = recent[np.isfinite(recent).all(axis=1)]
            if len(recent) > 1:
                faded = tuple(c // 2 for c in PALETTE[track % len(PALETTE)])
                draw.line([tuple(p) for p in recent.tolist()], fill=faded, width=width)
    r = point_size
    for nth, row in enumerate(poses.at(frame)):
        colour = poses.colour(row, nth)
        points = poses.points[row]
        for a, b in poses.edges[poses.skeleton[row]]:
            if a < len(points) and b < len(points) and np.isfinite(points[[a, b]]).all():
                draw.line([tuple(points[a]), tuple(points[b])], fill=colour, width=width)
        for x, y in points[np.isfinite(points).all(axis=1)].tolist():
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    return np.asarray(picture)


def _parse_frames(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int | None, int | None]:
    if value is None:
        return None, None
    first, colon, last = value.partition(":")
    try:
        start = int(first) if first.strip() else 0
        stop = int(last) if last.strip() else None
        if not colon:
            stop = start + 1
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give START:STOP (STOP excluded), START: or one frame", param_hint="--frames"
        ) from None
    if start < 0 or (stop is not None and stop < 0):
        raise click.BadParameter(f"{value!r}: frames count from 0", param_hint="--frames")
    return start, stop


@cli.command()
@click.argument("file", type=SOURCE)
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--video", default=None, help="Which video: its number (from 0, as `poseio info` lists) or file name.")
@click.option(
    "--frames",
    callback=_parse_frames,
    metavar="START:STOP",
    help="The frames to render, STOP excluded (100:200, 100:, or one frame). Default: first to last frame with poses.",
)
@click.option(
    "--point-size",
    type=click.FloatRange(min=0, min_open=True),
    default=3.0,
    show_default=True,
    help="Radius of each point, in pixels.",
)
@click.option(
    "--fps",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Frame rate written (default: the video's, else 30).",
)
@click.option("--only-labelled", is_flag=True, help="Render only the frames that hold poses.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_reading_options
def render(
    file: Path | str,
    output: Path,
    video: str | None,
    frames: tuple[int | None, int | None],
    point_size: float,
    fps: float | None,
    only_labelled: bool,
    quiet: bool,
    **reading: Any,
) -> None:
    """Draw FILE's poses over their video's frames into OUTPUT (H.264: .mp4, .mkv or .mov).

    Frames come from the video FILE names (opened only in FILE's folder or
    below unless --allow-external) or from the images FILE holds (a SLEAP
    package, NWB training images); a frame without an image is drawn on a
    black canvas with each track's recent trajectory.
    """
    labels = _load(file, **reading)
    what = render_labels(
        labels,
        output,
        video=video,
        frames=frames,
        point_size=point_size,
        fps=fps,
        only_labelled=only_labelled,
        allow_external=reading["allow_external"],
        progress=not quiet,
    )
    click.echo(f"wrote {output}: {what}")
