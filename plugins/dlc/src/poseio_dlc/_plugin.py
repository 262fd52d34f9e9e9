"""The dlc plugin's hooks (the ``poseio`` entry point).

Importing this module imports no reader or writer (nor pandas or h5py): poseio
imports it on every ``poseio.load``. They are imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_dlc._config import PROJECT
from poseio_dlc._options import PROJECT_READ_OPTIONS, PROJECT_WRITE_OPTIONS, READ_OPTIONS, WRITE_OPTIONS
from poseio_dlc._sniff import FORMAT, sniff


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
        ),
        poseio.FormatInfo(
            name=PROJECT,
            description="DeepLabCut project: config.yaml, labeled-data/<video>/CollectedData_<scorer>.h5 and images",
            extensions=(".yaml",),
            can_read=True,
            can_write=True,
            read_options=PROJECT_READ_OPTIONS,
            write_options=PROJECT_WRITE_OPTIONS,
            folders=True,
        ),
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    if format == PROJECT:
        from poseio_dlc._project import read_project

        return read_project(probe.member, probe.name, options)
    from poseio_dlc._read import read_dlc

    return read_dlc(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    if format == PROJECT:
        from poseio_dlc._project_write import write_project

        write_project(labels, path, options)
        return
    from poseio_dlc._write import write_dlc

    write_dlc(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim:
    if format == PROJECT:
        from poseio_dlc._project_write import project_claim

        return project_claim(labels, options)
    from poseio_dlc._write import write_claim

    return write_claim(labels, options)
