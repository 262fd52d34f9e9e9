"""The nwb-annotations plugin's hooks: the module the ``poseio`` entry point names.

poseio imports it on every load: the reader and writer (h5py, pynwb) are
imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import poseio
from poseio_nwb import nwb_format_info, nwb_to_read, nwb_write_claim, pose_claim, validate_nwb

from poseio_nwb_annotations._options import OPTIONS

FORMAT = "nwb-annotations"
#: The part of an NWB file this format reads, so that nwb-predictions can read the rest.
PART = "pose-training"


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [nwb_format_info(FORMAT, "NWB with ndx-pose PoseTraining: human-labelled frames", OPTIONS)]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    types = ("PoseTraining", "TrainingFrames", "TrainingFrame", "SkeletonInstance")
    return pose_claim(probe, FORMAT, types, PART, "PoseTraining")


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_nwb_annotations._read import read_annotations

    h5 = nwb_to_read(probe, format, options)
    return read_annotations(h5, probe.path)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim:
    return nwb_write_claim(format, labels, "user", options=options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_annotations._write import write_annotations

    write_annotations(labels, path, **options)


@poseio.hookimpl
def poseio_append(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_annotations._write import append_annotations

    append_annotations(labels, path, **options)


@poseio.hookimpl
def poseio_validate(format: str, path: Path) -> list[poseio.ValidatorReport]:
    return validate_nwb(path)


@poseio.hookimpl
def poseio_frames(video: poseio.Video, source: Path | None, stream: BinaryIO | None) -> poseio.EmbeddedFrames | None:
    from poseio_nwb_annotations._images import stored_frames

    return stored_frames(video, source, stream)
