"""The NWBFile fields poseio reads and writes back, by name.

Their own module, without h5py or pynwb, so that a plugin declaring its
options (``poseio_formats``) imports nothing heavy.
"""

#: The NWBFile fields at the file's root that poseio reads and writes back.
ROOT_TEXT = ("session_description", "identifier", "session_start_time", "timestamps_reference_time")
#: The NWBFile text fields under /general that poseio reads and writes back.
GENERAL_TEXT = (
    "session_id",
    "experiment_description",
    "institution",
    "lab",
    "notes",
    "pharmacology",
    "protocol",
    "surgery",
    "virus",
    "stimulus_notes",
    "data_collection",
)
#: Text lists under /general.
GENERAL_LISTS = ("experimenter", "keywords", "related_publications")
#: NWBFile options accepted by `new_nwbfile` (besides ``subject``): the fields the readers keep.
NWBFILE_OPTIONS = (*ROOT_TEXT, *GENERAL_LISTS, *GENERAL_TEXT)
#: NWBFile options that only make sense for a new file.
NWBFILE_OPTION_NAMES = (*NWBFILE_OPTIONS, "subject", "keep_session")
