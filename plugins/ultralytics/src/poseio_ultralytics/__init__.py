"""poseio plugin for Ultralytics YOLO pose datasets (``ultralytics``, read and write).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. See ``docs/formats/ultralytics.md``.
"""

from poseio_ultralytics._sniff import FORMAT

__all__ = ["FORMAT"]
