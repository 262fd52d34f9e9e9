"""Writers see the destination the caller named (``x.pkg.slp``, ``m_pose_est_v5.h5``), not only the temporary file."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import poseio
import pytest
from poseio.testing import registry_with, using_registry


def _plugin(seen: list, *, takes_destination: bool) -> SimpleNamespace:
    @poseio.hookimpl
    def poseio_formats():
        return [
            poseio.FormatInfo(
                "seen", "records what its writer is given", extensions=(".seen",), can_read=False, can_write=True
            )
        ]

    if takes_destination:

        @poseio.hookimpl
        def poseio_write(format, labels, path, destination, options):
            seen.append((path, destination))
            path.write_text(destination.name)

    else:  # a plugin written before the argument existed

        @poseio.hookimpl
        def poseio_write(format, labels, path, options):
            seen.append((path, None))
            path.write_text("old")

    return SimpleNamespace(poseio_formats=poseio_formats, poseio_write=poseio_write)


def _labels() -> poseio.Labels:
    return poseio.Labels.from_numpy(np.ones((2, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a"]))


def test_a_writer_is_given_the_destination_beside_the_temporary_file(tmp_path):
    seen: list = []
    with using_registry(registry_with(extra={"seen": _plugin(seen, takes_destination=True)})):
        poseio.save(_labels(), tmp_path / "session.pkg.seen")
    ((path, destination),) = seen
    assert destination == tmp_path / "session.pkg.seen"
    assert path != destination and path.parent == destination.parent
    assert destination.read_text() == "session.pkg.seen"


def test_a_writer_that_takes_no_destination_still_writes(tmp_path):
    seen: list = []
    with using_registry(registry_with(extra={"seen": _plugin(seen, takes_destination=False)})):
        poseio.save(_labels(), tmp_path / "x.seen")
    assert (tmp_path / "x.seen").read_text() == "old"


def test_a_writer_draws_from_one_budget_per_save(tmp_path):
    # A dense layout sized from the labels (sleap-io's: a row for every frame from 0) is refused over
    # the save's budget, as a WriteError naming how to raise it; nothing is written.
    labels = poseio.Labels.from_numpy(
        np.ones((2, 1, 1, 2)),
        video=poseio.Video("v.mp4", fps=30.0),
        skeleton=poseio.Skeleton(["a"]),
        frame_inds=np.array([0, 10**9]),
        point_scores=np.ones((2, 1, 1)),
    )
    path = tmp_path / "far.nwb"
    with pytest.raises(poseio.WriteError, match="memory budget of 1.0 MB for one load or save") as caught:
        poseio.save(labels, path, layout="sleap-io", memory_budget="1MB")
    assert "memory_budget='2GB'" in str(caught.value)
    assert not path.exists()
    with pytest.raises(poseio.InvalidOptionError, match="not a size"):
        poseio.save(labels, path, memory_budget="lots")
