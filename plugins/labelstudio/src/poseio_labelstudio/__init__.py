"""poseio plugin for Label Studio JSON task exports with keypoint labels (``labelstudio``, read and write).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. See ``docs/formats/labelstudio.md``.
"""

from poseio_labelstudio._sniff import FORMAT

__all__ = ["FORMAT"]
