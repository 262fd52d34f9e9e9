"""The nwb-annotations plugin's hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from poseio import Claim, FormatInfo, Labels, Probe, ReadError, hookimpl
from poseio.nwb import pose_claim
from poseio.nwb.writing import NWBFILE_OPTION_NAMES

from poseio_nwb_annotations._write import OPTIONS

FORMAT = "nwb-annotations"
PART = "pose-training"
TRAINING_TYPES = ("PoseTraining", "TrainingFrames", "TrainingFrame", "SkeletonInstance")


@hookimpl
def poseio_formats() -> list[FormatInfo]:
    return [
        FormatInfo(
            FORMAT,
            "NWB with ndx-pose PoseTraining: human-labelled frames",
            extensions=(".nwb",),
            can_read=True,
            can_write=True,
            can_append=True,
            write_options=(*OPTIONS, *NWBFILE_OPTION_NAMES),
            append_options=OPTIONS,
        )
    ]


@hookimpl
def poseio_sniff(probe: Probe) -> Claim:
    return pose_claim(probe, FORMAT, TRAINING_TYPES, PART, "PoseTraining")


@hookimpl
def poseio_read(format: str, probe: Probe, part: str | None, options: dict[str, Any]) -> Labels:
    from poseio_nwb_annotations._read import read_annotations

    if options:
        raise ReadError(f"{FORMAT} takes no read options, got {sorted(options)}")
    if probe.h5 is None:
        raise ReadError(f"{probe.name}: not an HDF5 file")
    return read_annotations(probe.h5, probe.path)


@hookimpl
def poseio_write_claim(format: str, labels: Labels) -> Claim:
    n = labels.n_user_instances
    if n == 0:
        return Claim(format, 0.0, "no user instances", part="user")
    return Claim(format, 0.9, f"{n} user instances", part="user")


@hookimpl
def poseio_write(format: str, labels: Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_annotations._write import write_annotations

    write_annotations(labels, path, **options)


@hookimpl
def poseio_append(format: str, labels: Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_annotations._write import append_annotations

    append_annotations(labels, path, **options)
