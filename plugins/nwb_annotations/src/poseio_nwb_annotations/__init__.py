"""poseio plugin for NWB ndx-pose PoseTraining (human-labelled frames).

Found by poseio through the ``poseio`` entry point. For pipelines that build
their own ``pynwb.NWBFile``, `add_annotations` adds Labels to it, and
`export_with_frames` writes a self-contained package of labels and images.
"""

from poseio_nwb_annotations._export import export_with_frames
from poseio_nwb_annotations._write import add_annotations

__all__ = ["add_annotations", "export_with_frames"]
