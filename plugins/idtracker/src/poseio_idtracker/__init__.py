"""poseio plugin for idtracker.ai trajectories (``idtracker``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/idtracker.md``.
"""

from poseio_idtracker._sniff import FORMAT

__all__ = ["FORMAT"]
