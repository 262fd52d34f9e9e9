"""What one load may do, for format plugins: the memory budget and the external-file policy.

``poseio.load(..., allow_external=..., memory_budget=...)`` makes a
`ReadingPolicy` current for the duration of the load; readers ask for it
with `current_policy` instead of passing it around. Before allocating an
array whose size comes from the file, call `check_allocation`.

Example::

    from poseio.limits import check_allocation

    def grid(n_frames, n_nodes, path):
        check_allocation(n_frames * n_nodes * 2 * 8, f"{n_frames} frames of {n_nodes} nodes", str(path))
        return np.full((n_frames, n_nodes, 2), np.nan)
"""

from poseio._storage._policy import (
    BUDGET_VARIABLE,
    ReadingPolicy,
    budget_message,
    check_allocation,
    current_policy,
    default_memory_budget,
    over_budget,
    parse_size,
    reading_policy,
)

__all__ = [
    "BUDGET_VARIABLE",
    "ReadingPolicy",
    "budget_message",
    "check_allocation",
    "current_policy",
    "default_memory_budget",
    "over_budget",
    "parse_size",
    "reading_policy",
]
