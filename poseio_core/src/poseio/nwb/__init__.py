"""Helpers shared by the NWB (ndx-pose) format plugins.

Everything here reads with h5py only, so sniffing and reading never import
pynwb. The writing helpers in `poseio.nwb.writing` import pynwb when called.
"""

from poseio.nwb._h5 import (
    LEAF_TYPES,
    dangling_links,
    linked_groups,
    location,
    neurodata_type,
    read_number,
    read_strings,
    read_text,
    reading,
    target_path,
    text,
    typed_groups,
    values,
)
from poseio.nwb._names import REPEAT, escape_track, repeated, track_of, unique_name
from poseio.nwb._objects import PoseioExtras, read_skeleton, read_video, series_times, session_metadata
from poseio.nwb._sniff import NDX_POSE, nwb_root_kind, pose_claim

__all__ = [
    "LEAF_TYPES",
    "NDX_POSE",
    "REPEAT",
    "PoseioExtras",
    "dangling_links",
    "escape_track",
    "linked_groups",
    "location",
    "neurodata_type",
    "nwb_root_kind",
    "pose_claim",
    "read_number",
    "read_skeleton",
    "read_strings",
    "read_text",
    "read_video",
    "reading",
    "repeated",
    "series_times",
    "session_metadata",
    "target_path",
    "text",
    "track_of",
    "typed_groups",
    "unique_name",
    "values",
]
