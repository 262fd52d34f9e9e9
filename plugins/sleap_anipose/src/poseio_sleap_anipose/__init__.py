"""poseio plugin for sleap-anipose's triangulated ``points3d.h5`` (``sleap-anipose``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/sleap-anipose.md``.
"""

from poseio_sleap_anipose._sniff import FORMAT

__all__ = ["FORMAT"]
