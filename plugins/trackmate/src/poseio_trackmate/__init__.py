"""poseio plugin for TrackMate spots CSV exports (``trackmate``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/trackmate.md``.
"""

from poseio_trackmate._sniff import FORMAT

__all__ = ["FORMAT"]
