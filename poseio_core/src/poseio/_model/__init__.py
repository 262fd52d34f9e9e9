"""The data model: `Labels`, instances, skeletons, videos, tracks and the columnar `PoseTable`.

Imports storage only for the memory budget; the model knows nothing of plugins or files.
"""
