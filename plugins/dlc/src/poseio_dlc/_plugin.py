"""The dlc plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither pandas nor h5py: poseio imports it on
every ``poseio.load``. The readers and writers import them when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_dlc._build import FORMAT, READ_OPTIONS
from poseio_dlc._sniff import sniff
from poseio_dlc._write import WRITE_OPTIONS, write_claim, write_dlc


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="DeepLabCut labelled data and predictions: CSV or pandas HDF5, single- or multi-animal",
            extensions=(".csv", ".h5"),
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
    from poseio_dlc._read import read_dlc

    return read_dlc(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    write_dlc(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim:
    return write_claim(labels, options)
