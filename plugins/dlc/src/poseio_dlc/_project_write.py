"""Writing Labels as a DeepLabCut project that ``deeplabcut.create_training_dataset`` trains from.

The folder holds:

- ``config.yaml``: ``Task``, ``scorer``, ``date``, the bodyparts (``bodyparts``, or
  ``multianimalbodyparts``, ``uniquebodyparts`` and ``individuals``), ``skeleton``
  (the edges), ``video_sets`` (one entry per video, named after its labeled-data
  folder as DeepLabCut pairs them) and DeepLabCut's defaults for the rest.
- ``labeled-data/<video>/CollectedData_<scorer>.h5`` and ``.csv``: the user
  instances, indexed by ``(labeled-data, <video>, <image>)``, with the columns
  of every individual and bodypart of the config (DeepLabCut's layout), written
  by this plugin's table writers.
- ``labeled-data/<video>/<image>.png``: every labelled frame, read from the
  video with ``video[i]``. DeepLabCut trains from these images: when a video's
  frames cannot be read, the write is refused with what to do. ``images=False``
  writes the labels alone, reading no video, with a warning naming the images
  to put there before training.

Predictions are not labels: they are left out (``kind="predicted"`` writes them
as the labels instead).
"""

from __future__ import annotations

import datetime
import re
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, check_one_line, refuse_unknown, say_option

from poseio_dlc._columns import UNIQUE_INDIVIDUAL
from poseio_dlc._config import CONFIG, PROJECT
from poseio_dlc._options import PROJECT_WRITE_OPTIONS
from poseio_dlc._write import DEFAULT_KEY, Table, plan

PROJECT_KINDS = ("user", "predicted")
DEFAULT_SCORER = "poseio"
DEFAULT_TASK = "poseio"
LABELED_DATA = "labeled-data"
#: Frames read from a video at once (a list is read in one pass; this bounds the memory it takes).
FRAMES_AT_ONCE = 32
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_LAST_NUMBER = re.compile(r"(\d+)\D*$")


def check_project_options(options: dict[str, Any]) -> dict[str, Any]:
    """The project writer's options, checked, with their defaults.

    Raises:
        InvalidOptionError: An unknown option or an unfit value.
    """
    refuse_unknown(options, PROJECT_WRITE_OPTIONS, PROJECT, doing="write")
    checked = dict(options)
    for option in ("scorer", "task"):
        if options.get(option) is not None:
            value = check_one_line(options[option], PROJECT, option=option, example="Jane")
            if "/" in value or "\\" in value:
                raise poseio.InvalidOptionError(
                    f"{option}= is part of file names: no slashes, not {value!r}", format=PROJECT
                )
    checked["kind"] = check_choice(options.get("kind", "user"), PROJECT_KINDS, PROJECT, option="kind")
    images = options.get("images", True)
    if not isinstance(images, bool):
        raise poseio.InvalidOptionError(f"images= is True or False, not {images!r}", format=PROJECT)
    checked["images"] = images
    return checked


def project_claim(labels: poseio.Labels, options: dict[str, Any] | None = None) -> poseio.Claim:
    """How well a DeepLabCut project suits the labels, and what it would lose."""
    table = labels.to_table()
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        return poseio.Claim(PROJECT, poseio.NOT_MINE, "3D points; a DeepLabCut project's labels are 2D")
    kind = (options or {}).get("kind", "user")
    other = table.predicted if kind == "user" else ~table.predicted
    losses = []
    if other.any():
        which = "predicted" if kind == "user" else "user"
        losses.append(
            f"{int(other.sum())} {which} instances (a project holds one kind of labels; "
            f"{say_option('kind', 'predicted' if kind == 'user' else 'user')} writes those)"
        )
    if "dlc_project" in labels.provenance:
        return poseio.Claim(
            PROJECT, poseio.TYPED_MATCH, "the labels were read from a DeepLabCut project", losses=losses
        )
    return poseio.Claim(PROJECT, poseio.STRUCTURE_MATCH, "2D labelled frames fit a DeepLabCut project", losses=losses)


def write_project(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write a DeepLabCut project into the new folder ``path`` (see the module docstring).

    Raises:
        InvalidLabelsError: 3D points, or no instance of the kind written.
        WriteError: A video's frames cannot be read (and ``images=False`` was not given).
    """
    options = check_project_options(options)
    full = labels.to_table()
    kind = options["kind"]
    if full.ndim == 3 and np.isfinite(full.points[..., 2]).any():
        raise poseio.InvalidLabelsError(f"{path}: the points are 3D; a DeepLabCut project's labels are 2D")
    table = full.take(np.flatnonzero(full.predicted == (kind == "predicted")))
    if not len(table):
        other = "predicted" if kind == "user" else "user"
        hint = f"; {say_option('kind', other)} writes the {other} instances as labels" if len(full) else ""
        raise poseio.InvalidLabelsError(f"{path}: the labels hold no {kind} instances to write as labels{hint}")
    provenance = labels.provenance.get("dlc_project") or {}
    scorer = options.get("scorer") or provenance.get("scorer") or _person(labels) or DEFAULT_SCORER
    task = options.get("task") or provenance.get("task") or _task(labels)
    folders = _folders(labels, np.unique(table.video).tolist())
    images = _image_names(labels, table, folders)
    flat = _as_labels(labels, table, folders, images)
    dlc_table = plan(flat, {"scorer": scorer, "layout": "images"}, path)
    dlc_table = _full_grid(dlc_table, labels, table)
    path.mkdir()
    shapes = _write_images(labels, folders, images, path, options["images"])
    _write_tables(dlc_table, path, scorer)
    _write_config(dlc_table, labels, folders, shapes, path, scorer, task, provenance.get("date"))


def _person(labels: poseio.Labels) -> str | None:
    """The source's scorer when it is a person's name (a model's, DLC_..., labels no frames by hand)."""
    scorer = labels.provenance.get("scorer")
    if isinstance(scorer, str) and scorer and "DLC_" not in scorer and "/" not in scorer and "\n" not in scorer:
        return scorer
    return None


def _task(labels: poseio.Labels) -> str:
    names = [s.name for s in labels.skeletons if s.name and s.name != "uniquebodyparts"]
    return _safe(names[0]) if names else DEFAULT_TASK


def _safe(name: str) -> str:
    return _UNSAFE_NAME.sub("_", name).strip("._") or "video"


def _folders(labels: poseio.Labels, videos: list[int]) -> dict[int, str]:
    """The labeled-data folder of each video: the one it was read from, else its file's stem; distinct."""
    taken: set[str] = set()
    folders = {}
    for v in videos:
        video = labels.videos[v]
        # The folder it was read from (labeled-data/<name>), else its file's stem: DeepLabCut's pairing.
        known = PureWindowsPath(str(video.metadata.get("dlc_folder") or video.filename))
        name = _safe(known.name if video.metadata.get("dlc_folder") else known.stem or known.name)
        base, n = name, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.lower())
        folders[v] = name
    return folders


def _image_names(labels: poseio.Labels, table: poseio.PoseTable, folders: dict[int, str]) -> dict[int, dict[int, str]]:
    """``{video: {frame: image file name}}``: the names the frames were read with (as .png), else ``img<frame>.png``.

    Every labelled frame of the source is kept, those where no instance is written too (a frame
    labelled with nothing visible).
    """
    names: dict[int, dict[int, str]] = {}
    for v in folders:
        video = labels.videos[v]
        given = video.metadata.get("images")
        known = {int(f): str(n) for f, n in given.items()} if isinstance(given, dict) else {}
        # The frames in the order they were read (a project's rows stay in its order), then the others.
        frames = list(dict.fromkeys([*(int(f) for f in known), *sorted(table.frame_idx[table.video == v].tolist())]))
        length = len(str(max(frames))) if frames else 1
        width = max(length, len(str(int(video.shape[0]) - 1)) if video.shape and video.shape[0] else length)
        chosen: dict[int, str] = {}
        for frame in frames:
            stem = _safe(PurePosixPath(known[frame].replace("\\", "/")).stem) if frame in known else ""
            # The source's name only when it gives the frame back (its last number), as readers number images.
            number = _LAST_NUMBER.search(stem)
            same = number is not None and int(number.group(1)) == frame
            chosen[frame] = f"{stem}.png" if same else f"img{frame:0{width}d}.png"
        if len(set(chosen.values())) < len(chosen):  # two source names that become one .png
            chosen = {frame: f"img{frame:0{width}d}.png" for frame in frames}
        names[v] = chosen
    return names


def _as_labels(
    labels: poseio.Labels, table: poseio.PoseTable, folders: dict[int, str], images: dict[int, dict[int, str]]
) -> poseio.Labels:
    """The instances to write as user labels of videos that are labeled-data folders of images."""
    order = list(folders)
    videos = [
        poseio.Video(
            f"{LABELED_DATA}/{folders[v]}",
            metadata={"images": {f: f"{LABELED_DATA}/{folders[v]}/{n}" for f, n in images[v].items()}},
        )
        for v in order
    ]
    position = {v: i for i, v in enumerate(order)}
    user = poseio.PoseTable.build(
        table.points,
        video=np.array([position[v] for v in table.video.tolist()], dtype=np.int64),
        frame_idx=table.frame_idx,
        skeleton=table.skeleton,
        track=table.track,
        predicted=False,
    )
    # Three index levels (labeled-data, folder, image), as DeepLabCut >= 2.2 writes its labels.
    provenance = {"dlc": {"index_columns": 3}}
    return poseio.Labels.from_table(
        user, videos=videos, skeletons=labels.skeletons, tracks=labels.tracks, provenance=provenance
    )


def _full_grid(dlc_table: Table, labels: poseio.Labels, table: poseio.PoseTable) -> Table:
    """The table with every individual's columns for every animal bodypart, as DeepLabCut's config declares them.

    The planned table gives each individual the bodyparts of its own instances; DeepLabCut
    trains from individuals x multianimalbodyparts (then ``single`` x uniquebodyparts).
    """
    if len(dlc_table.levels) == 3:
        return dlc_table
    scorer = dlc_table.labels[0][0]
    individuals = list(dict.fromkeys(label[1] for label in dlc_table.labels))
    animals = [i for i in individuals if i != UNIQUE_INDIVIDUAL]
    parts = list(dict.fromkeys(label[2] for label in dlc_table.labels if label[1] != UNIQUE_INDIVIDUAL))
    unique = list(dict.fromkeys(label[2] for label in dlc_table.labels if label[1] == UNIQUE_INDIVIDUAL))
    grid = [(scorer, a, p, c) for a in animals for p in parts for c in ("x", "y")]
    grid += [(scorer, UNIQUE_INDIVIDUAL, p, c) for p in unique for c in ("x", "y")]
    where = {label: i for i, label in enumerate(dlc_table.labels)}
    block = np.full((len(dlc_table.block), len(grid)), np.nan)
    for i, label in enumerate(grid):
        if label in where:
            block[:, i] = dlc_table.block[:, where[label]]
    return Table(dlc_table.levels, grid, block, dlc_table.index, dlc_table.index_levels)


def _write_images(
    labels: poseio.Labels, folders: dict[int, str], images: dict[int, dict[int, str]], path: Path, wanted: bool
) -> dict[int, tuple[int, int]]:
    """Each labelled frame as a PNG in its folder; each video's (height, width) as read.

    Raises:
        WriteError: A video's frames cannot be read (the message says what to do).
    """
    for folder in folders.values():
        (path / LABELED_DATA / folder).mkdir(parents=True)
    if not wanted:
        listed = [f"{LABELED_DATA}/{folders[v]}/{name}" for v in folders for name in images[v].values()]
        shown = ", ".join(listed[:3]) + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")
        warnings.warn(
            f"{path.name}: the labelled images are not written ({say_option('images', False)}); DeepLabCut trains "
            f"from them: add {shown} before training",
            stacklevel=4,
        )
        return {}
    from PIL import Image

    shapes: dict[int, tuple[int, int]] = {}
    for v, folder in folders.items():
        video = labels.videos[v]
        frames = list(images[v])
        try:
            for start in range(0, len(frames), FRAMES_AT_ONCE):
                chunk = frames[start : start + FRAMES_AT_ONCE]
                pixels = video[chunk]
                for frame, image in zip(chunk, pixels):
                    array = image[..., 0] if image.shape[-1] == 1 else image
                    Image.fromarray(np.ascontiguousarray(array)).save(
                        path / LABELED_DATA / folder / images[v][frame], format="PNG"
                    )
                shapes[v] = (int(pixels.shape[1]), int(pixels.shape[2]))
        except poseio.PoseioError as exc:
            raise poseio.WriteError(
                f"{path.name}: the frames of video {video.filename!r} cannot be read ({exc}), and DeepLabCut trains "
                f"from the labelled images in {LABELED_DATA}/{folder}/. Put the video where the labels name it (or "
                f"load the labels with allow_external=True), or pass {say_option('images', False)} to write the "
                "labels alone",
                path=path,
            ) from exc
    return shapes


def _write_tables(dlc_table: Table, path: Path, scorer: str) -> None:
    """Each folder's rows as CollectedData_<scorer>.h5 and .csv, with the whole project's columns."""
    from poseio_dlc._hdf_write import write_fixed
    from poseio_dlc._write import write_csv

    parts = dlc_table.path_parts()
    folders = list(dict.fromkeys(p[1] for p in parts))
    for folder in folders:
        rows = np.array([i for i, p in enumerate(parts) if p[1] == folder], dtype=np.int64)
        sub = Table(dlc_table.levels, dlc_table.labels, dlc_table.block[rows], [dlc_table.index[i] for i in rows], 3)
        out = path / LABELED_DATA / folder
        out.mkdir(parents=True, exist_ok=True)
        write_fixed(sub, out / f"CollectedData_{scorer}.h5", DEFAULT_KEY)
        write_csv(sub, out / f"CollectedData_{scorer}.csv")


def _write_config(
    dlc_table: Table,
    labels: poseio.Labels,
    folders: dict[int, str],
    shapes: dict[int, tuple[int, int]],
    path: Path,
    scorer: str,
    task: str,
    date: str | None,
) -> None:
    import yaml

    multi = len(dlc_table.levels) == 4
    individuals = list(dict.fromkeys(label[1] for label in dlc_table.labels)) if multi else []
    animals = [i for i in individuals if i != UNIQUE_INDIVIDUAL]
    parts = list(dict.fromkeys(label[-2] for label in dlc_table.labels if not multi or label[1] != UNIQUE_INDIVIDUAL))
    unique = list(dict.fromkeys(label[2] for label in dlc_table.labels if multi and label[1] == UNIQUE_INDIVIDUAL))
    edges = []
    for skeleton in labels.skeletons:
        edges += [[e.source.name, e.destination.name] for e in skeleton.edges]
    edges = [e for e in dict.fromkeys(map(tuple, edges)) if all(n in parts or n in unique for n in e)]
    video_sets = {}
    for v, folder in folders.items():
        filename = labels.videos[v].filename
        # DeepLabCut pairs a video with labeled-data/<stem of its path>: the path keeps that stem.
        key = filename if PureWindowsPath(filename).stem == folder else f"videos/{folder}.mp4"
        crop = labels.videos[v].metadata.get("dlc_crop")
        if crop is None and v in shapes:
            crop = f"0, {shapes[v][1]}, 0, {shapes[v][0]}"
        video_sets[key] = {"crop": crop} if crop else {}
    config: dict[str, Any] = {
        "Task": task,
        "scorer": scorer,
        "date": date or datetime.date.today().strftime("%b%d"),
        "multianimalproject": multi,
        # DeepLabCut sets project_path to config.yaml's folder whenever it reads the config, wherever it is moved.
        "project_path": ".",
        "video_sets": video_sets,
    }
    if multi:
        config.update(
            identity=False,
            individuals=animals,
            uniquebodyparts=unique,
            multianimalbodyparts=parts,
            bodyparts="MULTI!",
        )
    else:
        config["bodyparts"] = parts
    config.update(
        start=0,
        stop=1,
        numframes2pick=20,
        skeleton=[list(e) for e in edges],
        skeleton_color="black",
        pcutoff=0.6,
        dotsize=12,
        alphavalue=0.7,
        colormap="rainbow",
        TrainingFraction=[0.95],
        iteration=0,
        default_net_type="dlcrnet_ms5" if multi else "resnet_50",
        default_augmenter="multi-animal-imgaug" if multi else "default",
        snapshotindex=-1,
        batch_size=8 if multi else 1,
        cropping=False,
        x1=0,
        x2=640,
        y1=277,
        y2=624,
        corner2move2=[50, 50],
        move2corner=True,
    )
    if multi:
        config["default_track_method"] = "ellipse"
    with open(path / CONFIG, "w", encoding="utf-8") as stream:
        yaml.safe_dump(config, stream, sort_keys=False, allow_unicode=True)
