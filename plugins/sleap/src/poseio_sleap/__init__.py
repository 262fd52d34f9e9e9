"""poseio plugin for SLEAP: labels files and packages (``slp``) and analysis HDF5 (``sleap-analysis``).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save`` rather than this package. `embedded_image` returns a
frame that a ``.pkg.slp`` package embeds.
"""

from poseio_sleap._common import ANALYSIS, SLP
from poseio_sleap._videos import embedded_image

__all__ = ["ANALYSIS", "SLP", "embedded_image"]
