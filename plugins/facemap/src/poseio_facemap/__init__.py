"""poseio plugin for Facemap keypoint files (``facemap``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/facemap.md``.
"""

from poseio_facemap._sniff import FORMAT

__all__ = ["FORMAT"]
