"""poseio plugin for TRex per-individual ``.npz`` exports (``trex``, read only).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``.
See ``docs/formats/trex.md``.
"""

from poseio_trex._sniff import FORMAT

__all__ = ["FORMAT"]
