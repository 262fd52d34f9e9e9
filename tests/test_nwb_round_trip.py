"""Every pose file of the corpus survives poseio: the same seconds, coordinates and confidences, read with h5py.

Run as users run it: ``poseio convert IN OUT`` with no options, and ``load`` ->
``save`` in a fresh process that imports only poseio. The rows of input and
output are read with plain h5py (`h5_snapshot.timed_pose_rows`), never through
poseio, so a bug made the same way in reader and writer cannot hide.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from h5_snapshot import pose_rows, timed_pose_rows

PREDICTIONS = [
    "a_pose_estimation_two_animals.nwb",
    "d_pose_in_nonbehavior_module.nwb",
    "dlc2nwb_m1videoDLC_resnet50_openfieldOct30shuffle1_1600_ind1.nwb",
    "g_ndxpose_0.1.1_nodes_edges.nwb",
    "mv_movement_mouse1.nwb",
    "nc_deeplabcut_single.nwb",
    "nc_sleap_two_tracks.nwb",
    "ref_dlc2nwb_example_m3v1mp4.nwb",
    "ref_ndxpose_backcompat_0.1.1_poseestimation_nodes_edges.nwb",
    "ref_ndxpose_backcompat_0.3.0_poseestimation_one_camera.nwb",
    "ref_ndxpose_backcompat_0.3.0_poseestimation_two_cameras.nwb",
    "sio095_multiview.predictions.nwb",
    "sio095_typical.predictions.nwb",
    "sio_predictions.nwb",
    "sleapiojs_legacy.pose.nwb",
    "sleapiojs_minimal.pose.nwb",
    "sleapiojs_untracked.dandi.pose.nwb",
]
ANNOTATIONS = [
    "b_pose_training.nwb",
    "sio095_labels.v002.rel_paths.annotations.nwb",
    "sio095_typical.annotations.nwb",
    "sio_annotations.nwb",
    "sleapiojs_minimal.annotations.nwb",
]
POSEIO = str(Path(sys.executable).with_name("poseio"))


def _convert(source: Path, output: Path) -> None:
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    result = subprocess.run(
        [POSEIO, "convert", "-q", str(source), str(output)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr


def _rows(path: Path, name: str) -> list[tuple]:
    return timed_pose_rows(path) if name in PREDICTIONS else pose_rows(path)


@pytest.mark.corpus
@pytest.mark.parametrize("name", PREDICTIONS + ANNOTATIONS)
def test_convert_with_no_options_keeps_every_row(tmp_path, name):
    source = corpus_file("nwb", name)
    output = tmp_path / "copy.nwb"
    _convert(source, output)
    expected = _rows(source, name)
    assert expected, "the corpus file holds no rows"
    assert _rows(output, name) == expected


@pytest.mark.corpus
def test_load_then_save_in_a_fresh_process_keeps_every_row(tmp_path):
    sources = [corpus_file("nwb", name) for name in PREDICTIONS + ANNOTATIONS]
    outputs = [tmp_path / f"{i}.nwb" for i in range(len(sources))]
    pairs = [(str(s), str(o)) for s, o in zip(sources, outputs)]
    run_fresh(f"for source, output in {pairs!r}:\n    poseio.save(poseio.load(source), output)", timeout=600)
    for source, output in zip(sources, outputs):
        assert _rows(output, source.name) == _rows(source, source.name), source.name
