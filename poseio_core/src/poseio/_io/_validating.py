"""Validating a file with the validators of the formats that read it (``poseio validate``)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from poseio._errors import PoseioError, ReadError
from poseio._io._arguments import check_flag, check_format, check_source
from poseio._io._loading import FormatChoice, _claims_for, _open_probe
from poseio._plugins._records import ValidatorReport
from poseio._plugins._registry import get_registry
from poseio._storage._policy import reading_policy
from poseio._storage._remote import is_url


def validate(path: str | Path, *, format: FormatChoice = None, allow_external: bool = False) -> list[ValidatorReport]:
    """Run the validators of every format that reads the file, and return their reports.

    Validators read whole files by themselves, following whatever the file
    points to, so poseio first checks every link and dataset of an HDF5 file:
    one that points outside itself is refused unless ``allow_external``. A URL
    is first downloaded, whole, to a temporary folder.

    Returns:
        One report per validator, in the order of the formats chosen to read the
        file; a format without validators adds a report saying so (``skipped``).

    Raises:
        UnsafeFileError: The file points outside itself (and ``allow_external`` is false).
        UnknownFormatError: No installed format recognises the file.
    """
    return validate_announcing(path, format=format, allow_external=allow_external)


def validate_announcing(
    path: str | Path,
    *,
    format: FormatChoice = None,
    allow_external: bool = False,
    announce: Callable[[str, str], None] | None = None,
) -> list[ValidatorReport]:
    """`validate`, calling ``announce(file name, format)`` before each format's validators run.

    Validators take from seconds to minutes (pynwb's on a large file); the
    ``poseio validate`` command says what it is waiting for.
    """
    check_source(path)
    check_format(format)
    check_flag(allow_external, "allow_external")
    if is_url(path):
        # Validators read a whole file from disk: a remote one is fetched first, whole.
        from poseio._storage._remote import download

        with tempfile.TemporaryDirectory(prefix="poseio-validate-") as folder:
            return validate_announcing(
                download(path, folder), format=format, allow_external=allow_external, announce=announce
            )
    registry = get_registry()
    with _open_probe(path) as probe:
        if probe.path is None:
            raise ReadError("validation needs a file on disk, not a file object")
        claims = _claims_for(probe, format, registry, partial=True)
        if probe.h5 is not None:
            from poseio._storage._safety import audit_file  # imports h5py, as opening the file did

            with reading_policy(allow_external=allow_external):
                audit_file(probe.h5)
    reports: list[ValidatorReport] = []
    for claim in claims:
        info = registry.formats[claim.format]
        hook = registry.impl("poseio_validate", info.plugin)
        if hook is None:
            reports.append(ValidatorReport(claim.format, skipped=f"format {claim.format} has no validator"))
            continue
        if announce is not None:
            announce(probe.name, claim.format)
        try:
            found = hook(format=claim.format, path=probe.path)
        except PoseioError:
            raise
        except Exception as exc:
            raise ReadError(
                f"{probe.name}: the {claim.format} validator (plugin {info.plugin}) failed: "
                f"{type(exc).__name__}: {exc}",
                path=probe.path,
                format=claim.format,
                plugin=info.plugin,
            ) from exc
        # Formats that share validators (both NWB formats run pynwb's) report each once.
        reports += [r for r in found if r not in reports]
    return reports
