"""The nwb-predictions plugin's hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from poseio import Claim, FormatInfo, Labels, Probe, ReadError, hookimpl
from poseio.nwb import pose_claim
from poseio.nwb.writing import NWBFILE_OPTION_NAMES

from poseio_nwb_predictions._write import POSE_OPTIONS

FORMAT = "nwb-predictions"
PART = "pose-estimation"
POSE_TYPES = ("PoseEstimation", "PoseEstimationSeries", "MultiCameraPoseEstimation")


@hookimpl
def poseio_formats() -> list[FormatInfo]:
    return [
        FormatInfo(
            FORMAT,
            "NWB with ndx-pose PoseEstimation: tracked predictions over time",
            extensions=(".nwb",),
            can_read=True,
            can_write=True,
            can_append=True,
            write_options=(*POSE_OPTIONS, *NWBFILE_OPTION_NAMES),
            append_options=POSE_OPTIONS,
        )
    ]


@hookimpl
def poseio_sniff(probe: Probe) -> Claim:
    return pose_claim(probe, FORMAT, POSE_TYPES, PART, "PoseEstimation")


@hookimpl
def poseio_read(format: str, probe: Probe, part: str | None, options: dict[str, Any]) -> Labels:
    from poseio_nwb_predictions._read import read_predictions

    if options:
        raise ReadError(f"{FORMAT} takes no read options, got {sorted(options)}")
    if probe.h5 is None:
        raise ReadError(f"{probe.name}: not an HDF5 file")
    return read_predictions(probe.h5, probe.path)


@hookimpl
def poseio_write_claim(format: str, labels: Labels) -> Claim | None:
    n = labels.n_predicted_instances
    if n == 0:
        return Claim(format, 0.0, "no predicted instances", part="predicted")
    return Claim(format, 0.9, f"{n} predicted instances", part="predicted")


@hookimpl
def poseio_write(format: str, labels: Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_predictions._write import write_predictions

    write_predictions(labels, path, **options)


@hookimpl
def poseio_append(format: str, labels: Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_predictions._write import append_predictions

    append_predictions(labels, path, **options)
