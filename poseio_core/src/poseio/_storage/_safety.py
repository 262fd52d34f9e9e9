"""Reading an HDF5 file without leaving it, and without believing its sizes.

A pose file is untrusted input. HDF5 lets a file point elsewhere: external
links open other HDF5 files (or a FIFO that blocks forever), external storage
reads a dataset's bytes from raw files such as ``/etc/passwd``, and virtual
datasets map other files (silently giving fill values when they are missing).
A file can also declare a dataset far larger than what it stores, so that
reading it allocates gigabytes of made-up zeros.

The checks here are what ``docs/security.md`` promises:

- `refuse_external_links` runs once per load over every link of the file
  (HDF5's own link walk, which visits each group once, so link cycles cannot
  loop it) and refuses external and user-defined links.
- `check_dataset` runs on every dataset a reader reads, before reading it: it
  refuses external storage and virtual layouts, datasets that store less than
  they declare, and reads past what the load has left of its memory budget
  (one budget per load, drawn by every read and every array sized from the
  file). `check_stored` applies the same rules, less the budget, to a dataset
  whose shape a reader trusts without reading it.
- `audit_file` does both for every object, for tools that read a whole file
  themselves (the validators behind ``poseio validate``).

What a caller allows is set for the duration of one load by
`poseio._storage._policy.reading_policy` (``poseio.load(..., allow_external=True,
memory_budget=...)``); plugins call the checks without passing it around.
"""

from __future__ import annotations

import math

import h5py
from h5py import h5d, h5i, h5l, h5o

from poseio._errors import UnsafeFileError, damaged_file_error
from poseio._storage._policy import budget_message, current_policy, draw, size_text
from poseio._words import say_option

#: How many refused objects an error message lists by name.
LISTED = 5
#: What HDF5 holds in memory for each chunk of a dataset read whole (its index entry and the
#: bookkeeping of the read), counted against the memory budget: 840,000 one-element chunks
#: peaked at 3.3 GB, about 4 kB each.
CHUNK_OVERHEAD = 4096


def _refuse(filename: str, what: str, objects: list[str], advice: str) -> UnsafeFileError:
    listed = ", ".join(objects[:LISTED]) + (f" and {len(objects) - LISTED} more" if len(objects) > LISTED else "")
    return UnsafeFileError(f"{filename}: {what}: {listed}. {advice}", path=filename, objects=objects)


def _opt_in() -> str:
    """The advice on external links, in the caller's words (built when raised: the audience is known then)."""
    return (
        "poseio reads only the file it is given; if you trust this file and the files it names, "
        f"pass {say_option('allow_external')}"
    )


def refuse_external_links(file: h5py.File) -> None:
    """Raise `UnsafeFileError` when the file holds links into other files, unless the policy allows them.

    The walk is HDF5's own (``H5Lvisit``), which lists each link once and
    enters each group once, however many hard links lead to it, so a link
    cycle is listed but never loops.
    """
    if current_policy().allow_external:
        return
    outside: list[str] = []

    def look(name: bytes, info: h5l.LinkInfo) -> None:
        if info.type not in (h5l.TYPE_HARD, h5l.TYPE_SOFT):
            outside.append("/" + name.decode("utf-8", "replace"))

    try:
        file.id.links.visit(look, info=True)
    except Exception as exc:  # noqa: BLE001 - h5py reports a broken group as RuntimeError, KeyError, ...
        raise damaged_file_error(file.filename, exc, path=file.filename) from exc
    if outside:
        raise _refuse(file.filename, "it links to objects in other files", outside, _opt_in())


def audit_file(file: h5py.File) -> None:
    """`refuse_external_links`, then `check_dataset` on every dataset of the file.

    For tools that read a whole file by themselves (pynwb's validator and
    nwbinspector under ``poseio validate``), where poseio cannot check each
    read. Each object is visited once (HDF5's ``H5Ovisit``), so cycles end.
    """
    refuse_external_links(file)

    def look(name: bytes, info: h5o.ObjInfo) -> None:
        if info.type == h5o.TYPE_DATASET:
            check_dataset(h5d.open(file.id, name))

    try:
        h5o.visit(file.id, look, info=True)
    except UnsafeFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - as in refuse_external_links
        raise damaged_file_error(file.filename, exc, path=file.filename) from exc


def check_dataset(dataset: h5py.Dataset | h5d.DatasetID) -> None:
    """Refuse to read a dataset that lives outside the file, claims more than it stores, or is over the budget.

    Call it before reading the dataset whole. It costs a few HDF5 calls, no
    read, and draws the read (its values, and HDF5's bookkeeping of each of
    its chunks) from the load's one memory budget.

    Raises:
        UnsafeFileError: The dataset uses external storage or a virtual layout
            (unless the policy allows them), stores fewer bytes than it declares
            (unwritten rows that HDF5 would return as fill values), or needs
            more than the load has left of its memory budget.
    """
    dataset_id = dataset.id if isinstance(dataset, h5py.Dataset) else dataset
    # The common case in two cheap calls (a tenth of the full check; annotations read tens of
    # thousands of small datasets): contiguous storage inside the file, allocated (an offset
    # exists only then), so everything declared is stored here.
    if dataset_id.get_offset() is not None:
        _draw(dataset_id, dataset_id.get_storage_size(), "reading this dataset")
        return
    _check_storage(dataset_id, read=True)


def check_stored(dataset: h5py.Dataset | h5d.DatasetID) -> None:
    """`check_dataset` for a dataset that is not read whole, but whose shape a reader uses or trusts.

    The hollow-dataset and inside-the-file rules alone, without drawing from
    the budget: a package's embedded video declaring 400 million frames and
    storing none is refused before its frame numbers are made from that count.

    Raises:
        UnsafeFileError: As `check_dataset`, except for the budget.
    """
    dataset_id = dataset.id if isinstance(dataset, h5py.Dataset) else dataset
    if dataset_id.get_offset() is None:
        _check_storage(dataset_id, read=False)


def _check_storage(dataset_id: h5d.DatasetID, *, read: bool) -> None:
    declared = math.prod(dataset_id.shape) * dataset_id.get_type().get_size()
    if declared == 0:
        return
    plist = dataset_id.get_create_plist()
    layout = plist.get_layout()
    chunks = (
        math.prod(math.ceil(n / c) for n, c in zip(dataset_id.shape, plist.get_chunk())) if layout == h5d.CHUNKED else 0
    )
    if read:
        # Drawn before HDF5 is asked anything that walks the chunk index (840,000 one-element chunks
        # cost HDF5 3 GB to read whole, far more than their values).
        what = f"reading this dataset ({chunks} chunks)" if chunks > 1 else "reading this dataset"
        _draw(dataset_id, declared + chunks * CHUNK_OVERHEAD, what)
    if layout == h5d.VIRTUAL or plist.get_external_count():
        if current_policy().allow_external:
            return
        kind = "is a virtual dataset mapped from other files" if layout == h5d.VIRTUAL else "stores its data in files"
        where = _where(dataset_id)
        raise _refuse(where.split(":", 1)[0], f"a dataset {kind}", [where.split(":", 1)[1]], _opt_in())
    if layout == h5d.CHUNKED:
        if dataset_id.get_num_chunks() < chunks:
            _hollow(dataset_id, f"{dataset_id.get_num_chunks()} of its {chunks} chunks")
    elif layout == h5d.CONTIGUOUS and dataset_id.get_storage_size() < declared:
        _hollow(dataset_id, f"{size_text(dataset_id.get_storage_size())} of {size_text(declared)}")


def _draw(dataset_id: h5d.DatasetID, nbytes: int, what: str) -> None:
    """Draw a read from the load's memory budget (`poseio._storage._policy.check_allocation`), naming the dataset."""
    if draw(nbytes):
        return
    where = _where(dataset_id)
    raise UnsafeFileError(
        budget_message(nbytes, what, where), path=where.split(":", 1)[0], objects=[where.split(":", 1)[1]]
    )


def _hollow(dataset_id: h5d.DatasetID, stored: str) -> None:
    where = _where(dataset_id)
    raise UnsafeFileError(
        f"{where}: the dataset declares shape {dataset_id.shape} but stores only {stored}; reading it would "
        "invent fill values for the rest. The file is incomplete or crafted; write it again with the tool that made it",
        path=where.split(":", 1)[0],
        objects=[where.split(":", 1)[1]],
    )


def _where(dataset_id: h5d.DatasetID) -> str:
    filename = h5py.File(h5i.get_file_id(dataset_id)).filename
    name = h5i.get_name(dataset_id)
    return f"{filename}:{name.decode('utf-8', 'replace') if name else '?'}"
