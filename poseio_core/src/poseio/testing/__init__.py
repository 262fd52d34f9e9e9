"""A conformance kit for format plugins, poseio's own and third parties'.

Subclass `FormatConformance` in a test module, name the format and
what it keeps, and pytest runs the whole suite against the plugin::

    from poseio.testing import FormatConformance

    class TestCsvPoints(FormatConformance):
        format = "csv-points"
        extension = ".csv"
        keeps = frozenset({"points", "frames", "tracks", "kinds", "point_scores"})

The `labels_strategy` Hypothesis strategy generates Labels, and
`registry_with` gives a plugin registry of only the named plugins.
Requires pytest and Hypothesis: ``pip install "poseio[testing]"``. The names
are imported on first use, so that poseio's pytest plugin (in this package)
loads in environments without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from poseio.testing._conformance import FormatConformance, assert_labels_equal
    from poseio.testing._registry import registry_with, using_registry
    from poseio.testing._strategies import labels_strategy

__all__ = ["FormatConformance", "assert_labels_equal", "labels_strategy", "registry_with", "using_registry"]

# Imported on first use: poseio's pytest plugin lives in this package and pytest loads it in
# every environment poseio is installed in, where Hypothesis (which the kit needs) may be absent.
_HOMES = {
    "FormatConformance": "poseio.testing._conformance",
    "assert_labels_equal": "poseio.testing._conformance",
    "labels_strategy": "poseio.testing._strategies",
    "registry_with": "poseio.testing._registry",
    "using_registry": "poseio.testing._registry",
}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'poseio.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
