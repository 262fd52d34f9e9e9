"""poseio plugin for Lightning Pose CSVs (DeepLabCut's single-animal layout).

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. `is_model_scorer` tells a Lightning Pose model's scorer
(``heatmap_tracker``, ...) from other scorers, as this plugin's sniffer does.
"""

from poseio_lightning_pose._header import is_model_scorer
from poseio_lightning_pose._options import DEFAULT_SCORER

__all__ = ["DEFAULT_SCORER", "is_model_scorer"]
