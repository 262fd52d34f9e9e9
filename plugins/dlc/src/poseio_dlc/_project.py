r"""Reading a whole DeepLabCut project: config.yaml and every labelled video's CollectedData table.

A project's labels are what ``deeplabcut.create_training_dataset`` trains
from: for each folder ``labeled-data/<video>/``, the table
``CollectedData_<scorer>.h5`` (``.csv`` when the ``.h5`` is absent), scorer
from config.yaml. Each folder is one video, named after its ``video_sets``
entry when one is named after the folder, else the folder; its frames are the
images the table names, numbered from their names (``img0122.png`` is frame
122). Windows paths in a table's index (``labeled-data\video\img.png``) are
read as the image of that name in the table's own folder, which is where
DeepLabCut looks for it.

Not read with the project, and read alone with ``poseio.load``: a folder's
``machinelabels-iter<n>.h5`` (a model's proposals during refinement, which
become labels only once a person has checked them in the GUI and saved
``CollectedData``) and the videos' results under ``videos/``
(``*DLC_<model>.h5``, ``*_el.h5``: predictions, not labels).
``provenance["dlc_project"]`` lists the folders read and the files left out.

Every file is opened through ``member``, the probe's way of naming a path
inside the project, which refuses one that leads outside it (``..``, an
absolute name, a symbolic link).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import poseio
from poseio.options import refuse_unknown

from poseio_dlc._build import Frame, check_read_options, labels_of
from poseio_dlc._columns import UNIQUE_INDIVIDUAL, Columns, ColumnsError
from poseio_dlc._config import CONFIG, PROJECT, ProjectConfig, read_config
from poseio_dlc._options import PROJECT_READ_OPTIONS
from poseio_dlc._skeletons import with_config_skeletons

LABELED_DATA = "labeled-data"
#: The most labelled-video folders read (DeepLabCut projects have tens).
MAX_FOLDERS = 10_000
Member = Callable[..., "Path | None"]


def read_project(member: Member, name: str, options: dict[str, Any]) -> poseio.Labels:
    """Read a DeepLabCut project (see the module docstring).

    Args:
        member: Gives the path of a file or folder inside the project (``None`` when absent).
        name: The project's name, for messages.
        options: The read options (``fps``).

    Raises:
        ReadError: config.yaml is missing or wrong, or a table is not DeepLabCut's or does not fit the config.
    """
    refuse_unknown(options, PROJECT_READ_OPTIONS, PROJECT)
    checked = check_read_options({"fps": options.get("fps")})
    config_path = member(CONFIG)
    if config_path is None or not config_path.is_file():
        raise poseio.ReadError(f"{name}: no {CONFIG}; a DeepLabCut project's folder holds its config.yaml")
    config = read_config(config_path)
    tables, details = _tables(member, config, name)
    frame = _combined(config, tables, name)
    labels = labels_of(frame, name, checked)
    labels = with_config_skeletons(labels, config, details)
    for video in labels.videos:
        folder = PurePosixPath(video.filename).name
        video.metadata["dlc_folder"] = video.filename
        entry = config.video_of(folder)
        if entry is not None:
            video.filename = entry
            crop = config.video_sets[entry].get("crop")
            if crop is not None:
                video.metadata["dlc_crop"] = str(crop)
    labels.provenance["dlc_project"] = details
    labels.provenance["dlc"].pop("hdf_key", None)
    labels.provenance["dlc"].pop("hdf_format", None)
    return labels


def _folders(member: Member, name: str) -> list[tuple[str, Path]]:
    """The labelled-video folders below labeled-data and their paths, sorted (hidden ones and files left out)."""
    top = member(LABELED_DATA)
    if top is None or not top.is_dir():
        return []
    found = []
    for number, entry in enumerate(sorted(p.name for p in top.iterdir())):
        if number >= MAX_FOLDERS:
            raise poseio.ReadError(f"{name}: {LABELED_DATA} holds more than {MAX_FOLDERS:,} entries")
        if entry.startswith("."):
            continue
        path = member(LABELED_DATA, entry)
        if path is not None and path.is_dir():
            found.append((entry, path))
    return found


def _tables(member: Member, config: ProjectConfig, name: str) -> tuple[list[tuple[str, Frame]], dict[str, Any]]:
    """Each labelled folder's table (its .h5, else its .csv), and what was read and left out."""
    tables: list[tuple[str, Frame]] = []
    details: dict[str, Any] = {"scorer": config.scorer, "task": config.task, "date": config.date, "files": {}}
    unlabelled, machine, others = [], [], []
    stem = f"CollectedData_{config.scorer}"
    for folder, where in _folders(member, name):
        h5 = member(LABELED_DATA, folder, f"{stem}.h5")
        csv = member(LABELED_DATA, folder, f"{stem}.csv")
        entries = sorted(p.name for p in where.iterdir())
        machine += [f"{LABELED_DATA}/{folder}/{e}" for e in entries if e.lower().startswith("machinelabels")]
        others += [
            f"{LABELED_DATA}/{folder}/{e}"
            for e in entries
            if e.startswith("CollectedData_") and e not in (f"{stem}.h5", f"{stem}.csv")
        ]
        relative = f"{LABELED_DATA}/{folder}/{stem}"
        if h5 is not None and h5.is_file():
            frame = _read_h5(h5, f"{name}/{relative}.h5")
            details["files"][folder] = f"{relative}.h5"
        elif csv is not None and csv.is_file():
            from poseio_dlc._read import read_csv_frame

            frame = read_csv_frame(csv, f"{name}/{relative}.csv")
            details["files"][folder] = f"{relative}.csv"
        else:
            unlabelled.append(folder)
            continue
        tables.append((folder, frame))
    if unlabelled:
        details["unlabelled_folders"] = unlabelled
    if machine:
        details["machine_labels_not_read"] = machine
    if others:
        details["other_labellers_not_read"] = others
    return tables, details


def _read_h5(path: Path, name: str) -> Frame:
    import h5py
    from poseio.hdf5 import refuse_external_links

    from poseio_dlc._read import read_hdf5_frame

    try:
        h5file = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise poseio.ReadError(f"{name}: cannot be opened as HDF5 ({exc}); the file may be damaged", path=path) from exc
    with h5file:
        refuse_external_links(h5file)
        return read_hdf5_frame(h5file, name, None, path)


def _combined(config: ProjectConfig, tables: list[tuple[str, Frame]], name: str) -> Frame:
    """One table of every folder's rows, with the config's columns (then any a file adds) in DeepLabCut's order.

    A folder's rows are indexed ``labeled-data/<folder>/<image name>``: the image in the
    table's own folder, whatever path (Windows, or another folder's) the index wrote.
    """
    keys: dict[tuple[str | None, str, str], int] = {}
    for animal, part in config.column_keys():
        for coord in ("x", "y"):
            keys.setdefault((animal, part, coord), len(keys))
    not_in_config: list[str] = []
    for folder, frame in tables:
        columns = frame.columns
        if columns.multi_animal != config.multi_animal:
            raise poseio.ReadError(
                f"{name}: {LABELED_DATA}/{folder} holds a {'multi' if columns.multi_animal else 'single'}-animal "
                f"table, but config.yaml says multianimalproject: {str(config.multi_animal).lower()}"
            )
        if isinstance(frame.index, np.ndarray):
            raise poseio.ReadError(
                f"{name}: the table of {LABELED_DATA}/{folder} is indexed by frame numbers; DeepLabCut's labelled "
                "data is indexed by image paths"
            )
        for i, (part, coord) in enumerate(zip(columns.bodyparts, columns.coords)):
            if part and coord in ("x", "y"):
                key = (columns.individual(i), part, coord)
                if key not in keys:
                    keys[key] = len(keys)
                    not_in_config.append("/".join(filter(None, key[:2])))
    if not keys:
        raise poseio.ReadError(f"{name}: config.yaml names no bodyparts and no table holds any")
    n_rows = sum(len(frame.block) for _, frame in tables)
    block = np.full((n_rows, len(keys)), np.nan)
    index: list[str] = []
    for folder, frame in tables:
        columns = frame.columns
        start = len(index)
        rows = slice(start, start + len(frame.block))
        for i, (part, coord) in enumerate(zip(columns.bodyparts, columns.coords)):
            if part and coord in ("x", "y"):
                block[rows, keys[(columns.individual(i), part, coord)]] = frame.block[:, i]
        index += [f"{LABELED_DATA}/{folder}/{_image_name(p)}" for p in frame.index]
    individuals = tuple(k[0] or "" for k in keys) if config.multi_animal else None
    try:
        columns = Columns(
            (config.scorer,) * len(keys), individuals, tuple(k[1] for k in keys), tuple(k[2] for k in keys)
        )
        columns.check()
    except ColumnsError as exc:
        raise poseio.ReadError(f"{name}: {exc}") from exc
    frame = Frame(columns, block, index, index_levels=3)
    if not_in_config:
        frame.details["not_in_config"] = list(dict.fromkeys(not_in_config))
    return frame


def _image_name(path: str) -> str:
    """The file name of an image path written on any system (a Windows one too): ``img01.png``."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


__all__ = ["UNIQUE_INDIVIDUAL", "read_project"]
