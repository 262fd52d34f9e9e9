"""poseio plugin for NWB ndx-pose PoseEstimation (predictions over time).

Found by poseio through the ``poseio`` entry point; users call
``poseio.load`` and ``poseio.save`` rather than this package. For pipelines
that build their own ``pynwb.NWBFile``, `add_predictions` adds Labels to it.
"""

from poseio_nwb import lazy_attributes

# Imported on first use: poseio imports this package on every load, and the writer needs h5py and pynwb.
__getattr__, __dir__ = lazy_attributes(__name__, {"add_predictions": "_write"})

__all__ = ["add_predictions"]
