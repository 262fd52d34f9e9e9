"""The nwb-annotations plugin's hooks (the ``poseio`` entry point)."""

from poseio.nwb._plugin import nwb_format_hooks

from poseio_nwb_annotations._read import read_annotations
from poseio_nwb_annotations._write import OPTIONS, append_annotations, write_annotations

#: The plugin object the ``poseio`` entry point names: its attributes are the hooks.
hooks = nwb_format_hooks(
    format="nwb-annotations",
    description="NWB with ndx-pose PoseTraining: human-labelled frames",
    part="pose-training",
    types=("PoseTraining", "TrainingFrames", "TrainingFrame", "SkeletonInstance"),
    what="PoseTraining",
    kind="user",
    read=read_annotations,
    write=write_annotations,
    append=append_annotations,
    options=OPTIONS,
)
