"""poseio plugin for JABS pose-estimation files (``jabs``: read versions 2 to 6, write 2 to 5).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. See ``docs/formats/jabs.md``.
"""

from poseio_jabs._sniff import FORMAT

__all__ = ["FORMAT"]
