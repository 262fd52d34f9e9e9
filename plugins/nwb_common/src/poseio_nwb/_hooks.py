"""What the two NWB plugins' hooks have in common: the declaration, the checks before a read, the write claim.

The hooks themselves live in each plugin's ``_plugin.py``, where a reader of
the plugin finds them; these are the pieces both would otherwise write twice.
"""

from __future__ import annotations

from typing import Any

from poseio import TYPED_MATCH, Claim, FormatInfo, Labels, Probe, ReadError
from poseio.options import refuse_unknown

from poseio_nwb._fields import NWBFILE_OPTION_NAMES


def nwb_format_info(
    name: str, description: str, options: tuple[str, ...], read_options: tuple[str, ...] = ()
) -> FormatInfo:
    """The declaration of an NWB format that reads, writes and appends, with its own write ``options``."""
    return FormatInfo(
        name,
        description,
        extensions=(".nwb",),
        can_read=True,
        can_write=True,
        can_append=True,
        read_options=read_options,
        write_options=(*options, *NWBFILE_OPTION_NAMES),  # a new file also takes its NWBFile metadata
        append_options=options,
        sniffs_any_name=True,  # NWB files are also named .h5 or .hdf5, or have no extension
    )


def nwb_to_read(probe: Probe, format: str, options: dict[str, Any], accepted: tuple[str, ...] = ()) -> Any:
    """The open HDF5 file of an NWB source about to be read, once its read options are checked.

    Raises:
        InvalidOptionError: An option is unknown (a typo must not be ignored);
            the message names those the format takes.
        ReadError: The source is not an HDF5 file (read by ``format=`` on the caller's say-so).
    """
    refuse_unknown(options, accepted, format)
    if probe.h5 is None:
        raise ReadError(f"{probe.name}: not an HDF5 file, so not NWB", path=probe.path)
    return probe.h5


def nwb_write_claim(
    format: str,
    labels: Labels,
    kind: str,
    empty_records: str | None = None,
    options: dict[str, Any] | None = None,
) -> Claim:
    """How well an NWB format suits Labels: by their number of ``kind`` (user or predicted) instances.

    Labels read from a file of this format whose containers held no poses (their
    records under ``provenance[empty_records]``) are still claimed, so that
    converting such a file gives the (empty) containers back. The claim's
    losses name the objects of the labels' NWB session that a new file would
    not hold (`poseio_nwb.writing.session_losses`).
    """
    from poseio_nwb.writing import session_losses

    losses = session_losses(labels, dict(options or {}))
    n = labels.n_predicted_instances if kind == "predicted" else labels.n_user_instances
    if not n and empty_records and labels.provenance.get(empty_records):
        return Claim(
            format, TYPED_MATCH, f"no {kind} instances, but {format} containers to write", part=kind, losses=losses
        )
    return Claim(format, TYPED_MATCH if n else 0.0, f"{n} {kind} instances", part=kind, losses=losses)
