"""Recognising NWB files and ndx-pose objects from a probe, without reading data."""

from __future__ import annotations

from poseio import NOT_MINE, STRUCTURE_MATCH, TYPED_MATCH, Claim, Probe

NDX_POSE = "ndx-pose"
# Loose hand-written files carry nwb_version and neurodata_type but no namespace.
LOOSE_MATCH = 0.6


def nwb_root_kind(probe: Probe) -> str | None:
    """``"typed"`` for a root NWBFile (or subclass), ``"loose"`` for a bare ``nwb_version``, else None."""
    attrs = probe.root_attrs
    root_type = attrs.get("neurodata_type") or ""
    if root_type.endswith("NWBFile") and attrs.get("namespace"):
        return "typed"
    if "nwb_version" in attrs:
        return "loose"
    return None


def pose_claim(probe: Probe, format: str, types: tuple[str, ...], part: str, what: str) -> Claim:
    """The claim of an ndx-pose format on a probe, at the documented confidence bands.

    0.9: an NWB root and groups of ``types`` in the ndx-pose namespace.
    0.6: a loose NWB file (no namespace attributes) with groups of ``types``.
    0.0: anything else, with the reason.
    """
    if not probe.is_hdf5:
        return Claim(format, NOT_MINE, "not an HDF5 file")
    kind = nwb_root_kind(probe)
    if kind is None:
        return Claim(format, NOT_MINE, "HDF5 but not NWB (no NWBFile root, no nwb_version)")
    typed = probe.find(*types, namespace=NDX_POSE)
    if kind == "typed" and typed:
        return Claim(
            format,
            TYPED_MATCH,
            f"NWB file with ndx-pose {what} objects, e.g. {typed[0].neurodata_type} at {typed[0].path}",
            part,
        )
    untyped = [g for g in probe.find(*types) if g.namespace is None]
    if untyped:
        return Claim(
            format,
            LOOSE_MATCH,
            f"loose NWB file with {what} groups lacking namespace attributes, e.g. {untyped[0].path}",
            part,
        )
    if typed:
        # ndx-pose objects under a root that is not typed NWB: structure matches only.
        return Claim(format, STRUCTURE_MATCH, f"ndx-pose {what} objects under a loosely typed root", part)
    return Claim(format, NOT_MINE, f"NWB file without ndx-pose {what} objects")
