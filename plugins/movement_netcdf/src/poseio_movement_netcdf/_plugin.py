"""The movement-netcdf plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither the reader nor the writer: poseio
imports it on every ``poseio.load``; they (and h5netcdf) are imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_movement_netcdf._layout import FORMAT, READ_OPTIONS, WRITE_OPTIONS
from poseio_movement_netcdf._sniff import sniff


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
    from poseio_movement_netcdf._read import read_movement_netcdf

    return read_movement_netcdf(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_movement_netcdf._write import write_movement_netcdf

    write_movement_netcdf(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels) -> poseio.Claim:
    from poseio_movement_netcdf._write import write_claim

    return write_claim(labels)
