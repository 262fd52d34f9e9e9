"""Training images stored in the NWB file itself (TrainingFrame ``source_frame``), copied on writing.

A TrainingFrame may label an image kept in an ``Images`` container of the file
instead of a frame of a video. The reader makes that container a Video whose
frames are its images in name order, and records in the Video's metadata the
file and the image names (`stored_images_metadata`). Writing such a video
copies the images from that file into an ``Images`` container of the same name
(`copy_stored_images`), and each frame links its image again as
``source_frame``. Its frames are served as ``video[frame]`` through the
``poseio_frames`` hook (`stored_frames`): each image read from the file that
was loaded (a local file, or the URL it was loaded from) when its frame is
asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import h5py
import numpy as np
import poseio
from poseio import InvalidLabelsError, Video
from poseio.hdf5 import check_dataset, reading, refuse_external_links, text, values
from poseio_nwb.writing import unique_name

#: Image types of NWB's core namespace, as pynwb names their classes.
IMAGE_TYPES = ("GrayscaleImage", "RGBImage", "RGBAImage", "Image")


def stored_images_metadata(container: str, names: list[str], nwb_path: Path | None) -> dict[str, Any]:
    """The Video metadata of an Images container: where it is, and its image names in frame order."""
    return {
        "nwb_path": container,
        "stored_images": True,
        "images": names,
        "source_file": None if nwb_path is None else str(Path(nwb_path).resolve()),
    }


def copy_stored_images(video: Video, frame_indices: list[int], module) -> dict[int, Any]:
    """Copy the video's images into an ``Images`` container of ``module``; ``{frame: Image}``.

    ``frame_indices`` are the labelled frames, which must have an image.

    Raises:
        InvalidLabelsError: The file the images are stored in cannot be read
            now (moved, deleted), or no longer holds them.
    """
    from pynwb import base, image

    source, names = video.metadata.get("source_file"), video.metadata.get("images") or []
    container = video.metadata["nwb_path"]
    try:
        with h5py.File(source, "r") as f:
            group = f[container]
            copied = {}
            # Every image, not only the labelled ones: a frame's number is its image's place among them.
            for frame in range(len(names)):
                dataset = group[names[frame]]
                check_dataset(dataset)
                kind = text(dataset.attrs.get("neurodata_type"))
                cls = getattr(image, kind) if kind in IMAGE_TYPES[:-1] else base.Image
                fields = {"description": text(dataset.attrs.get("description"))}
                if "resolution" in dataset.attrs:
                    fields["resolution"] = float(np.asarray(dataset.attrs["resolution"]).reshape(-1)[0])
                copied[frame] = cls(name=names[frame], data=dataset[()], **{k: v for k, v in fields.items() if v})
            description = text(group.attrs.get("description")) or "Training images"
    except (OSError, KeyError, IndexError, TypeError) as exc:
        raise InvalidLabelsError(
            f"video {video.filename}: its frames are images stored in {source}, which cannot be read now "
            f"({exc}); write the labels while that file is in place"
        ) from exc
    missing = sorted(set(frame_indices) - set(copied))
    if missing:
        raise InvalidLabelsError(f"video {video.filename}: frames {missing} have no stored image")
    name = unique_name(module.data_interfaces, container.rsplit("/", 1)[-1])
    module.add(base.Images(name=name, images=list(copied.values()), description=description))
    return copied


def stored_frames(video: Video, source: Path | None, stream: BinaryIO | None = None) -> poseio.EmbeddedFrames | None:
    """The images of a video the reader made of an ``Images`` container (`stored_images_metadata`), else ``None``.

    Frame ``i`` is the container's ``i``-th image in name order, read whole
    (through `poseio.hdf5.values`: within the file, within the memory budget)
    from the NWB file the labels were loaded from: ``source`` (a local file)
    or ``stream`` (the file at the URL it was loaded from, which poseio opens
    and closes).
    """
    metadata = video.metadata if isinstance(video.metadata, dict) else {}
    if not metadata.get("stored_images") or not isinstance(metadata.get("images"), list):
        return None
    file = poseio.EmbeddedFrames.file_to_read(video, source, stream, metadata.get("source_file"), "an NWB file")
    return _StoredImages(file, str(metadata["nwb_path"]), [str(n) for n in metadata["images"]]).record()


class _StoredImages:
    """An ``Images`` container's images, read one at a time from a file opened on the first read."""

    def __init__(self, file: Path | BinaryIO, container: str, names: list[str]) -> None:
        self.file, self.container, self.names = file, container, names
        self.name = str(getattr(file, "name", file))  # a path, or the URL of a stream
        self.where = f"{self.name}:{container}"
        self.h5file: h5py.File | None = None

    def record(self) -> poseio.EmbeddedFrames:
        return poseio.EmbeddedFrames(
            frames=np.arange(len(self.names)), read=self.read, where=self.where, close=self.close
        )

    def read(self, i: int) -> np.ndarray:
        if self.h5file is None:
            try:
                h5file = h5py.File(self.file, "r")
            except FileNotFoundError as exc:
                raise poseio.SourceNotFoundError(
                    f"{self.name}: the NWB file holding the images is no longer there; load it again from where it is"
                ) from exc
            except OSError as exc:
                raise poseio.ReadError(f"{self.name}: the file cannot be opened to read its images ({exc})") from exc
            try:
                refuse_external_links(h5file)  # the file may have changed since it was loaded
            except BaseException:
                h5file.close()
                raise
            self.h5file = h5file
        where = f"{self.where}/{self.names[i]}"
        with reading("the image", where):
            dataset = self.h5file[self.container][self.names[i]]
            if not isinstance(dataset, h5py.Dataset):
                raise poseio.ReadError(f"{where}: expected an image dataset, found a group")
            return values(dataset)

    def close(self) -> None:
        if self.h5file is not None:
            self.h5file.close()
            self.h5file = None
