"""poseio plugin for COCO keypoints: annotation files (``coco``, read and write) and results lists (``coco-results``).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. See ``docs/formats/coco.md``.
"""

from poseio_coco._sniff import FORMAT, RESULTS

__all__ = ["FORMAT", "RESULTS"]
