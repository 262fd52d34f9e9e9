"""Training images stored in the NWB file itself (TrainingFrame ``source_frame``), copied on writing.

A TrainingFrame may label an image kept in an ``Images`` container of the file
instead of a frame of a video. The reader makes that container a Video whose
frames are its images in name order, and records in the Video's metadata the
file and the image names (`stored_images_metadata`). Writing such a video
copies the images from that file into an ``Images`` container of the same name
(`copy_stored_images`), and each frame links its image again as
``source_frame``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
from poseio import InvalidLabelsError, Video
from poseio.hdf5 import check_dataset, text
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
