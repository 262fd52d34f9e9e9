"""The dannce plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither scipy nor h5py: poseio imports it on
every ``poseio.load`` of a ``.mat`` file. The reader imports them when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_dannce._sniff import FORMAT, sniff


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="DANNCE 3D predictions (save_data_AVG/MAX.mat): pred, p_max and sampleID, MATLAB v5 or v7.3",
            extensions=(".mat",),
            can_read=True,
            read_options=("fps", "video", "skeleton"),
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_dannce._read import read_dannce

    return read_dannce(probe, options)
