"""The freipose plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.json`` file. The reader is imported when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_freipose._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video", "skeleton")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="FreiPose 3D predictions: a JSON list of frames with kp_xyz and kp_score",
            extensions=(".json",),
            can_read=True,
            read_options=READ_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_freipose._read import read_freipose

    return read_freipose(probe, options)
