"""poseio plugin for AlphaTracker / sloth JSON annotations (``alphatracker``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/alphatracker.md``.
"""

from poseio_alphatracker._sniff import FORMAT

__all__ = ["FORMAT"]
