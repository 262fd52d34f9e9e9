"""poseio plugin for DANNCE 3D prediction files (``dannce``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/dannce.md``.
"""

from poseio_dannce._sniff import FORMAT

__all__ = ["FORMAT"]
