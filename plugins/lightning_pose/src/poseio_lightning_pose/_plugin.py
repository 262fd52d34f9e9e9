"""The lightning-pose plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither the reader nor the writer: poseio
imports it on every ``poseio.load``. They (and pandas) are imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_lightning_pose._options import READ_OPTIONS, WRITE_OPTIONS
from poseio_lightning_pose._sniff import FORMAT, sniff


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="Lightning Pose CSV: video predictions with likelihoods, or labelled frames",
            extensions=(".csv",),
            can_read=True,
            can_write=True,
            read_options=READ_OPTIONS,
            write_options=WRITE_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_lightning_pose._read import read_lightning_pose

    return read_lightning_pose(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_lightning_pose._write import write_lightning_pose

    write_lightning_pose(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels) -> poseio.Claim:
    from poseio_lightning_pose._write import write_claim

    return write_claim(labels)
