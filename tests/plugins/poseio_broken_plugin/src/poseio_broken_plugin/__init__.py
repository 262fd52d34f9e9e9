"""A plugin that fails at import, as a plugin with a missing dependency would."""

import poseio_dependency_that_does_not_exist  # noqa: F401
