"""Writing SLEAP analysis HDF5 files: one video's instances as dense arrays.

The layout is the one SLEAP exports and sleap-io writes by default (its
"matlab" preset): ``tracks`` (track, xy, node, frame), ``track_occupancy``
(frame, track), scores with the track axis first, each array naming its axes
in a ``dims`` attribute, plus sleap-io's extended metadata (skeleton name and
symmetries, the video's recorded backend). movement reads exactly this.

The track axis holds the Labels' tracks that have an instance in the video,
then one slot per untracked instance of the busiest frame (slots are
positional: a file cannot say "untracked" except for a lone untracked animal,
stored as SLEAP stores it, with no track names). Frames run from 0 to the
video's last frame, or to the last labelled one when its length is unknown.
Where a user instance and a prediction share a slot, the user instance wins,
as in SLEAP's export; every instance is stored as a prediction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, check_path, refuse_unknown, say_option

from poseio_sleap._analysis_read import TRANSPOSED
from poseio_sleap._common import ANALYSIS, ANALYSIS_WRITE_OPTIONS, SLEAP_KEY, jsonable, to_json_text

COMPRESSIONS = ("gzip", "lzf", None)


def _video_index(labels: poseio.Labels, choice: Any) -> int:
    if choice is None:
        if len(labels.videos) > 1:
            raise poseio.InvalidLabelsError(
                f"a SLEAP analysis file holds one video and these labels have {len(labels.videos)}; choose one "
                f"with {say_option('video', example='0')} (a video's index), or save to .slp"
            )
        return 0
    if isinstance(choice, poseio.Video):
        found = [i for i, v in enumerate(labels.videos) if v is choice]
        if found:
            return found[0]
    elif isinstance(choice, (int, np.integer)) and not isinstance(choice, bool) and 0 <= choice < len(labels.videos):
        return int(choice)
    raise poseio.InvalidOptionError(
        f"video must be a Video of these labels or an index below {len(labels.videos)}, not {choice!r}",
        format=ANALYSIS,
    )


def _used_skeletons(labels: poseio.Labels, table: poseio.PoseTable) -> list[poseio.Skeleton]:
    """The skeletons of a video's instances (its table's rows), in the Labels' order."""
    used = sorted(set(table.skeleton.tolist())) or [0]
    if not labels.skeletons:
        raise poseio.InvalidLabelsError("these labels have no skeleton, and a SLEAP analysis file names its nodes")
    return [labels.skeletons[i] for i in used]


def _definition(skeleton: poseio.Skeleton) -> tuple:
    return skeleton.name, tuple(skeleton.edge_inds), tuple(skeleton.symmetry_inds)


def analysis_losses(labels: poseio.Labels, options: dict[str, Any]) -> list[str]:
    """What a SLEAP analysis file of these labels would not keep (for the write claim).

    The file names one skeleton. Instances of several skeletons with the same
    nodes (one per animal, as NWB files have them) are written under the
    first: the others' names, edges and symmetries are lost, unless every one
    is defined alike. Anything the writer refuses outright (another video
    option, skeletons with other nodes) is left to it.
    """
    try:
        index = _video_index(labels, (options or {}).get("video"))
        table = labels.to_table()
        skeletons = _used_skeletons(labels, table.take(table.video == index))
    except poseio.PoseioError:
        return []
    if len({tuple(s.node_names) for s in skeletons}) > 1 or len({_definition(s) for s in skeletons}) < 2:
        return []
    kept = skeletons[0]
    lost = [s for s in skeletons[1:] if _definition(s) != _definition(kept)]
    return [
        f"the skeletons {', '.join(repr(s.name) for s in lost)} (a SLEAP analysis file names one skeleton: every "
        f"instance would be written under {kept.name!r} and its {len(kept.edge_inds)} edges; .slp keeps them all)"
    ]


def _one_skeleton(labels: poseio.Labels, table: poseio.PoseTable) -> poseio.Skeleton:
    """The skeleton of the video's instances; several with the same nodes are written as the first.

    What that loses (the others' names, edges, symmetries) is named by
    `analysis_losses`, so that ``poseio.save`` refuses it unless allowed.
    """
    skeletons = _used_skeletons(labels, table)
    if len({tuple(s.node_names) for s in skeletons}) > 1:
        described = "; ".join(f"{s.name!r}: {s.node_names}" for s in skeletons)
        raise poseio.InvalidLabelsError(
            f"a SLEAP analysis file holds one skeleton, and this video's instances use several ({described}); "
            "save each skeleton's instances to a file of its own, or to .slp"
        )
    return skeletons[0]


def _slot_names(labels: poseio.Labels, used_tracks: list[int], n_untracked: int) -> list[str]:
    """Track names for the file: the tracks', then positional names for untracked slots."""
    names = [labels.tracks[i].name for i in used_tracks]
    if not labels.tracks and n_untracked <= 1:
        return []  # SLEAP's single-animal export: no tracks named
    taken, k = set(names), 0
    for _ in range(n_untracked):
        while f"track_{k}" in taken:  # sleap-io's names for untracked slots, kept clear of real tracks
            k += 1
        names.append(f"track_{k}")
        taken.add(f"track_{k}")
    return names


def _dense(labels: poseio.Labels, index: int) -> dict[str, Any]:
    """Every array of the file, in (frame, slot, ...) order, and the slot names."""
    table = labels.to_table()
    table = table.take(table.video == index)
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        raise poseio.InvalidLabelsError(
            "a SLEAP analysis file holds 2D points and these labels have z coordinates; save them to a 3D format"
        )
    if len(table) and table.frame_idx.min() < 0:
        raise poseio.InvalidLabelsError(f"frame index {int(table.frame_idx.min())} is negative; SLEAP counts from 0")
    skeleton = _one_skeleton(labels, table)
    # Tracks without an instance in this video get no slot (as SLEAP's export drops empty tracks).
    used_tracks = sorted(set(table.track[table.track >= 0].tolist()))
    # Untracked instances follow the tracks, numbered within their frame (-1, -2, ... from slots()).
    slot = table.slots()
    n_untracked = int(-slot.min()) if len(slot) and slot.min() < 0 else 0
    grid = labels.grid(index)  # held to the save's memory budget
    columns = used_tracks + list(range(grid.n_tracks, grid.n_tracks + n_untracked))
    arrays = {
        "tracks": grid.points[:, columns, :, :2],
        "point_scores": grid.point_scores[:, columns],
        "instance_scores": grid.score[:, columns],
        "tracking_scores": grid.tracking_score[:, columns],
        "track_occupancy": grid.occupied[:, columns].astype(np.uint8),
    }
    return {"arrays": arrays, "skeleton": skeleton, "track_names": _slot_names(labels, used_tracks, n_untracked)}


def _strings(values: list[str], shape: tuple[int, ...]) -> np.ndarray:
    """UTF-8 byte strings, as SLEAP stores names (fixed width; empty arrays keep their shape)."""
    encoded = [v.encode("utf-8") for v in values]
    return np.array(encoded, dtype=f"S{max((len(v) for v in encoded), default=1) or 1}").reshape(shape)


def write_analysis(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write one video's instances as a SLEAP analysis HDF5 file.

    Args:
        labels: What to write (2D, one skeleton's nodes).
        path: The new file.
        options: ``video`` (index or `poseio.Video`; needed when the labels have
            several), ``labels_path`` (text stored as the labels the analysis
            came from), ``compression`` (``"gzip"``, the default, ``"lzf"`` or ``None``).
    """
    import h5py

    refuse_unknown(options, ANALYSIS_WRITE_OPTIONS, ANALYSIS, doing="write")
    compression = check_choice(options.get("compression", "gzip"), COMPRESSIONS, ANALYSIS, option="compression")
    labels_path = check_path(options.get("labels_path"), ANALYSIS, option="labels_path")
    index = _video_index(labels, options.get("video"))
    dense = _dense(labels, index)
    video, skeleton = labels.videos[index], dense["skeleton"]
    stored = dict(((video.metadata.get(SLEAP_KEY) or {}).get("backend")) or {})
    if video.shape and all(video.shape):
        stored["shape"] = list(video.shape)
    if video.fps:
        stored["fps"] = video.fps
    record = labels.provenance.get(SLEAP_KEY) or {}
    provenance = record.get("provenance") if isinstance(record.get("provenance"), dict) else {}

    # The stored axis order of every array, by axis name (SLEAP's transposed layout).
    layout = {
        "tracks": TRANSPOSED,
        "point_scores": tuple(d for d in TRANSPOSED if d != "xy"),
        "instance_scores": ("track", "frame"),
        "tracking_scores": ("track", "frame"),
        "track_occupancy": ("frame", "track"),
    }
    canonical = {"tracks": ("frame", "track", "node", "xy"), "point_scores": ("frame", "track", "node")}
    with h5py.File(path, "w") as h5file:
        for name, dims in layout.items():
            array = dense["arrays"][name]
            order = canonical.get(name, ("frame", "track"))
            stored_array = np.ascontiguousarray(np.transpose(array, [order.index(d) for d in dims]))
            dataset = h5file.create_dataset(
                name, data=stored_array, compression=compression if stored_array.size else None
            )
            dataset.attrs["dims"] = to_json_text(list(dims))
        edges = skeleton.edge_inds
        h5file.create_dataset("track_names", data=_strings(dense["track_names"], (len(dense["track_names"]),)))
        h5file.create_dataset("node_names", data=_strings(skeleton.node_names, (len(skeleton),)))
        h5file.create_dataset(
            "edge_names", data=_strings([skeleton.node_names[i] for e in edges for i in e], (len(edges), 2))
        )
        h5file.create_dataset("edge_inds", data=np.array(edges, dtype=np.int64).reshape(len(edges), 2))
        h5file.create_dataset("labels_path", data=str(labels_path or ""))
        h5file.create_dataset("video_path", data=video.filename)
        h5file.create_dataset("video_ind", data=index)
        h5file.create_dataset("provenance", data=to_json_text(provenance if jsonable(provenance) else {}))
        h5file.attrs["format"] = "analysis"
        h5file.attrs["preset"] = "matlab"
        h5file.attrs["skeleton_name"] = skeleton.name or ""
        h5file.attrs["skeleton_symmetries"] = to_json_text(
            [[skeleton.node_names[a], skeleton.node_names[b]] for a, b in skeleton.symmetry_inds]
        )
        h5file.attrs["video_backend_metadata"] = to_json_text(stored if jsonable(stored) else {})
        h5file.attrs["poseio_version"] = poseio.__version__
