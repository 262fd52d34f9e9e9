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
Requires pytest and Hypothesis (test-time dependencies, not poseio's).
"""

from poseio.testing._conformance import FormatConformance, assert_labels_equal
from poseio.testing._registry import registry_with, using_registry
from poseio.testing._strategies import labels_strategy

__all__ = ["FormatConformance", "assert_labels_equal", "labels_strategy", "registry_with", "using_registry"]
