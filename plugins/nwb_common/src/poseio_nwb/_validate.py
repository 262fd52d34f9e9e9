"""NWB's own validators for ``poseio validate``: pynwb's schema validator and nwbinspector."""

from __future__ import annotations

import functools
from pathlib import Path

from poseio import Finding, ValidatorReport


def validate_nwb(path: Path) -> list[ValidatorReport]:
    """Pynwb's validator (every error makes the file invalid) and nwbinspector (CRITICAL ones do).

    Both NWB formats of a file that holds predictions and annotations ask for
    this; the answer for an unchanged file is computed once, since pynwb's
    validator takes minutes on large PoseTraining files.
    """
    stat = path.stat()
    return list(_validate(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _validate(path: str, mtime_ns: int, size: int) -> tuple[ValidatorReport, ...]:
    from pynwb import validate

    schema = ValidatorReport(
        "pynwb", [Finding("ERROR", str(e), getattr(e, "location", "") or "", fails=True) for e in validate(path=path)]
    )
    try:
        from nwbinspector import inspect_nwbfile
    except ImportError:
        return schema, ValidatorReport("nwbinspector", skipped="not installed: pip install nwbinspector")
    findings = [
        Finding(
            m.importance.name,
            f"{m.check_function_name}: {m.message}",
            str(m.location or ""),
            fails=m.importance.name == "CRITICAL",
        )
        for m in inspect_nwbfile(nwbfile_path=path)
        if m is not None
    ]
    return schema, ValidatorReport("nwbinspector", findings)
