"""``poseio validate``: pynwb's validator and nwbinspector, summarised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from poseio._errors import PoseioError
from poseio._probe import Probe


class ValidationUnavailableError(PoseioError, RuntimeError):
    """The validators are not installed."""


def run_validation(path: Path, *, allow_external: bool = False) -> dict[str, Any]:
    """Validate an NWB file; returns ``{"pynwb": [...], "nwbinspector": {importance: [...]} or None}``.

    The validators read the whole file with h5py, following whatever it points
    to, so the file is audited first: one that points outside itself is refused
    unless ``allow_external``.
    """
    from poseio._policy import reading_policy
    from poseio._safety import audit_file

    with Probe(path) as probe:
        probe.check_readable()
        if probe.h5 is not None:
            with reading_policy(allow_external=allow_external):
                audit_file(probe.h5)
    try:
        from pynwb import validate
    except ImportError as exc:
        raise ValidationUnavailableError("pynwb is not installed; pip install 'poseio[validate]'") from exc
    errors = [str(e) for e in validate(path=str(path))]
    try:
        from nwbinspector import inspect_nwbfile
    except ImportError:
        return {"pynwb": errors, "nwbinspector": None}
    grouped: dict[str, list[str]] = {}
    for message in inspect_nwbfile(nwbfile_path=str(path)):
        if message is None:
            continue
        grouped.setdefault(message.importance.name, []).append(
            f"{message.check_function_name} at {message.location}: {message.message}"
        )
    return {"pynwb": errors, "nwbinspector": grouped}
