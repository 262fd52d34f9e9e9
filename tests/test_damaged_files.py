"""Damage one object of a poseio-written NWB file: loading gives Labels or a poseio error that says where.

Never a bare h5py or numpy exception, and never the core's last-resort
"the reader failed: KeyError ..." message, which tells the user nothing.
"""

import shutil

import h5py
import numpy as np
import poseio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nwb_helpers import annotations, predictions

# The core's wrapper for exceptions a reader let through (see poseio._io._loading).
LAST_RESORT = "reader (plugin"


def _delete(group, name):
    del group[name]


def _text(group, name):
    del group[name]
    group[name] = np.array([b"x", b"y"])


def _scalar(group, name):
    del group[name]
    group[name] = 7


def _wrong_shape(group, name):
    del group[name]
    group[name] = np.zeros((2, 5))


def _dangling(group, name):
    del group[name]
    group[name] = h5py.SoftLink("/nowhere")


def _garbage_attributes(group, name):
    obj = group[name]
    for key in list(obj.attrs):
        obj.attrs[key] = "garbage"


DAMAGES = [_delete, _text, _scalar, _wrong_shape, _dangling, _garbage_attributes]


def _pose_objects(path, *containers):
    """Paths of every object below the pose containers and Skeletons of a file."""
    found = []
    with h5py.File(path) as f:
        f["processing/behavior"].visit(lambda name: found.append(f"processing/behavior/{name}"))
    return [p for p in found if any(c in p for c in containers)]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged")
    files = {}
    for kind, labels, containers in (
        ("annotations", annotations(), ("PoseTraining", "Skeletons")),
        ("predictions", predictions(n_frames=6), ("PoseEstimation", "Skeletons")),
    ):
        path = folder / f"{kind}.nwb"
        poseio.save(labels, path)
        files[kind] = (path, _pose_objects(path, *containers))
    return folder, files


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_one_damaged_object_gives_labels_or_a_poseio_error_naming_the_file(written, data):
    folder, files = written
    kind = data.draw(st.sampled_from(sorted(files)))
    source, objects = files[kind]
    target = data.draw(st.sampled_from(objects))
    damage = data.draw(st.sampled_from(DAMAGES))
    path = folder / "copy.nwb"
    shutil.copy(source, path)
    with h5py.File(path, "a") as f:
        parent, _, name = target.rpartition("/")
        if name not in f[parent]:
            return  # an earlier object of the same branch is gone already
        damage(f[parent], name)
    try:
        poseio.load(path)
    except poseio.PoseioError as exc:  # a ReadError, or UnknownFormatError when no pose object is left
        assert LAST_RESORT not in str(exc), f"{damage.__name__} on {target}: {exc}"
        assert str(path) in str(exc)
