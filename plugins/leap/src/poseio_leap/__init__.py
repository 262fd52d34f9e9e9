"""poseio plugin for LEAP label files (``leap``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/leap.md``.
"""

from poseio_leap._sniff import FORMAT

__all__ = ["FORMAT"]
