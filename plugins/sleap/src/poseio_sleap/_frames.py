"""The frames a SLEAP package (``.pkg.slp``) embeds, served as ``video[frame]`` (the ``poseio_frames`` hook).

A package keeps the images of its labelled frames in ``/video<N>/video``: one
row per image, each row the bytes of a PNG or JPEG file (a fixed-width int8
row padded with zeros, as sleap-io writes, or a variable-length one, as
SLEAP wrote), or, when the dataset's ``format`` attribute is ``hdf5``, the
raw ``(height, width, channels)`` pixels. ``/video<N>/frame_numbers`` gives
each row's frame. Colour images SLEAP encoded with OpenCV are in BGR order
(the ``channel_order`` attribute, or before format 1.4 by default).

The reader (`poseio_sleap._videos`) records where the images are in
``video.metadata["sleap"]["embedded"]`` without reading any; this module reads
one row when its frame is asked for, from the package that was loaded: the
local file, or the URL it was loaded from (the hook's ``stream``, read through
poseio's remote layer: only the blocks holding the row are fetched).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import poseio

from poseio_sleap._common import SLEAP_KEY

EMBEDDED = "embedded"


def embedded_frames(
    video: poseio.Video, source: Path | None, stream: BinaryIO | None = None
) -> poseio.EmbeddedFrames | None:
    """The frames the package ``video`` was read from embeds, or ``None`` when it is not such a video.

    The package is ``source`` (a local file) or ``stream`` (the package at
    the URL it was loaded from, which poseio opens and closes).
    """
    embedded = (video.metadata.get(SLEAP_KEY) or {}).get(EMBEDDED) if isinstance(video.metadata, dict) else None
    if not isinstance(embedded, dict) or "dataset" not in embedded:
        return None
    file = poseio.EmbeddedFrames.file_to_read(video, source, stream, embedded.get("file"), "a SLEAP package")
    return _Package(file, str(embedded["dataset"]), embedded).record()


class _Package:
    """One embedded video of a package, opened on the first image read and kept open until closed."""

    def __init__(self, file: Path | BinaryIO, dataset: str, embedded: dict[str, Any]) -> None:
        self.file = file
        self.name = str(getattr(file, "name", file))  # a path, or the URL of a stream
        self.dataset_name = dataset
        self.where = f"{self.name}:{dataset}"
        self.raw = str(embedded.get("format", "")).lower() == "hdf5"
        self.h5file: Any = None
        self.dataset: Any = None
        self.row_bytes = 0
        self.frame_numbers = np.asarray(embedded.get("frame_numbers", ()), dtype=np.int64).reshape(-1)
        self.channel_order = "BGR" if str(embedded.get("channel_order", "RGB")).upper() == "BGR" else "RGB"

    def record(self) -> poseio.EmbeddedFrames:
        return poseio.EmbeddedFrames(
            frames=self.frame_numbers,
            read=self.read,
            where=self.where,
            channel_order=self.channel_order,
            close=self.close,
        )

    def _open(self) -> Any:
        import h5py
        from poseio.hdf5 import check_stored, reading, refuse_external_links

        try:
            h5file = h5py.File(self.file, "r")
        except FileNotFoundError as exc:
            raise poseio.SourceNotFoundError(
                f"{self.name}: the package holding the frames is no longer there; load it again from where it is"
            ) from exc
        except OSError as exc:
            raise poseio.ReadError(f"{self.name}: the package cannot be opened to read its frames ({exc})") from exc
        try:
            refuse_external_links(h5file)  # the file may have changed since it was loaded
            with reading("the embedded images", self.where):
                dataset = h5file[self.dataset_name]
                if not isinstance(dataset, h5py.Dataset) or dataset.ndim < 1:
                    raise poseio.ReadError(f"{self.where}: expected a dataset of images, one per row")
                check_stored(dataset)
                if dataset.shape[0] < len(self.frame_numbers):
                    raise poseio.ReadError(
                        f"{self.where}: {dataset.shape[0]} images for {len(self.frame_numbers)} frame numbers"
                    )
                if h5py.check_vlen_dtype(dataset.dtype) is None:
                    # One row, or the whole chunk HDF5 decompresses to give it.
                    row = math.prod(dataset.shape[1:]) * dataset.dtype.itemsize
                    chunk = math.prod(dataset.chunks) * dataset.dtype.itemsize if dataset.chunks else 0
                    self.row_bytes = max(row, chunk)
        except BaseException:
            h5file.close()
            raise
        self.h5file, self.dataset = h5file, dataset
        return dataset

    def read(self, row: int) -> bytes | np.ndarray:
        """Image ``row`` as the package stores it: encoded bytes, or raw pixels (format ``hdf5``)."""
        from poseio.hdf5 import reading
        from poseio.limits import check_allocation

        dataset = self.dataset if self.dataset is not None else self._open()
        frame = int(self.frame_numbers[row])
        if self.row_bytes:
            check_allocation(self.row_bytes, f"the image of frame {frame}", self.where, path=self.name)
        with reading(f"the image of frame {frame}", self.where):
            stored = np.asarray(dataset[row])
        if self.raw:
            return stored
        # int8 (sleap-io) or uint8 (SLEAP's variable-length rows): the bytes of an image file either way.
        return stored.reshape(-1).view(np.uint8).tobytes() if stored.dtype.itemsize == 1 else stored.tobytes()

    def close(self) -> None:
        if self.h5file is not None:
            self.h5file.close()
        self.h5file = self.dataset = None
