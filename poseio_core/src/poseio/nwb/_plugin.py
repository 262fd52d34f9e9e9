"""The hooks both NWB plugins share, made once for each from its few differences."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import h5py

from poseio._errors import InvalidOptionError, ReadError
from poseio._hookspecs import hookimpl
from poseio._labels import Labels
from poseio._probe import Probe
from poseio._records import TYPED_MATCH, Claim, FormatInfo
from poseio.nwb._sniff import pose_claim
from poseio.nwb.writing import NWBFILE_OPTION_NAMES


def nwb_format_hooks(
    *,
    format: str,
    description: str,
    part: str,
    types: tuple[str, ...],
    what: str,
    kind: str,
    read: Callable[[h5py.File, Path | None], Labels],
    write: Callable[..., None],
    append: Callable[..., None],
    options: tuple[str, ...],
    read_options: tuple[str, ...] = (),
    empty_records: str | None = None,
) -> SimpleNamespace:
    """The hook implementations of one NWB format plugin.

    Args:
        format: The format name.
        description: One line for listings.
        part: The part of an NWB file the format covers, for combined reads.
        types: The ndx-pose types whose presence the sniffer claims.
        what: How the sniffer's reasons name those objects.
        kind: ``"user"`` or ``"predicted"``: the instances the writer stores.
        read: Reads an open HDF5 file into Labels: ``read(h5file, path, **read_options)``.
        write: Writes Labels to a new file: ``write(labels, path, **options)``.
        append: Adds Labels to an existing file, likewise.
        options: The format's own write options (NWBFile metadata options are added).
        read_options: The keyword options ``read`` accepts.
        empty_records: The provenance key under which the reader records the
            format's containers; labels with records but no instances are
            still claimed for writing (a file of empty containers converts).

    Returns:
        A namespace whose attributes are the hook implementations; a plugin
        module re-exports them so that pluggy finds them.
    """

    @hookimpl
    def poseio_formats() -> list[FormatInfo]:
        return [
            FormatInfo(
                format,
                description,
                extensions=(".nwb",),
                can_read=True,
                can_write=True,
                can_append=True,
                write_options=(*options, *NWBFILE_OPTION_NAMES),
                append_options=options,
                sniffs_any_name=True,  # NWB files are also named .h5 or .hdf5, or have no extension
            )
        ]

    @hookimpl
    def poseio_sniff(probe: Probe) -> Claim:
        return pose_claim(probe, format, types, part, what)

    @hookimpl
    def poseio_read(format: str, probe: Probe, part: str | None, options: dict[str, Any]) -> Labels:
        unknown = set(options) - set(read_options)
        if unknown:
            accepted = f"accepted: {sorted(read_options)}" if read_options else "it takes none"
            raise InvalidOptionError(f"{format}: unknown read options {sorted(unknown)}; {accepted}", format=format)
        if probe.h5 is None:
            raise ReadError(f"{probe.name}: not an HDF5 file")
        return read(probe.h5, probe.path, **options)

    @hookimpl
    def poseio_write_claim(format: str, labels: Labels) -> Claim:
        n = labels.n_predicted_instances if kind == "predicted" else labels.n_user_instances
        if not n and empty_records and labels.provenance.get(empty_records):
            # Labels read from a file of this format whose containers held no poses: writing
            # them gives back those (empty) containers, so that converting the file works.
            return Claim(format, TYPED_MATCH, f"no {kind} instances, but {format} containers to write", part=kind)
        return Claim(format, TYPED_MATCH if n else 0.0, f"{n} {kind} instances", part=kind)

    @hookimpl
    def poseio_write(format: str, labels: Labels, path: Path, options: dict[str, Any]) -> None:
        write(labels, path, **options)

    @hookimpl
    def poseio_append(format: str, labels: Labels, path: Path, options: dict[str, Any]) -> None:
        append(labels, path, **options)

    return SimpleNamespace(
        poseio_formats=poseio_formats,
        poseio_sniff=poseio_sniff,
        poseio_read=poseio_read,
        poseio_write_claim=poseio_write_claim,
        poseio_write=poseio_write,
        poseio_append=poseio_append,
    )
