"""poseio plugin for Anipose's triangulated 3D poses (``pose-3d/*.csv``), read only.

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
`FIELDS` lists the six columns Anipose writes per bodypart.
"""

from poseio_anipose._columns import FIELDS

__all__ = ["FIELDS"]
