"""The sleap plugin's hooks (the ``poseio`` entry point): formats ``slp`` and ``sleap-analysis``.

Only this module and `poseio_sleap._sniff` are imported when poseio loads its
plugins; the readers and writers (and with them h5py) are imported on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import poseio

from poseio_sleap._common import ANALYSIS, ANALYSIS_WRITE_OPTIONS, SLP, SLP_WRITE_OPTIONS
from poseio_sleap._sniff import ANALYSIS_ENDINGS, SLP_ENDINGS, sniff


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            SLP,
            "SLEAP labels and packages: user and predicted instances, skeletons, tracks, videos, embedded frames",
            extensions=SLP_ENDINGS,
            can_read=True,
            can_write=True,
            write_options=SLP_WRITE_OPTIONS,
            sniffs_any_name=True,
        ),
        poseio.FormatInfo(
            ANALYSIS,
            "SLEAP analysis HDF5: dense tracks of one video, as SLEAP, sleap-io and movement write it",
            extensions=ANALYSIS_ENDINGS,
            can_read=True,
            can_write=True,
            write_options=ANALYSIS_WRITE_OPTIONS,
            sniffs_any_name=True,
        ),
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> list[poseio.Claim]:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    if format == SLP:
        from poseio_sleap._slp_read import read_slp

        return read_slp(probe, options)
    from poseio_sleap._analysis_read import read_analysis

    return read_analysis(probe, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim | None:
    if format == SLP:
        return None  # a labels file keeps every skeleton, track and video
    from poseio_sleap._analysis_write import analysis_losses

    n = len(labels.to_table())
    return poseio.Claim(format, 1.0, f"{n} instances", losses=analysis_losses(labels, options))


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    if format == SLP:
        from poseio_sleap._slp_write import write_slp

        write_slp(labels, path, options)
        return
    from poseio_sleap._analysis_write import write_analysis

    write_analysis(labels, path, options)


@poseio.hookimpl
def poseio_frames(video: poseio.Video, source: Path | None, stream: BinaryIO | None) -> poseio.EmbeddedFrames | None:
    from poseio_sleap._frames import embedded_frames

    return embedded_frames(video, source, stream)
