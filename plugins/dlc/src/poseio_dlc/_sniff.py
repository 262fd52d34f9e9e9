"""Recognising DeepLabCut files from the probe: CSV header rows, pandas HDF5 attributes.

The rule for the DeepLabCut single-animal CSV layout, which Lightning Pose
writes too, is agreed with the Lightning Pose plugin: a file whose scorer is a
DeepLabCut model (``DLC_...``, ``DeepCut_...``) or whose name is one
DeepLabCut gives its files (``CollectedData_*``, ``machinelabels*``) is
claimed at `TYPED_MATCH`; any other scorer (``movement``, a person's name in a
renamed file) at `STRUCTURE_MATCH`, above the 0.4 at which the Lightning Pose
plugin claims files whose scorer is not one of its models.

HDF5 files are pandas frames stored by PyTables: a group (the key,
``df_with_missing`` in DeepLabCut's own files) with a ``pandas_type``
attribute. The column level names are read from attributes only: the pickled
``info`` of ``format="table"`` files (parsed as plain data, see
`poseio_dlc._pickle`), the ``name`` attribute of each level dataset of
``format="fixed"`` ones. No dataset is read.
"""

from __future__ import annotations

from pathlib import Path

import poseio
from poseio.csv import continues_past_head, head_lines, split_rows

from poseio_dlc._columns import MULTI_LEVELS, SINGLE_LEVELS, Columns, ColumnsError, is_dlc_file_name, is_dlc_scorer
from poseio_dlc._config import CONFIG, PROJECT, looks_like_config
from poseio_dlc._header import MAX_ROWS, levels_of, parse
from poseio_dlc._pickle import UnsafePickleError

FORMAT = "dlc"
#: The keys DeepLabCut and its tools store frames under, most usual first.
KNOWN_KEYS = ("df_with_missing", "tracks", "df", "keypoints")
#: A root with more children than this is not a pandas store of one frame: only the first are looked at.
MAX_ROOT_CHILDREN = 64
#: How much of a config.yaml the sniffer reads: the keys it looks for come first, before a long video_sets.
CONFIG_SNIFF_BYTES = 64 * 1024
LABELED_DATA = "labeled-data"


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """Claim a DeepLabCut CSV or HDF5 file by its content, or a project (see the module docstring)."""
    if probe.is_folder or probe.extension in (".yaml", ".yml"):
        return sniff_project(probe)
    if probe.is_hdf5:
        return _sniff_hdf5(probe)
    return _sniff_csv(probe)


# -- Projects ------------------------------------------------------------------------------------


def sniff_project(probe: poseio.Probe) -> poseio.Claim:
    """Claim a DeepLabCut project's folder, or its config.yaml, by the config's top-level keys."""
    if probe.is_folder:
        if CONFIG not in probe.entries:
            return poseio.Claim(PROJECT, poseio.NOT_MINE, f"a folder without {CONFIG} (a DeepLabCut project's)")
        path = probe.member(CONFIG)
        if path is None or not path.is_file():
            return poseio.Claim(PROJECT, poseio.NOT_MINE, f"{CONFIG} is not a file")
        text = _start_of(path)
        where = f"a folder whose {CONFIG}"
    else:
        # The head decides most files; a config whose keys lie further (a long comment first) is read on.
        text = probe.head
        if looks_like_config(text) is not None and probe.path is not None:
            text = _start_of(probe.path)
        where = "a YAML file"
    why_not = looks_like_config(text)
    if why_not is not None:
        return poseio.Claim(PROJECT, poseio.NOT_MINE, f"not a DeepLabCut project: {why_not}")
    labeled = probe.member(LABELED_DATA) is not None
    return poseio.Claim(
        PROJECT,
        poseio.TYPED_MATCH,
        f"{where} has DeepLabCut's project keys (Task, scorer, bodyparts)"
        + (f" beside {LABELED_DATA}/" if labeled else f", no {LABELED_DATA}/ yet"),
    )


def _start_of(path: Path) -> bytes:
    """The first `CONFIG_SNIFF_BYTES` of a config: DeepLabCut writes its project keys first, video_sets among them."""
    try:
        with open(path, "rb") as stream:
            return stream.read(CONFIG_SNIFF_BYTES)
    except OSError:
        return b""


# -- CSV -----------------------------------------------------------------------------------------


def _sniff_csv(probe: poseio.Probe) -> poseio.Claim:
    head = head_lines(probe)
    if head.refusal:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, head.refusal)
    lines, complete = head.lines, head.complete
    # The head may end inside a line: parse the complete lines, and the cut one only as a last resort.
    try:
        header = parse(split_rows(complete[:MAX_ROWS]))
    except ColumnsError as exc:
        if lines and continues_past_head(probe) and len(complete) < MAX_ROWS:
            return _wide_header(probe, split_rows(lines[:MAX_ROWS]))
        if lines and split_rows(lines[:1])[0][:1] == ["scorer"]:
            # Declined; format="dlc" still reaches the reader (the caller's say-so), which says what is wrong.
            return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a DeepLabCut scorer row, but {exc}")
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"not a DeepLabCut CSV: {exc}")
    columns = header.columns
    what = f"{'multi' if columns.multi_animal else 'single'}-animal DeepLabCut header"
    return _by_scorer(probe, columns.point_scorers, what)


def _wide_header(probe: poseio.Probe, rows: list[list[str]]) -> poseio.Claim:
    """A claim from header rows wider than the sniffed bytes: the rows seen must start as DeepLabCut's do."""
    try:
        levels = levels_of(rows)
    except ColumnsError as exc:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"not a DeepLabCut CSV: {exc}")
    for row, level in zip(rows[1:], levels[1:]):
        if not row or row[0] != level:
            return poseio.Claim(
                FORMAT, poseio.NOT_MINE, f"a scorer row, but the next row does not start with {level!r}"
            )
    # The last cell seen may be cut; the index columns' cells are empty.
    scorers = list(dict.fromkeys(c for c in rows[0][1:-1] if c))
    if not scorers:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a scorer row that names no scorer in the bytes sniffed")
    return _by_scorer(probe, scorers, "DeepLabCut header rows (wider than the bytes sniffed)")


def _by_scorer(probe: poseio.Probe, scorers: list[str], what: str) -> poseio.Claim:
    name = Path(probe.name).name
    shown = ", ".join(repr(s) for s in scorers[:2]) + (f" and {len(scorers) - 2} more" if len(scorers) > 2 else "")
    if scorers and all(is_dlc_scorer(s) for s in scorers):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"{what} scored by DeepLabCut model {shown}")
    if is_dlc_file_name(name):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"{what} in a file DeepLabCut names so ({name})")
    return poseio.Claim(
        FORMAT,
        poseio.STRUCTURE_MATCH,
        f"{what}, scorer {shown} (not a DeepLabCut model's name; another tool wrote DeepLabCut's layout)",
    )


# -- HDF5 ----------------------------------------------------------------------------------------


def pandas_groups(h5file: object) -> list[str]:
    """Names of the root's groups that pandas wrote (a ``pandas_type`` attribute), DeepLabCut's keys first."""
    import h5py

    found = []
    for number, name in enumerate(h5file):
        if number >= MAX_ROOT_CHILDREN:
            break
        if not isinstance(h5file.get(name, getlink=True), h5py.HardLink):
            continue
        group = h5file.get(name)
        if isinstance(group, h5py.Group) and "pandas_type" in group.attrs:
            found.append(name)
    return sorted(found, key=lambda n: (KNOWN_KEYS.index(n) if n in KNOWN_KEYS else len(KNOWN_KEYS), n))


def _sniff_hdf5(probe: poseio.Probe) -> poseio.Claim:
    from poseio_dlc._hdf import frame_kind, level_names, table_labels

    h5file = probe.h5
    keys = pandas_groups(h5file)
    if not keys:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "HDF5 without a pandas frame (no group with 'pandas_type')")
    reasons = []
    for key in keys:
        group = h5file[key]
        kind = frame_kind(group)
        if kind is None:
            reasons.append(f"'{key}' is a pandas {group.attrs['pandas_type']!r}, not a frame")
            continue
        try:
            names = level_names(group, kind)
            if names not in (SINGLE_LEVELS, MULTI_LEVELS):
                reasons.append(f"'{key}' has the column levels {list(names)}, not DeepLabCut's")
                continue
            # A table's labels are attributes too: check that they hold x and y (a fixed frame's are datasets).
            labels = Columns.from_labels(names, table_labels(group)) if kind == "table" else None
        except UnsafePickleError as exc:
            if key in KNOWN_KEYS:
                # DeepLabCut's key with labels that cannot be read safely: claimed, so that reading says why.
                return poseio.Claim(
                    FORMAT, poseio.STRUCTURE_MATCH, f"pandas frame '{key}', but its column labels are unsafe: {exc}"
                )
            reasons.append(f"'{key}': its column labels are unsafe ({exc})")
            continue
        except ColumnsError as exc:
            reasons.append(f"'{key}': {exc}")
            continue
        coords = f" and coords {'/'.join(dict.fromkeys(c for c in labels.coords if c))}" if labels else ""
        return poseio.Claim(
            FORMAT,
            poseio.TYPED_MATCH,
            f"pandas HDF5 frame '{key}' (format={kind}) with DeepLabCut's column levels {'/'.join(names)}{coords}",
        )
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "pandas HDF5, but not DeepLabCut's: " + "; ".join(reasons))
