"""The lightning-pose plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither pandas nor numpy's heavier users: poseio
imports it on every ``poseio.load``; pandas is imported by the reader and writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_lightning_pose._read import read_lightning_pose
from poseio_lightning_pose._sniff import FORMAT, sniff
from poseio_lightning_pose._write import WRITE_OPTIONS, write_claim, write_lightning_pose


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="Lightning Pose CSV: video predictions with likelihoods, or labelled frames",
            extensions=(".csv",),
            can_read=True,
            can_write=True,
            write_options=WRITE_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    return read_lightning_pose(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    write_lightning_pose(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels) -> poseio.Claim:
    return write_claim(labels)
