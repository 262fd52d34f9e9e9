"""The sleap-csv plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.csv`` file. The reader and the writer (and pandas)
are imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_sleap_csv._columns import FORMAT
from poseio_sleap_csv._sniff import sniff

READ_OPTIONS = ("fps", "video", "metadata")
WRITE_OPTIONS = ("layout", "metadata")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="sleap-io CSV (layouts sleap, instances, points, frames) with its metadata JSON sidecar",
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
    from poseio_sleap_csv._read import read_sleap_csv

    return read_sleap_csv(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, destination: Path, options: dict[str, Any]) -> None:
    from poseio_sleap_csv._write import write_sleap_csv

    write_sleap_csv(labels, path, options, destination)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim:
    from poseio_sleap_csv._write import write_claim

    return write_claim(labels, options)
