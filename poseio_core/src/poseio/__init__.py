"""poseio: read and write animal pose-tracking data in any format.

``poseio.load(path)`` returns the pose data in a file without being told its
format; ``poseio.save(labels, path)`` writes it. Formats are plugins found
through the ``poseio`` entry-point group.
"""

from poseio._batch._convert_many import convert_many
from poseio._batch._records import BatchResult, FileOutcome
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
from poseio._io._converting import convert
from poseio._io._loading import explain, load, sniff
from poseio._io._saving import append, save
from poseio._io._validating import validate
from poseio._model._dense import PoseGrid
from poseio._model._instance import Instance, LabeledFrame, PredictedInstance
from poseio._model._labels import Labels
from poseio._model._skeleton import Edge, Node, Skeleton, Symmetry
from poseio._model._table import NO_TRACK, PoseTable
from poseio._model._video import Track, Video
from poseio._plugins._dispatch import Explanation
from poseio._plugins._hookspecs import hookimpl
from poseio._plugins._probe import Probe, TypedGroup
from poseio._plugins._records import (
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
from poseio._plugins._registry import formats, plugins
from poseio._version import __version__

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
    "PoseGrid",
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
