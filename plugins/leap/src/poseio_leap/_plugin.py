"""The leap plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither scipy nor h5py: poseio imports it on
every ``poseio.load`` of a ``.mat`` file. The reader imports them when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_leap._sniff import FORMAT, sniff


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="LEAP labels (<box>.labels.mat): positions (nodes, 2, frames) and skeleton, MATLAB v7.3 or v5",
            extensions=(".mat",),
            can_read=True,
            read_options=("fps", "video"),
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_leap._read import read_leap

    return read_leap(probe, options)
