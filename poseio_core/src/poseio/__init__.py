"""poseio: read and write animal pose-tracking data in any format.

``poseio.load(path)`` returns the pose data in a file without being told its
format; ``poseio.save(labels, path)`` writes it. Formats are plugins found
through the ``poseio`` entry-point group.
"""

from poseio._batch import convert_many
from poseio._batch_records import BatchResult, FileOutcome
from poseio._converting import convert
from poseio._dispatch import Explanation
from poseio._errors import (
    AmbiguousFormatError,
    DataLossError,
    DuplicateFormatError,
    FileBusyError,
    FormatError,
    InvalidArgumentError,
    InvalidLabelsError,
    InvalidOptionError,
    InvalidSourceError,
    MissingDependencyError,
    PartialFormatError,
    PluginError,
    PoseioError,
    ReadError,
    SourceNotFoundError,
    UnknownFormatError,
    UnsafeFileError,
    UsageError,
    WriteError,
)
from poseio._frames import EmbeddedFrames
from poseio._hookspecs import hookimpl
from poseio._instance import Instance, LabeledFrame, PredictedInstance
from poseio._labels import Labels
from poseio._loading import explain, load, sniff
from poseio._probe import Probe, TypedGroup
from poseio._records import (
    CERTAIN,
    CONTAINER_MATCH,
    NOT_MINE,
    STRUCTURE_MATCH,
    TYPED_MATCH,
    Claim,
    Finding,
    FormatInfo,
    PluginInfo,
    ValidatorReport,
    Verdict,
)
from poseio._registry import formats, plugins
from poseio._saving import append, save
from poseio._skeleton import Edge, Node, Skeleton, Symmetry
from poseio._table import NO_TRACK, PoseTable
from poseio._validating import validate
from poseio._version import __version__
from poseio._video import Track, Video

__all__ = [
    "CERTAIN",
    "CONTAINER_MATCH",
    "NOT_MINE",
    "NO_TRACK",
    "STRUCTURE_MATCH",
    "TYPED_MATCH",
    "AmbiguousFormatError",
    "BatchResult",
    "Claim",
    "DataLossError",
    "DuplicateFormatError",
    "Edge",
    "EmbeddedFrames",
    "Explanation",
    "FileBusyError",
    "FileOutcome",
    "Finding",
    "FormatError",
    "FormatInfo",
    "Instance",
    "InvalidArgumentError",
    "InvalidLabelsError",
    "InvalidOptionError",
    "InvalidSourceError",
    "LabeledFrame",
    "Labels",
    "MissingDependencyError",
    "Node",
    "PartialFormatError",
    "PluginError",
    "PluginInfo",
    "PoseTable",
    "PoseioError",
    "PredictedInstance",
    "Probe",
    "ReadError",
    "Skeleton",
    "SourceNotFoundError",
    "Symmetry",
    "Track",
    "TypedGroup",
    "UnknownFormatError",
    "UnsafeFileError",
    "UsageError",
    "ValidatorReport",
    "Verdict",
    "Video",
    "WriteError",
    "__version__",
    "append",
    "convert",
    "convert_many",
    "explain",
    "formats",
    "hookimpl",
    "load",
    "plugins",
    "save",
    "sniff",
    "validate",
]
