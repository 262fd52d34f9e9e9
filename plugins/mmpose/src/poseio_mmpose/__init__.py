"""poseio plugin for MMPose inference results JSON (``mmpose``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/mmpose.md``.
"""

from poseio_mmpose._sniff import FORMAT

__all__ = ["FORMAT"]
