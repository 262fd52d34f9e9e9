"""Recognising idtracker.ai's trajectories by names, shapes and header lines, never by their values.

idtracker.ai saves one dictionary of trajectories in several files:
``trajectories.h5`` (arrays as datasets, numbers and text as root
attributes), ``trajectories_csv/trajectories.csv`` (``time,x1,y1,x2,y2,...``)
and ``trajectories.npy`` (the dictionary pickled by ``np.save``). The HDF5
file is known by a ``trajectories`` dataset of shape (frames, animals, 2) and
idtracker.ai's attributes; the CSV by its header line; the ``.npy`` by its
header (a single Python object) and the key ``trajectories`` in its first
bytes; the CSV export's folder by the ``trajectories.csv`` in it. The
``.npy`` is claimed so that its load can say how to convert it: it is never
unpickled (`_read_npy`).
"""

from __future__ import annotations

import ast
import re

import poseio

FORMAT = "idtracker"

#: Root attributes idtracker.ai writes into trajectories.h5 (scalars and text of its dictionary).
H5_ATTRIBUTES = ("frames_per_second", "body_length", "version", "length_unit")
NPY_MAGIC = b"\x93NUMPY"
#: The CSV export's time column: ``time`` (idtracker.ai 6.0.x), ``seconds`` (6.0.0a0: the real export in
#: roaldarbol/animovement's tests/testthat/data/idtrackerai/trajectories_csv/ has it), or none (older versions).
TIME_COLUMN = r"(?:time|seconds),"
#: The CSV export's header: a time column, then x and y of animals 1, 2, ...
CSV_HEADER = re.compile(rf"^({TIME_COLUMN})?x1,y1(,x\d+,y\d+)*$")
#: The tidy CSV export's header (idtracker.ai 6.0.14, ``--formats csv_tidy``): one row per frame and animal.
TIDY_HEADER = "frame,time,individual,x,y,probability"
#: What the tidy export writes beside its table (the CSV export writes attributes.json).
TIDY_ATTRIBUTES = "attributes_tidy.json"
#: The tables of the CSV exports' folders (``trajectories_csv/``, ``trajectories_tidy/``).
CSV_TABLES = ("trajectories.csv", "trajectories_tidy.csv")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """One claim for the file, by its kind (HDF5, ``.npy`` or CSV text), or for the CSV export's folder."""
    if probe.is_folder:
        return _sniff_folder(probe)
    if probe.is_hdf5:
        return _sniff_h5(probe)
    if probe.head.startswith(NPY_MAGIC):
        return _sniff_npy(probe.head)
    if probe.has_ending(".csv"):
        return _sniff_csv(probe)
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "neither HDF5, a .npy array nor a CSV file")


def _sniff_h5(probe: poseio.Probe) -> poseio.Claim:
    h5 = probe.h5
    if h5 is None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "an HDF5 file that cannot be opened")
    import h5py  # already imported by the probe, which opened the file

    # The link itself, not what it leads to: an external link is not followed while sniffing.
    link = h5.get("trajectories", getlink=True)
    if not isinstance(link, h5py.HardLink) or h5.get("trajectories", getclass=True) is not h5py.Dataset:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "an HDF5 file without idtracker.ai's 'trajectories' dataset")
    shape = h5["trajectories"].shape
    if shape is None or len(shape) != 3 or shape[2] != 2:
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, f"'trajectories' is {shape}, not idtracker.ai's (frames, animals, 2)"
        )
    seen = [name for name in H5_ATTRIBUTES if name in h5.attrs]
    if seen:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"idtracker.ai trajectories (frames, animals, 2), {seen}")
    return poseio.Claim(
        FORMAT,
        poseio.STRUCTURE_MATCH,
        "a 'trajectories' dataset of (frames, animals, 2) without idtracker.ai's attributes",
    )


def npy_header(head: bytes) -> dict | None:
    """The header of a ``.npy`` file (``descr``, ``fortran_order``, ``shape``), read from its first bytes."""
    if not head.startswith(NPY_MAGIC) or len(head) < 10:
        return None
    major = head[6]
    size_bytes = 2 if major == 1 else 4
    start = 8 + size_bytes
    length = int.from_bytes(head[8:start], "little")
    try:
        header = ast.literal_eval(head[start : start + length].decode("latin1"))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def _sniff_npy(head: bytes) -> poseio.Claim:
    header = npy_header(head)
    if header is None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a .npy file whose header cannot be read")
    if header.get("descr") != "|O" or header.get("shape") != ():
        return poseio.Claim(
            FORMAT,
            poseio.NOT_MINE,
            f"a .npy array of {header.get('descr')} {header.get('shape')}, not idtracker.ai's pickled dictionary",
        )
    if b"trajectories" not in head:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a pickled .npy object without idtracker.ai's 'trajectories' key")
    return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "idtracker.ai's pickled trajectories dictionary (.npy)")


def _sniff_folder(probe: poseio.Probe) -> poseio.Claim:
    """``trajectories_csv/`` (or ``trajectories_tidy/``): a folder with its table, judged by its header."""
    name = next((n for n in CSV_TABLES if n in probe.entries), None)
    if name is None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a folder without idtracker.ai's trajectories.csv")
    member = probe.member(name)
    if member is None or not member.is_file():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"{name} is not a file")
    with poseio.Probe(member) as inner:
        claim = _sniff_csv(inner)
    if claim.confidence == poseio.NOT_MINE:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a folder whose {name} is not idtracker.ai's: {claim.reason}")
    return poseio.Claim(FORMAT, claim.confidence, f"idtracker.ai's CSV export folder ({claim.reason})")


def _sniff_csv(probe: poseio.Probe) -> poseio.Claim:
    from poseio.csv import head_lines

    lines = head_lines(probe)
    if lines.refusal:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, lines.refusal)
    first = lines.complete[0] if lines.complete else ""
    header = first.strip().replace(" ", "")
    beside = probe.path.parent if probe.path is not None else None
    if header == TIDY_HEADER:
        if beside is not None and (beside / TIDY_ATTRIBUTES).is_file():
            return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"idtracker.ai tidy CSV export beside {TIDY_ATTRIBUTES}")
        return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, f"idtracker.ai's tidy CSV header {TIDY_HEADER}")
    if not CSV_HEADER.match(header):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a CSV file without idtracker.ai's time,x1,y1,... header")
    numbers = [int(n) for n in re.findall(r"[xy](\d+)", header)]
    if numbers != [n for k in range(1, len(numbers) // 2 + 1) for n in (k, k)]:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "x/y columns not numbered 1, 2, ... as idtracker.ai numbers them")
    if beside is not None and (beside / "attributes.json").is_file():
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "idtracker.ai CSV export: x1,y1,... beside attributes.json")
    return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, "idtracker.ai's CSV header x1,y1,x2,y2,...")
