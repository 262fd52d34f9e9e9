"""Building poseio objects from NWB groups: skeletons, videos, session metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from poseio._errors import ReadError
from poseio._skeleton import Skeleton
from poseio._video import Video
from poseio.nwb._h5 import read_number, read_strings, read_text, text


def read_edges(dataset: h5py.Dataset, n_nodes: int, where: str) -> list[tuple[int, int]]:
    """An ``(n_edges, 2)`` dataset of unsigned node indices, of any integer width."""
    edges = np.asarray(dataset[()])
    if edges.size == 0:
        return []
    if edges.dtype.kind not in "iu" or edges.ndim != 2 or edges.shape[1] != 2:
        raise ReadError(f"{where}: edges must be an (n, 2) integer array, got {edges.dtype} {edges.shape}")
    if edges.min() < 0 or edges.max() >= n_nodes:
        raise ReadError(f"{where}: an edge refers to node {int(edges.max())} but there are {n_nodes} nodes")
    return [(int(a), int(b)) for a, b in edges]


def read_skeleton(group: h5py.Group) -> Skeleton:
    """An ndx-pose Skeleton group (``nodes``, optional ``edges``) as a Skeleton.

    The node order is the ``nodes`` dataset's order, never HDF5 child order.
    Symmetries written by poseio are stored in the ``poseio_symmetries``
    attribute as JSON index pairs (see the NWB format docs).
    """
    where = group.name
    if "nodes" not in group:
        raise ReadError(f"{where}: skeleton has no 'nodes' dataset")
    try:
        nodes = read_strings(group["nodes"])
    except (TypeError, ValueError, UnicodeDecodeError) as exc:
        raise ReadError(f"{where}: 'nodes' is not a list of strings") from exc
    edges = read_edges(group["edges"], len(nodes), where) if "edges" in group else []
    return Skeleton(nodes, edges=edges, name=group.name.rsplit("/", 1)[-1])


def image_series_video(series: h5py.Group, nwb_folder: Path | None) -> Video:
    """A Video from an ImageSeries (external file or stored frames).

    Relative external paths are resolved against the NWB file's folder, as
    nwbinspector does; the path as written is kept in ``metadata["external_file"]``.
    """
    metadata: dict[str, Any] = {"nwb_path": series.name}
    filename = series.name
    if "external_file" in series:
        files = read_strings(series["external_file"])
        if files:
            metadata["external_file"] = files[0]
            path = Path(files[0])
            filename = str(nwb_folder / path) if nwb_folder is not None and not path.is_absolute() else files[0]
    fps = timestamps = None
    if "starting_time" in series:
        fps = series["starting_time"].attrs.get("rate")
        fps = float(fps) if fps is not None else None
        metadata["starting_time"] = read_number(series, "starting_time")
    if "timestamps" in series:
        timestamps = np.asarray(series["timestamps"][()], dtype=np.float64)
    shape = None
    n_frames = None
    if "num_samples" in series:
        n_frames = int(read_number(series, "num_samples"))
    elif timestamps is not None:
        n_frames = len(timestamps)
    if "data" in series and series["data"].ndim >= 3 and series["data"].shape[0] > 0:
        data_shape = series["data"].shape
        shape = (data_shape[0], data_shape[1], data_shape[2], data_shape[3] if len(data_shape) > 3 else 1)
        metadata["stored_frames"] = True
    elif "dimension" in series:
        dimension = np.asarray(series["dimension"][()]).reshape(-1)
        if len(dimension) >= 2 and dimension[:2].all():
            # NWB's ImageSeries.dimension is (width, height).
            shape = (n_frames or 0, int(dimension[1]), int(dimension[0]), 0)
    if "poseio_video" in series.attrs:
        extra = json.loads(text(series.attrs["poseio_video"]))
        shape = tuple(extra.get("shape") or shape or ()) or None
        if extra.get("filename"):
            filename = extra["filename"]
    elif shape is None and n_frames:
        shape = (n_frames, 0, 0, 0)
    return Video(filename, shape=shape, fps=fps, timestamps=timestamps, metadata=metadata)


def read_video(series: h5py.Group, nwb_path: Path | None) -> Video:
    """A Video from an ImageSeries group, resolving paths against the NWB file's folder."""
    return image_series_video(series, None if nwb_path is None else nwb_path.parent)


def session_metadata(f: h5py.File) -> dict[str, Any]:
    """The NWB session fields a user recognises: description, identifier, subject, ..."""
    meta: dict[str, Any] = {}
    for name in ("session_description", "identifier", "session_start_time"):
        value = read_text(f, name)
        if value is not None:
            meta[name] = value
    general = f.get("general")
    if isinstance(general, h5py.Group):
        for name in ("session_id", "experiment_description", "institution", "lab"):
            value = read_text(general, name)
            if value is not None:
                meta[name] = value
        if "experimenter" in general:
            meta["experimenter"] = read_strings(general["experimenter"])
        subject = general.get("subject")
        if isinstance(subject, h5py.Group):
            meta["subject"] = {k: read_text(subject, k) for k in subject if isinstance(subject[k], h5py.Dataset)}
    return meta
