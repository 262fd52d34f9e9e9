"""The nwb-predictions plugin's hooks (the ``poseio`` entry point)."""

from poseio.nwb._plugin import nwb_format_hooks

from poseio_nwb_predictions._read import read_predictions
from poseio_nwb_predictions._write import POSE_OPTIONS, append_predictions, write_predictions

#: The plugin object the ``poseio`` entry point names: its attributes are the hooks.
hooks = nwb_format_hooks(
    format="nwb-predictions",
    description="NWB with ndx-pose PoseEstimation: tracked predictions over time",
    part="pose-estimation",
    types=("PoseEstimation", "PoseEstimationSeries", "MultiCameraPoseEstimation"),
    what="PoseEstimation",
    kind="predicted",
    read=read_predictions,
    write=write_predictions,
    append=append_predictions,
    options=POSE_OPTIONS,
    read_options=("views",),
    empty_records="nwb_containers",
)
