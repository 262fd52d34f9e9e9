"""poseio.append run as users run it: a fresh process that imports only poseio.

Each case appends to a copy of a real file, then checks with plain h5py that
every object the file held is unchanged and that the new poses are stored.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from h5_snapshot import changed_objects, pose_rows, snapshot


def _session_without_poses(path) -> None:
    """An NWB session file with an ephys-like TimeSeries and no ndx-pose spec, written by pynwb."""
    run_fresh(
        f"""
        import datetime
        from pynwb import NWBHDF5IO, NWBFile, TimeSeries
        nwbfile = NWBFile("a session", "session-1", datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
        nwbfile.add_acquisition(TimeSeries(name="lfp", data=[1.0, 2.0, 3.0], unit="V", rate=10.0))
        with NWBHDF5IO({str(path)!r}, "w") as io:
            io.write(nwbfile)
        """
    )


def _poseio_file(path) -> None:
    run_fresh(f"import nwb_helpers\nposeio.save(nwb_helpers.predictions(tracks=('a', 'b')), {str(path)!r})")


def _expected_rows(kind: str) -> list[tuple]:
    """The finite coordinate rows the appended labels add, computed from the test data itself."""
    import nwb_helpers

    labels = nwb_helpers.predictions() if kind == "predictions" else nwb_helpers.annotations()
    rows = []
    for frame in labels.labeled_frames:
        for instance in frame.instances:
            points = np.asarray(instance.numpy(), dtype=np.float64)
            rows.extend(tuple(r) for r in points[np.isfinite(points).all(axis=1)])
    return rows


SOURCES = {
    "session without poses": _session_without_poses,
    "file poseio wrote": _poseio_file,
    "neuroconv predictions": "nc_sleap_two_tracks.nwb",
    "movement predictions": "mv_movement_mouse1.nwb",
    "sleap-io annotations": "sio_annotations.nwb",
    "ndx-pose annotations": "b_pose_training.nwb",
}


#: The cases the default run covers: one of each kind; the slow run (CI) appends to every source.
QUICK = {("file poseio wrote", "predictions"), ("sleap-io annotations", "annotations")}


@pytest.mark.parametrize(
    "source, kind",
    [
        pytest.param(source, kind, marks=() if (source, kind) in QUICK else pytest.mark.slow)
        for source in SOURCES
        for kind in ("predictions", "annotations")
    ],
)
def test_append_in_a_fresh_process_keeps_everything(tmp_path, source, kind):
    path = tmp_path / "session.nwb"
    make = SOURCES[source]
    if isinstance(make, str):
        shutil.copyfile(corpus_file("nwb", make), path)
    else:
        make(path)
    original = tmp_path / "original.nwb"
    shutil.copyfile(path, original)
    before, rows_before = snapshot(path), pose_rows(path)

    run_fresh(f"import nwb_helpers\nposeio.append(nwb_helpers.{kind}(), {str(path)!r})")

    changed = changed_objects(original, path, before)
    assert changed == [], f"append changed or removed objects it did not own: {changed[:10]}"
    added = sorted(set(pose_rows(path)) - set(rows_before))
    assert len(pose_rows(path)) == len(rows_before) + len(_expected_rows(kind))
    assert added == sorted(set(_expected_rows(kind)) - set(rows_before))
    # And the file loads, in another fresh process, with the appended instances.
    counted = "n_predicted_instances" if kind == "predictions" else "n_user_instances"
    result = run_fresh(f"print(poseio.load({str(path)!r}).{counted})")
    import nwb_helpers

    expected = getattr(getattr(nwb_helpers, kind)(), counted)
    assert int(result.stdout.split()[-1]) >= expected
