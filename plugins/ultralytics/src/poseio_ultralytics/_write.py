"""Writing Labels as an Ultralytics pose dataset: ``data.yaml``, and per split ``images/`` and ``labels/``.

An Ultralytics dataset holds its images, so the writer takes every frame's
pixels from its video (``video[i]``: a media file or the images a dataset or
a DeepLabCut project holds) and saves them with Pillow; a frame that cannot be
read stops the write with the fix. One class per skeleton (they must share a
keypoint count: ``kpt_shape`` is one), one label line per instance, with
visibility 2 for a point and 0, at (0, 0), for a missing node. What Ultralytics
has no key for is written under keys it ignores: sleap-io's ``node_names`` and
``skeleton`` (the edges), ``kpt_names`` when the classes' node names differ,
and ``poseio_videos``, the video and frame each image came from.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, refuse_unknown, say_option

from poseio_ultralytics._config import SPLITS, VIDEOS_KEY
from poseio_ultralytics._plugin import WRITE_OPTIONS
from poseio_ultralytics._sniff import ENTRY, FORMAT

#: The split written when the labels carry none (sleap-io's default too).
DEFAULT_SPLIT = {"train": 0.8, "val": 0.2}
#: Frames read from a video at a time: a list is read in one pass, but every frame of it is held in memory.
CHUNK = 32
#: Pixels the box of an instance reaches beyond its outermost points.
BOX_MARGIN = 10.0


def _dimensions(table: poseio.PoseTable) -> bool:
    return table.ndim == 3 and bool(np.isfinite(table.points[..., 2]).any())


def write_claim(labels: poseio.Labels, options: dict[str, Any] | None = None) -> poseio.Claim:
    """How well an Ultralytics dataset suits the labels, and what it would lose of them."""
    table = labels.to_table()
    if _dimensions(table):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "3D points; Ultralytics keypoints are 2D")
    losses = []
    tracked = int((table.track != poseio.NO_TRACK).sum())
    if tracked:
        losses.append(f"the tracks of {tracked} instances (a label line has no identity)")
    predicted = int(table.predicted.sum())
    if predicted:
        losses.append(f"the user/predicted flag and scores: {predicted} predictions would read back as user labels")
    differ = [
        s.name for s in labels.skeletons[1:] if labels.skeletons and _shape_of(s) != _shape_of(labels.skeletons[0])
    ]
    if differ:
        losses.append(f"the edges and symmetries of skeletons {differ}, which differ from the first one's")
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(
            FORMAT, poseio.TYPED_MATCH, "the labels were read from an Ultralytics dataset", losses=losses
        )
    return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, "2D poses fit an Ultralytics pose dataset", losses=losses)


def _shape_of(skeleton: poseio.Skeleton) -> tuple:
    return (sorted(skeleton.edge_inds), sorted(tuple(sorted(p)) for p in skeleton.symmetry_inds))


def _ratios(value: Any) -> dict[str, float] | None:
    """``split=``: ``None`` (keep, else 80/20), ``"keep"``, or ratios as a mapping or ``"train=0.8,val=0.2"``."""
    if value is None or value == "keep":
        return None
    if isinstance(value, str):
        try:
            value = {k.strip(): float(v) for k, v in (part.split("=") for part in value.split(",") if part.strip())}
        except ValueError:
            value = None
    ok = isinstance(value, dict) and value and all(k in SPLITS for k in value)
    ok = ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in value.values())
    if not ok or not np.isclose(sum(value.values()), 1.0):
        raise poseio.InvalidOptionError(
            f"split= must be 'keep' or ratios of the splits {list(SPLITS)} that add up to 1, such as "
            f"{{'train': 0.8, 'val': 0.2}} or 'train=0.8,val=0.2'; not {value!r}",
            format=FORMAT,
        )
    return {k: float(v) for k, v in value.items()}


def _assign(frames: list[tuple[int, int]], labels: poseio.Labels, ratios: dict[str, float] | None, keep: bool):
    """The split of every (video, frame): kept from the videos' metadata, or cut in order by the ratios."""
    if ratios is None:
        kept = {}
        for v, frame in frames:
            split = labels.videos[v].metadata.get("splits", {}).get(frame)
            if split in SPLITS:
                kept[(v, frame)] = split
        if len(kept) == len(frames):
            return kept, sorted(set(kept.values()), key=SPLITS.index) or list(DEFAULT_SPLIT)
        if keep:
            raise poseio.InvalidOptionError(
                f"split='keep', but {len(frames) - len(kept)} frames come from no split of an Ultralytics dataset; "
                f"pass ratios, such as {say_option('split', 'train=0.8,val=0.2')}",
                format=FORMAT,
            )
        ratios = DEFAULT_SPLIT
    # In order, not shuffled: neighbouring frames of a video are nearly alike, and should not be on both sides.
    bounds = np.round(np.cumsum(list(ratios.values())) * len(frames)).astype(int)
    starts = [0, *bounds[:-1].tolist()]
    chosen = {}
    for split, start, stop in zip(ratios, starts, bounds.tolist()):
        chosen.update({key: split for key in frames[start:stop]})
    return chosen, list(ratios)


def _stems(videos: list[poseio.Video]) -> list[str]:
    """A name per video for the images poseio names, distinct across videos."""
    stems: list[str] = []
    for i, video in enumerate(videos):
        stem = PurePosixPath(video.filename.replace("\\", "/")).stem or f"video_{i}"
        stems.append(f"{stem}_{i}" if stem in stems else stem)
    return stems


def _image_names(frames, labels, splits, extension: str) -> dict[tuple[int, int], str]:
    """The file of every frame: its image's own name when it came from images, else ``<video>_<frame>``."""
    stems, taken, names = _stems(labels.videos), set(), {}
    for v, frame in frames:
        own = labels.videos[v].metadata.get("images", {}).get(frame)
        split = splits[(v, frame)]
        candidates = [f"{stems[v]}_{frame:06d}", f"{stems[v]}_{v}_{frame:06d}"]
        if isinstance(own, str):
            candidates.insert(0, PurePosixPath(own.replace("\\", "/")).stem)
        paths = [f"{split}/images/{c}{extension}" for c in candidates]
        name = next((p for p in paths if p not in taken), None)
        count = 0
        while name is None or name in taken:  # every candidate taken by images named so: number it
            name, count = f"{split}/images/{stems[v]}_{frame:06d}_{count}{extension}", count + 1
        taken.add(name)
        names[(v, frame)] = name
    return names


def _pixels(video: poseio.Video, frames: list[int], blank: bool, allow_external: bool, path: Path) -> Iterator:
    """``(frame, image array)`` of the frames, read a few at a time; blank images of the video's size if asked."""
    if blank:
        shape = video.shape or ()
        if len(shape) < 3 or not shape[1] or not shape[2]:
            raise poseio.WriteError(
                f"{path}: frames='blank' needs each video's size, and {video.filename} has none; "
                "give the video's shape (n_frames, height, width, channels)",
                path=path,
            )
        image = np.zeros((shape[1], shape[2], 3 if len(shape) < 4 or shape[3] != 1 else 1), dtype=np.uint8)
        for frame in frames:
            yield frame, image
        return
    try:
        with video.open(allow_external=allow_external) as reader:
            for start in range(0, len(frames), CHUNK):
                chunk = frames[start : start + CHUNK]
                yield from zip(chunk, reader[chunk])
    except poseio.PoseioError as exc:
        if isinstance(exc, poseio.WriteError):
            raise
        raise poseio.WriteError(
            f"{path}: an Ultralytics dataset holds the image of every labelled frame, but the frames of "
            f"{video.filename} cannot be read ({exc}). Put the video (or its images) where the labels name it "
            f"(labels.videos[i].filename), pass {say_option('allow_external', True)} if it lies outside the "
            f"labels' folder, or {say_option('frames', 'blank')} to write blank images of the video's size "
            "(the labels alone; nothing to train on)",
            path=path,
        ) from exc


def _save_image(array: np.ndarray, file: Path, extension: str) -> tuple[int, int]:
    import PIL.Image

    array = array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array
    image = PIL.Image.fromarray(np.ascontiguousarray(array))
    if extension == ".jpg":
        image.convert("RGB" if array.ndim == 3 else "L").save(file, format="JPEG", quality=95)
    else:
        image.save(file, format="PNG")
    return image.size


def _number(value: float) -> str:
    # The shortest text that reads back as the same float (x / width): a reader's fraction x width is then
    # the point to within a rounding of the last bit (the 6 decimals others write lose up to 5e-7 of the width).
    return repr(float(value))


def _line(skeleton: int, points: np.ndarray, width: int, height: int) -> tuple[str, int]:
    """One instance's label line, and how many of its points lie outside the image."""
    visible = np.isfinite(points).all(axis=1)
    scale = np.array([width, height], dtype=np.float64)
    fractions = points / scale
    if visible.any():
        # Around the points, BOX_MARGIN pixels wider on each side (a box through two points has no height),
        # within the image; as sleap-io draws it.
        low = np.clip(points[visible].min(axis=0) - BOX_MARGIN, 0, scale) / scale
        high = np.clip(points[visible].max(axis=0) + BOX_MARGIN, 0, scale) / scale
        box = [*((low + high) / 2), *(high - low)]
    else:
        box = [0.0, 0.0, 0.0, 0.0]
    values = [str(skeleton), *map(_number, box)]
    for (x, y), seen in zip(fractions, visible):
        values += [_number(x), _number(y), "2"] if seen else ["0", "0", "0"]
    outside = int((visible & ((fractions < 0) | (fractions > 1)).any(axis=1)).sum())
    return " ".join(values), outside


def _config(labels: poseio.Labels, splits: list[str], n_nodes: int) -> dict[str, Any]:
    first = labels.skeletons[0]
    flip = list(range(n_nodes))
    for a, b in first.symmetry_inds:
        flip[a], flip[b] = b, a
    config: dict[str, Any] = {"path": "."}
    config.update({split: f"{split}/images" for split in splits})
    config.update(
        kpt_shape=[n_nodes, 3],
        flip_idx=flip,
        names={i: s.name or f"skeleton_{i}" for i, s in enumerate(labels.skeletons)},
        node_names=list(first.node_names),
        skeleton=[[a, b] for a, b in first.edge_inds],
    )
    if any(s.node_names != first.node_names for s in labels.skeletons):
        config["kpt_names"] = {i: list(s.node_names) for i, s in enumerate(labels.skeletons)}
    return config


def _checked_labels(labels: poseio.Labels, path: Path, table: poseio.PoseTable) -> int:
    if not labels.skeletons:
        raise poseio.InvalidLabelsError(f"{path}: the labels have no skeleton, so there are no keypoints to write")
    if _dimensions(table):
        raise poseio.InvalidLabelsError(
            f"{path}: the poses have z coordinates; Ultralytics keypoints are 2D. Drop z or use another format"
        )
    counts = {len(s) for s in labels.skeletons}
    if len(counts) > 1:
        raise poseio.InvalidLabelsError(
            f"{path}: the skeletons have {sorted(counts)} nodes; an Ultralytics dataset has one kpt_shape for all "
            "classes. Write each skeleton's instances as a dataset of its own"
        )
    return counts.pop()


def write_dataset(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write an Ultralytics pose dataset into the new folder ``path`` (see ``docs/formats/ultralytics.md``)."""
    import yaml

    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    ratios = _ratios(options.get("split"))
    extension = "." + check_choice(options.get("image_format", "png"), ("png", "jpg"), FORMAT, option="image_format")
    blank = check_choice(options.get("frames", "read"), ("read", "blank"), FORMAT, option="frames") == "blank"
    allow_external = check_choice(options.get("allow_external", False), (False, True), FORMAT, option="allow_external")
    table = labels.to_table().sorted()
    n_nodes = _checked_labels(labels, path, table)

    # Every labelled frame, and every image a dataset-read video listed (background images come back too).
    frames = set(zip(table.video.tolist(), table.frame_idx.tolist()))
    for v, video in enumerate(labels.videos):
        listed = video.metadata.get("images")
        if video.metadata.get("splits") and isinstance(listed, dict):
            frames.update((v, int(f)) for f in listed)
    frames = sorted(frames)
    splits, split_names = _assign(frames, labels, ratios, keep=options.get("split") == "keep")
    names = _image_names(frames, labels, splits, extension)

    path.mkdir()
    for split in split_names:
        (path / split / "images").mkdir(parents=True)
        (path / split / "labels").mkdir()
    rows_of: dict[tuple[int, int], list[int]] = {}
    for row, key in enumerate(zip(table.video.tolist(), table.frame_idx.tolist())):
        rows_of.setdefault(key, []).append(row)
    outside = 0
    for v, video in enumerate(labels.videos):
        mine = [frame for w, frame in frames if w == v]
        for frame, array in _pixels(video, mine, blank, allow_external, path):
            name = names[(v, frame)]
            width, height = _save_image(array, path / name, extension)
            lines = []
            for row in rows_of.get((v, frame), []):
                skeleton = int(table.skeleton[row])
                line, out = _line(skeleton, table.points[row, :n_nodes, :2], width, height)
                lines.append(line)
                outside += out
            if lines:
                label = path / str(PurePosixPath(name.replace("/images/", "/labels/", 1)).with_suffix(".txt"))
                label.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if outside:
        warnings.warn(
            f"{outside} points lie outside their image; poseio reads them back, but Ultralytics skips the label "
            "files of those images (coordinates outside 0..1)",
            stacklevel=2,
        )
    config = _config(labels, split_names, n_nodes)
    config[VIDEOS_KEY] = [
        {
            "filename": video.filename,
            **({"fps": float(video.fps)} if video.fps else {}),
            "frames": {frame: names[(w, frame)] for w, frame in frames if w == v},
        }
        for v, video in enumerate(labels.videos)
        if any(w == v for w, _ in frames)
    ]
    with open(path / ENTRY, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)
