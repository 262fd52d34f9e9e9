"""The nwb-predictions plugin's hooks: the module the ``poseio`` entry point names.

poseio imports it on every load: the reader and writer (h5py, pynwb) are
imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import poseio
from poseio_nwb import nwb_format_info, nwb_to_read, nwb_write_claim, pose_claim, validate_nwb

from poseio_nwb_predictions._options import POSE_OPTIONS

FORMAT = "nwb-predictions"
#: The part of an NWB file this format reads, so that nwb-annotations can read the rest.
PART = "pose-estimation"
READ_OPTIONS = ("views",)
#: The provenance key under which the reader records the file's PoseEstimation containers.
CONTAINERS_KEY = "nwb_containers"


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    description = "NWB with ndx-pose PoseEstimation: tracked predictions over time"
    return [nwb_format_info(FORMAT, description, POSE_OPTIONS, read_options=READ_OPTIONS)]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    types = ("PoseEstimation", "PoseEstimationSeries", "MultiCameraPoseEstimation")
    return pose_claim(probe, FORMAT, types, PART, "PoseEstimation")


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_nwb_predictions._read import read_predictions

    h5 = nwb_to_read(probe, format, options, READ_OPTIONS)
    return read_predictions(h5, probe.path, **options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim:
    claim = nwb_write_claim(format, labels, "predicted", empty_records=CONTAINERS_KEY, options=options)
    if (options or {}).get("layout") == "sleap-io":
        from poseio_nwb_predictions._sleap_io_layout import layout_losses

        claim = attrs.evolve(claim, losses=(*claim.losses, *layout_losses(labels)))
    return claim


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_predictions._write import write_predictions

    write_predictions(labels, path, **options)


@poseio.hookimpl
def poseio_append(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_nwb_predictions._write import append_predictions

    append_predictions(labels, path, **options)


@poseio.hookimpl
def poseio_validate(format: str, path: Path) -> list[poseio.ValidatorReport]:
    return validate_nwb(path)
