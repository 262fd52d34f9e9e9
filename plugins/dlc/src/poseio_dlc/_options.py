"""The options DeepLabCut files and projects are read and written with, in a module of their own.

The plugin declares them (``poseio_formats``) on every ``poseio.load``; the
readers and writers (pandas, h5py) are imported when they run.
"""

READ_OPTIONS = ("fps", "video", "kind", "key")
WRITE_OPTIONS = ("scorer", "layout", "kind", "key")
#: The scorer a pose file is written with when neither the option nor the source names one.
DEFAULT_SCORER = "DLC_poseio"

PROJECT_READ_OPTIONS = ("fps",)
PROJECT_WRITE_OPTIONS = ("scorer", "task", "images", "kind")
