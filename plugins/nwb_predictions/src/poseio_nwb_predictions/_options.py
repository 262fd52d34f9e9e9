"""The options the nwb-predictions writer takes, in a module of their own.

The plugin declares them (``poseio_formats``) on every ``poseio.load``; the
writer, which imports h5py and builds pynwb objects, is imported when it runs.
"""

#: The writer's own options (a new file also takes the NWBFile fields, `poseio_nwb.nwb_format_info`).
POSE_OPTIONS = (
    "fps",
    "timestamps",
    "frames_as_seconds",
    "scorer",
    "source_software",
    "source_software_version",
    "description",
    "skeleton_map",
    "compression",
    "module_name",
    "layout",
)
