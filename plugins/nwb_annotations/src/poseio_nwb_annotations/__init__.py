"""poseio plugin for NWB ndx-pose PoseTraining (human-labelled frames).

Found by poseio through the ``poseio`` entry point. For pipelines that build
their own ``pynwb.NWBFile``, `add_annotations` adds Labels to it, and
`export_with_frames` writes a self-contained package of labels and images.
"""

from poseio_nwb import lazy_attributes

# Imported on first use: poseio imports this package on every load, and these need h5py and pynwb.
__getattr__, __dir__ = lazy_attributes(__name__, {"add_annotations": "_write", "export_with_frames": "_export"})

__all__ = ["add_annotations", "export_with_frames"]
