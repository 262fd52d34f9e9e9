"""The options the nwb-annotations writer takes, in a module of their own.

The plugin declares them (``poseio_formats``) on every ``poseio.load``; the
writer, which imports h5py and builds pynwb objects, is imported when it runs.
"""

#: The options this writer takes. ``fps``, ``timestamps``, ``frames_as_seconds``, ``compression``,
#: ``skeleton_map`` and ``module_name`` mean what they mean to the nwb-predictions writer, so that
#: one call saves labelled frames alone as it saves them beside predictions.
OPTIONS = (
    "annotator",
    "skeleton_map",
    "module_name",
    "frame_map",
    "fps",
    "timestamps",
    "frames_as_seconds",
    "compression",
)
