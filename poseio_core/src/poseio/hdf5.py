"""HDF5 helpers for format plugins: fast walks, safe whole-dataset reads, damage reported as `ReadError`.

Importing this module imports h5py (``import poseio`` does not). The shipped
NWB plugins read with these and nothing private; a plugin for any HDF5-based
format (SLEAP ``.slp``, DeepLabCut ``.h5``) should too, so that the promises of
the security page hold for it as well:

- Read whole datasets with `values` (or call `check_dataset` first): it refuses
  external storage, virtual datasets, datasets that store less than they
  declare and datasets over the memory budget, before allocating anything.
- ``poseio.load`` has already refused external links (`refuse_external_links`)
  before a reader runs; a tool that hands a file to another library that reads
  all of it calls `audit_file`.
- Wrap a block that reads one object in ``with reading("the skeleton", group):``
  so that whatever h5py or numpy raises on a damaged file reaches the user as
  a `poseio.ReadError` naming the object.

Example::

    from poseio.hdf5 import reading, values

    def read_points(h5file):
        with reading("the points", h5file):
            return values(h5file["points"], float)
"""

from poseio._storage._hdf5 import (
    attribute_text,
    child_groups,
    dangling_links,
    location,
    memory_type,
    object_key,
    open_attribute,
    read_number,
    read_strings,
    read_text,
    reading,
    target_path,
    text,
    values,
)
from poseio._storage._safety import audit_file, check_dataset, check_stored, refuse_external_links

__all__ = [
    "attribute_text",
    "audit_file",
    "check_dataset",
    "check_stored",
    "child_groups",
    "dangling_links",
    "location",
    "memory_type",
    "object_key",
    "open_attribute",
    "read_number",
    "read_strings",
    "read_text",
    "reading",
    "refuse_external_links",
    "target_path",
    "text",
    "values",
]
