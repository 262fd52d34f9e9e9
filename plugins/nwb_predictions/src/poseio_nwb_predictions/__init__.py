"""poseio plugin for NWB ndx-pose PoseEstimation (predictions over time).

Found by poseio through the ``poseio`` entry point; users call
``poseio.load`` and ``poseio.save`` rather than this package. For pipelines
that build their own ``pynwb.NWBFile``, `add_predictions` adds Labels to it.
"""

from poseio_nwb_predictions._write import add_predictions

__all__ = ["add_predictions"]
