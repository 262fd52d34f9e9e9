"""The jabs plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.h5`` file. The reader and the writer are imported
when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_jabs._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video", "version", "min_confidence", "unassigned")
WRITE_OPTIONS = ("version",)


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="JABS pose estimation (poseest v2-v6 HDF5: 12 mouse keypoints, (y, x) pixels, identities)",
            extensions=(".h5",),
            can_read=True,
            can_write=True,
            read_options=READ_OPTIONS,
            write_options=WRITE_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> list[poseio.Claim]:
    return [sniff(probe)]


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_jabs._read import read_jabs

    return read_jabs(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, destination: Path, options: dict[str, Any]) -> None:
    from poseio_jabs._write import write_jabs

    write_jabs(labels, path, options, destination)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim:
    from poseio_jabs._write import write_claim

    return write_claim(labels, options)
