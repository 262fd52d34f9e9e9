"""What a movement poses dataset looks like on disk, shared by the sniffer, reader and writer.

movement keeps one video's poses in an ``xarray.Dataset`` and its users save it
with ``ds.to_netcdf(...)``: a netCDF-4 file (HDF5 underneath) whose root holds
the data variables and their coordinate variables, and whose root attributes
are the dataset's ``attrs``. Two layouts are in use:

- today's (movement 0.15 writes it): ``position``
  ``(time, space, keypoints, individuals)`` and ``confidence``
  ``(time, keypoints, individuals)``;
- early releases: ``pose_tracks`` ``(time, individuals, keypoints, space)`` and
  ``confidence`` ``(time, individuals, keypoints)``.

Both are read by dimension *name*, so any order of the four is understood.
This module imports neither numpy nor h5py.
"""

from __future__ import annotations

FORMAT = "movement-netcdf"
#: The options the plugin declares: read here, written there (none).
READ_OPTIONS = ("fps",)
WRITE_OPTIONS: tuple[str, ...] = ()
#: The position variable's names: today's first, then the early releases'.
POSITION_NAMES = ("position", "pose_tracks")
CONFIDENCE = "confidence"
#: The order the reader lays the position array out in (that of poseio's dense arrays).
AXES = ("time", "individuals", "keypoints", "space")
#: movement 0.15's stored order, which the writer uses.
MOVEMENT_ORDER = ("time", "space", "keypoints", "individuals")
SPACE = ("x", "y", "z")
#: Root attribute naming the individuals the writer made up for untracked instances.
UNTRACKED_ATTR = "poseio_untracked"
#: Attributes the writer computes; the others of a file read before are written back as they were.
COMPUTED_ATTRS = ("ds_type", "fps", "time_unit", "video_path", UNTRACKED_ATTR)
#: A time in seconds times the frame rate is a frame number give or take float rounding.
FRAME_TOLERANCE = 1e-3
