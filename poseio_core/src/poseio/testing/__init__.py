"""A conformance kit for format plugins, poseio's own and third parties'.

Subclass `FormatConformance` in a test module, name the format and
what it keeps, and pytest runs the whole suite against the plugin::

    from poseio.testing import FormatConformance

    class TestCsvPoints(FormatConformance):
        format = "csv-points"
        extension = ".csv"
        keeps = frozenset({"points", "frames", "tracks", "kinds", "point_scores"})

The `labels_strategy` Hypothesis strategy generates Labels, `foreign_samples`
writes near-miss files a sniffer must decline, `assert_labels_equal` compares
Labels aspect by aspect (raising `LabelsDiffer` that names what differs), and
`registry_with` gives a plugin registry (`Registry`) of only the named plugins,
and `RangeServer` serves files over loopback HTTP (with the faults of real
servers) to test remote reads without the internet.
Requires pytest and Hypothesis: ``pip install "poseio[testing]"``. The names
are imported on first use, so that poseio's pytest plugin (in this package)
loads in environments without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from poseio._plugins._registry import Registry
    from poseio.testing._comparing import ALL_ASPECTS, LabelsDiffer, assert_labels_equal, visible_point_rows
    from poseio.testing._conformance import FormatConformance
    from poseio.testing._foreign import foreign_samples
    from poseio.testing._range_server import RangeServer
    from poseio.testing._registry import registry_with, using_registry
    from poseio.testing._strategies import labels_strategy

__all__ = [
    "ALL_ASPECTS",
    "FormatConformance",
    "LabelsDiffer",
    "RangeServer",
    "Registry",
    "assert_labels_equal",
    "foreign_samples",
    "labels_strategy",
    "registry_with",
    "using_registry",
    "visible_point_rows",
]

# Imported on first use: poseio's pytest plugin lives in this package and pytest loads it in
# every environment poseio is installed in, where Hypothesis (which the kit needs) may be absent.
_HOMES = {
    "ALL_ASPECTS": "poseio.testing._comparing",
    "FormatConformance": "poseio.testing._conformance",
    "LabelsDiffer": "poseio.testing._comparing",
    "RangeServer": "poseio.testing._range_server",
    "Registry": "poseio._plugins._registry",
    "assert_labels_equal": "poseio.testing._comparing",
    "foreign_samples": "poseio.testing._foreign",
    "visible_point_rows": "poseio.testing._comparing",
    "labels_strategy": "poseio.testing._strategies",
    "registry_with": "poseio.testing._registry",
    "using_registry": "poseio.testing._registry",
}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'poseio.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
