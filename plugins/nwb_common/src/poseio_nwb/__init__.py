"""Helpers shared by poseio's two NWB (ndx-pose) format plugins, on poseio's public API.

Both plugins read NWB's HDF5 layout with h5py alone (so sniffing and reading
never import pynwb) and write with pynwb + ndx-pose (`poseio_nwb.writing`,
which imports them when called). What is not NWB-specific (safe dataset reads,
damage reported as ReadError) comes from `poseio.hdf5`.
"""

from poseio_nwb._lazy import lazy_attributes

#: Where each public name lives. Loaded on first use (PEP 562): poseio imports this package
#: on every load to find its plugins, and most of the modules import h5py.
_MODULE_OF = {
    "LEAF_TYPES": "_h5",
    "NDX_POSE": "_sniff",
    "NOT_READ": "_session",
    "PoseioExtras": "_objects",
    "REPEAT": "_names",
    "UNLINKED_TRAINING_FRAMES": "_objects",
    "escape_track": "_names",
    "linked_groups": "_h5",
    "neurodata_type": "_h5",
    "nwb_format_info": "_hooks",
    "nwb_root_kind": "_sniff",
    "nwb_to_read": "_hooks",
    "nwb_write_claim": "_hooks",
    "objects_not_read": "_session",
    "pose_claim": "_sniff",
    "read_skeleton": "_objects",
    "read_video": "_objects",
    "repeated": "_names",
    "series_times": "_objects",
    "session_metadata": "_objects",
    "track_of": "_names",
    "typed_groups": "_h5",
    "unique_name": "_names",
    "validate_nwb": "_validate",
    "video_label": "_paths",
}

__all__ = [
    "LEAF_TYPES",
    "NDX_POSE",
    "NOT_READ",
    "REPEAT",
    "UNLINKED_TRAINING_FRAMES",
    "PoseioExtras",
    "escape_track",
    "lazy_attributes",
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


__getattr__, __dir__ = lazy_attributes(__name__, _MODULE_OF)
