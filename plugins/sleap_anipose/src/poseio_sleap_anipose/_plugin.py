"""The sleap-anipose plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.h5`` file; the reader is imported when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_sleap_anipose._sniff import FORMAT, sniff


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="sleap-anipose triangulated points (points3d.h5): tracks of frames x tracks x nodes x 3",
            extensions=(".h5",),
            can_read=True,
            read_options=("fps", "video", "skeleton", "tracks"),
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_sleap_anipose._read import read_points3d

    return read_points3d(probe, options)
