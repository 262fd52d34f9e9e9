"""poseio plugin for DeepLabCut's pose files: labelled data and predictions, CSV and HDF5.

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. `is_dlc_scorer` tells a DeepLabCut model's scorer from
other scorers, as this plugin's sniffer does; `DEFAULT_SCORER` is the scorer
its writer uses when none is given.
"""

from poseio_dlc._columns import is_dlc_scorer
from poseio_dlc._options import DEFAULT_SCORER

__all__ = ["DEFAULT_SCORER", "is_dlc_scorer"]
