"""The facemap plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.h5`` file. The reader is imported when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_facemap._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="Facemap keypoints (*_FacemapPose.h5: Facemap/<bodypart>/x, y, likelihood)",
            extensions=(".h5",),
            can_read=True,
            read_options=READ_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_facemap._read import read_facemap

    return read_facemap(probe, options)
