"""poseio plugin for sleap-io's CSV layouts (``sleap``, ``instances``, ``points``, ``frames``) and their sidecar.

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. See ``docs/formats/sleap-csv.md``.
"""

from poseio_sleap_csv._columns import FORMAT, LAYOUTS

__all__ = ["FORMAT", "LAYOUTS"]
