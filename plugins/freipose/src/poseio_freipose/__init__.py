"""poseio plugin for FreiPose 3D pose predictions (``freipose``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/freipose.md``.
"""

from poseio_freipose._sniff import FORMAT

__all__ = ["FORMAT"]
