"""What a batch conversion reports: one record per file, and the whole result."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import attrs

#: The outcome of one file of a batch.
Status = Literal["converted", "skipped-existing", "skipped-not-pose", "failed"]
CONVERTED: Status = "converted"
#: Its output exists, is not older than the input, and the output format is its best claimant: done before.
SKIPPED_EXISTING: Status = "skipped-existing"
#: Found in a folder, and no installed format claims it beyond its name or container.
SKIPPED_NOT_POSE: Status = "skipped-not-pose"
FAILED: Status = "failed"


@attrs.frozen
class FileOutcome:
    """What became of one file of a batch; one line of the report.

    Attributes:
        source: The input as given (a path, or a URL).
        status: ``"converted"``, ``"skipped-existing"``, ``"skipped-not-pose"`` or ``"failed"``.
        output: The output path; ``None`` for a file skipped as not a pose file.
        seconds: How long its conversion (or its check) took.
        error: For a failure, the exception's type name, for example ``"ReadError"``.
        message: For a failure, the first line of its message.
        notes: What the conversion noted, for example a frame rate read from a video.
        worker: Where it was converted, ``host:pid`` (on a cluster, the node to look at when files fail there).
    """

    source: str
    status: Status
    output: str | None = None
    seconds: float = 0.0
    error: str | None = None
    message: str | None = None
    notes: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    worker: str | None = None

    @property
    def ok(self) -> bool:
        """Not a failure."""
        return self.status != FAILED

    def to_json(self) -> dict[str, Any]:
        """The report line's fields, as JSON types."""
        fields = attrs.asdict(self)
        fields["seconds"] = round(self.seconds, 4)
        fields["notes"] = list(self.notes)
        return fields


@attrs.frozen
class BatchResult:
    """What `poseio.convert_many` did, one outcome per input file of its share, in a fixed order.

    Attributes:
        outcomes: One per file, sorted by source (the order shares are cut from),
            whatever order the workers finished in.
        out_dir: The output folder.
        report: The JSON-lines report written, if any.
        shard: The share converted, ``(I, N)`` with I from 1, or ``None`` for all.
    """

    outcomes: tuple[FileOutcome, ...] = attrs.field(converter=tuple)
    out_dir: Path
    report: Path | None = None
    shard: tuple[int, int] | None = None

    def _with(self, *statuses: Status) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status in statuses)

    @property
    def converted(self) -> tuple[FileOutcome, ...]:
        """The files converted by this run."""
        return self._with(CONVERTED)

    @property
    def skipped(self) -> tuple[FileOutcome, ...]:
        """The files skipped: done by an earlier run, or not pose files."""
        return self._with(SKIPPED_EXISTING, SKIPPED_NOT_POSE)

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        """The files that could not be converted."""
        return self._with(FAILED)

    @property
    def ok(self) -> bool:
        """No file failed."""
        return not self.failed

    def summary(self) -> str:
        """One line: how many files were converted, skipped (and why) and failed."""
        done, not_pose = len(self._with(SKIPPED_EXISTING)), len(self._with(SKIPPED_NOT_POSE))
        why = ", ".join(
            text for n, text in ((done, f"{done} already done"), (not_pose, f"{not_pose} not pose files")) if n
        )
        skipped = f"{done + not_pose} skipped" + (f" ({why})" if why else "")
        return f"{len(self.converted)} converted, {skipped}, {len(self.failed)} failed"
