"""Videos of a ``.slp`` file: their JSON rows, and the frames a package embeds.

Each row of ``videos_json`` describes one video: ``{"filename": ..., "backend":
{...}}`` (SLEAP wrote only the backend, whose ``filename`` sleap-io reads
first). A backend filename of ``"."`` means the frames are embedded in this
file, as encoded images in ``backend["dataset"]`` (``video<N>/video``), with
``video<N>/frame_numbers`` giving each image's frame and
``video<N>/source_video`` the JSON of the video they were taken from.

An embedded video is read as its source video (the frames' own video, as
sleap-io restores it), with ``video.metadata["sleap"]["embedded"]`` telling
where the images are; `embedded_image` returns one of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import poseio

from poseio_sleap._common import SLEAP_KEY, damage, parse_json

EMBEDDED = "embedded"


def shape_of(value: Any) -> tuple[int, ...] | None:
    """A recorded video ``shape`` (frames, height, width, channels) as four integers, unknown parts 0, or ``None``."""
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0) for v in value):
        return None
    return tuple(int(v or 0) for v in value)


def fps_of(value: Any) -> float | None:
    """A recorded frame rate, or ``None`` when it is not a finite positive number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value) and value > 0:
        return float(value)
    return None


def _filename(entry: dict) -> str:
    backend = entry.get("backend") or {}
    filename = backend.get("filename", entry.get("filename"))
    if filename is None:
        raise ValueError(f"a video entry names no file: {entry!r}")
    return str(filename)


def _source_json(h5file: Any, group_name: str, entry: dict) -> dict | None:
    """The JSON of the video an embedded one was taken from, where the file records it."""
    group = h5file.get(group_name)
    for key in ("source_video", "original_video"):  # original_video: packages of SLEAP < 1.3
        if group is not None and key in group:
            holder = group[key]
            if "json" in holder.attrs:
                return parse_json(holder.attrs["json"])
            if "json" in holder:  # sleap-io stores a source over 64 kB in a dataset
                from poseio.hdf5 import values

                return parse_json(values(holder["json"]))
    found = entry.get("source_video") or entry.get("original_video")
    return found if isinstance(found, dict) else None


def _embedded(h5file: Any, entry: dict, path: Path | None, format_id: float | None) -> tuple[dict, dict | None]:
    """What locates the images of an embedded video, and its source video's JSON."""
    from poseio.hdf5 import check_stored, values
    from poseio.limits import check_allocation

    backend = entry.get("backend") or {}
    dataset_name = str(backend.get("dataset", ""))
    if not dataset_name or dataset_name not in h5file:
        raise ValueError(f"the video's frames are said to be embedded in {dataset_name!r}, which the file lacks")
    dataset = h5file[dataset_name]
    # Its images are read one at a time, later; but its length numbers the frames now.
    check_stored(dataset)
    group_name = dataset_name.rsplit("/", 1)[0] if "/" in dataset_name else ""
    numbers_name = f"{group_name}/frame_numbers" if group_name else "frame_numbers"
    if numbers_name in h5file:
        frame_numbers = values(h5file[numbers_name], np.int64).reshape(-1)
    else:
        n = dataset.shape[0] if dataset.shape else 0
        check_allocation(n * 8, f"the frame numbers of {n} embedded images", f"{h5file.filename}:{dataset_name}")
        frame_numbers = np.arange(n, dtype=np.int64)
    attributes = {
        k: (v.item() if isinstance(v, np.generic) else v)
        for k, v in dataset.attrs.items()
        if k in ("format", "channels", "height", "width", "channel_order")
    }
    if "channel_order" not in attributes and (format_id is None or format_id < 1.4):
        # Before format 1.4 SLEAP encoded embedded images with OpenCV, in BGR order.
        attributes["channel_order"] = "BGR"
    embedded = {
        "file": None if path is None else str(path),
        "dataset": dataset_name,
        "frame_numbers": frame_numbers,
        **{k: (v.decode() if isinstance(v, bytes) else v) for k, v in attributes.items()},
    }
    return embedded, _source_json(h5file, group_name, entry)


def decode_video(
    entry: dict, h5file: Any, path: Path | None, format_id: float | None, suggestions: list[tuple[int, int]]
) -> poseio.Video:
    """A `poseio.Video` from one row of ``videos_json``."""
    backend = entry.get("backend") or {}
    if not isinstance(backend, dict):
        raise ValueError(f"a video entry's backend is not an object: {entry!r}")
    filename = _filename(entry)
    sleap: dict[str, Any] = {"backend": backend}
    if suggestions:
        sleap["suggestions"] = suggestions
    shape, fps = shape_of(backend.get("shape")), fps_of(backend.get("fps"))
    if filename == ".":
        embedded, source = _embedded(h5file, entry, path, format_id)
        sleap[EMBEDDED] = embedded
        # The embedded images are a few frames of a longer video: their count is not its length.
        if shape is None and embedded.get("height") and embedded.get("width"):
            shape = (0, int(embedded["height"]), int(embedded["width"]), int(embedded.get("channels") or 0))
        elif shape is not None:
            shape = (0, *shape[1:])
        if source is not None:
            sleap["source_video"] = source
            source_backend = source.get("backend") or {}
            filename = _filename(source)
            shape = shape_of(source_backend.get("shape")) or shape
            fps = fps_of(source_backend.get("fps")) or fps
        else:
            # No record of where the frames came from: the package itself is their video.
            filename = str(path) if path is not None else "."
    return poseio.Video(filename, shape=shape, fps=fps, metadata={SLEAP_KEY: sleap})


def embedded_image(video: poseio.Video, frame_idx: int) -> bytes:
    """The encoded image (PNG or JPEG bytes) of one frame embedded in a SLEAP package.

    Args:
        video: A video of Labels read from a ``.pkg.slp`` file.
        frame_idx: The frame's index in the video.

    Returns:
        The image file's bytes, as the package stores them (decode them with any
        image library; ``video.metadata["sleap"]["embedded"]["format"]`` names the
        encoding and ``["channel_order"]`` the order of colour channels).

    Raises:
        poseio.InvalidLabelsError: The video has no embedded frames, or not this one,
            or its package was loaded from a URL or a file object (``video[frame_idx]``
            reads the image decoded from a URL's package).
        poseio.ReadError: The package cannot be opened or read.
    """
    import h5py

    embedded = (video.metadata.get(SLEAP_KEY) or {}).get(EMBEDDED)
    if not embedded:
        raise poseio.InvalidLabelsError(f"video {video.filename!r} has no frames embedded in a SLEAP package")
    if not embedded.get("file"):
        raise poseio.InvalidLabelsError(
            f"video {video.filename!r}: its package was loaded from a URL or a file object, and its encoded images "
            "are read only from a local package; load a local copy (video[frame_idx] reads the image decoded, "
            "from a package loaded from a path or URL)"
        )
    rows = np.flatnonzero(np.asarray(embedded["frame_numbers"]) == int(frame_idx))
    if not len(rows):
        raise poseio.InvalidLabelsError(
            f"frame {frame_idx} of video {video.filename!r} is not embedded; the package holds frames "
            f"{np.asarray(embedded['frame_numbers'])[:10].tolist()}..."
        )
    where = f"{embedded['file']}:{embedded['dataset']}"
    try:
        h5file = h5py.File(embedded["file"], "r")
    except OSError as exc:
        raise poseio.ReadError(f"{embedded['file']}: the package cannot be opened ({exc})") from exc
    with h5file, damage(f"the image of frame {frame_idx}", where):
        from poseio.hdf5 import check_dataset

        dataset = h5file[embedded["dataset"]]
        check_dataset(dataset)
        row = np.asarray(dataset[int(rows[0])])
    # sleap-io pads each image to the longest with zeros; PNG and JPEG end in non-zero bytes.
    return row.astype(np.uint8, copy=False).tobytes().rstrip(b"\0")


def _reference(video: poseio.Video) -> dict:
    """The ``videos_json`` row naming ``video``'s file, from what was read of it where possible.

    A video read from a package's embedded frames is written as a reference to
    its source video when the package recorded one (as sleap-io does when it
    restores the original videos), else to the package's frames themselves.
    """
    sleap = video.metadata.get(SLEAP_KEY) or {}
    stored = dict(sleap.get("backend") or {})
    source = sleap.get("source_video")
    if stored.get("filename") == "." and isinstance(source, dict):
        stored = dict(source.get("backend") or {})
    elif stored.get("filename") == ".":
        stored["has_embedded_images"] = True  # the frames stay in the package this was read from
    backend = {"type": "MediaVideo", **stored, "filename": video.filename}
    if video.shape and all(video.shape):
        backend["shape"] = list(video.shape)
        backend.setdefault("grayscale", video.shape[3] == 1)
    if video.fps:
        backend["fps"] = video.fps
    return {"filename": video.filename, "backend": backend}


def encode_video(video: poseio.Video, embedded_dataset: str | None = None, n_embedded: int = 0) -> dict:
    """The ``videos_json`` row of a video; with ``embedded_dataset``, of its frames embedded there."""
    if embedded_dataset is None:
        return _reference(video)
    sleap = video.metadata.get(SLEAP_KEY) or {}
    embedded = sleap.get(EMBEDDED) or {}
    height, width, channels = (embedded.get(k) for k in ("height", "width", "channels"))
    backend = {
        "type": "HDF5Video",
        "shape": [n_embedded, height, width, channels] if height and width and channels else None,
        "filename": ".",
        "dataset": embedded_dataset,
        "input_format": "channels_last",
        "convert_range": False,
        "has_embedded_images": True,
        "grayscale": None if not channels else channels == 1,
        "fps": video.fps,
    }
    entry: dict[str, Any] = {"backend": backend}
    if isinstance(sleap.get("source_video"), dict):
        entry["source_video"] = _reference(video)
    return entry
