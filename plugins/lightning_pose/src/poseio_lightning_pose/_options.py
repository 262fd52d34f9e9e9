"""The options Lightning Pose files are read and written with, in a module of their own.

The plugin declares them (``poseio_formats``) on every ``poseio.load``; the
reader and writer (pandas) are imported when they run.
"""

READ_OPTIONS = ("fps", "video")
WRITE_OPTIONS = ("layout", "scorer")
#: The scorer the writer names when none is given: Lightning Pose's own heatmap model.
DEFAULT_SCORER = "heatmap_tracker"
