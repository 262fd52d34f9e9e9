"""Helpers shared by poseio's two NWB (ndx-pose) format plugins, on poseio's public API.

Both plugins read NWB's HDF5 layout with h5py alone (so sniffing and reading
never import pynwb) and write with pynwb + ndx-pose (`poseio_nwb.writing`,
which imports them when called). What is not NWB-specific (safe dataset reads,
damage reported as ReadError) comes from `poseio.hdf5`.
"""

from poseio_nwb._h5 import LEAF_TYPES, linked_groups, neurodata_type, typed_groups
from poseio_nwb._hooks import nwb_format_info, nwb_to_read, nwb_write_claim
from poseio_nwb._names import REPEAT, escape_track, repeated, track_of, unique_name
from poseio_nwb._objects import (
    UNLINKED_TRAINING_FRAMES,
    PoseioExtras,
    read_skeleton,
    read_video,
    series_times,
    session_metadata,
)
from poseio_nwb._paths import video_label
from poseio_nwb._session import NOT_READ, objects_not_read
from poseio_nwb._sniff import NDX_POSE, nwb_root_kind, pose_claim
from poseio_nwb._validate import validate_nwb

__all__ = [
    "LEAF_TYPES",
    "NDX_POSE",
    "NOT_READ",
    "REPEAT",
    "UNLINKED_TRAINING_FRAMES",
    "PoseioExtras",
    "escape_track",
    "linked_groups",
    "neurodata_type",
    "nwb_format_info",
    "nwb_root_kind",
    "nwb_to_read",
    "nwb_write_claim",
    "objects_not_read",
    "pose_claim",
    "read_skeleton",
    "read_video",
    "repeated",
    "series_times",
    "session_metadata",
    "track_of",
    "typed_groups",
    "unique_name",
    "validate_nwb",
    "video_label",
]
