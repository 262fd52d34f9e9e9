"""poseio plugin for OpenPose ``--write_json`` output (``openpose``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
on the output folder or one of its files. See ``docs/formats/openpose.md``.
"""

from poseio_openpose._sniff import FORMAT

__all__ = ["FORMAT"]
