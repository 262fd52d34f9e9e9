"""The anipose plugin's hooks (the ``poseio`` entry point).

Importing this module imports not the reader: poseio imports it on every
``poseio.load``; the reader (and pandas) are imported when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_anipose._sniff import FORMAT, READ_OPTIONS, sniff


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="Anipose pose-3d CSV: triangulated 3D points with errors, camera counts and scores",
            extensions=(".csv",),
            can_read=True,
            read_options=READ_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_anipose._read import read_anipose

    return read_anipose(probe, options)
