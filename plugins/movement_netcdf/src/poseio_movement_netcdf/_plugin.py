"""The movement-netcdf plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither h5netcdf nor numpy's heavier users:
poseio imports it on every ``poseio.load``; h5netcdf is imported by the reader
and the writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_movement_netcdf._layout import FORMAT
from poseio_movement_netcdf._read import READ_OPTIONS, read_movement_netcdf
from poseio_movement_netcdf._sniff import sniff
from poseio_movement_netcdf._write import WRITE_OPTIONS, write_claim, write_movement_netcdf


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="movement poses dataset saved as netCDF (xarray to_netcdf): position, confidence, fps",
            extensions=(".nc",),
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
    return read_movement_netcdf(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    write_movement_netcdf(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels) -> poseio.Claim:
    return write_claim(labels)
