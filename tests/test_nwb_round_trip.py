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

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from h5_snapshot import pose_rows, timed_pose_rows, training_frames

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
    "ref_ndxpose_backcompat_0.1.1_poseestimation_no_cameras.nwb",
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


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """``converted(name) -> (source, output)``: each corpus file converted by ``poseio convert``, no options.

    Every file is converted at the first call, by one batch ``poseio convert IN... --out-dir`` (as
    users convert many files): one process, so pynwb is imported once, not once per file.
    """
    folder = tmp_path_factory.mktemp("converted")
    sources = [corpus_file("nwb", name) for name in PREDICTIONS + ANNOTATIONS]
    done: list[bool] = []

    def convert(name: str) -> tuple[Path, Path]:
        if not done:
            env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
            command = [POSEIO, "convert", "-q", *map(str, sources), "--out-dir", str(folder), "--to", ".nwb"]
            result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
            assert result.returncode == 0, result.stderr
            done.append(True)
        return corpus_file("nwb", name), folder / name

    return convert


def _rows(path: Path, name: str) -> list[tuple]:
    return timed_pose_rows(path) if name in PREDICTIONS else pose_rows(path)


@pytest.mark.corpus
@pytest.mark.parametrize("name", PREDICTIONS + ANNOTATIONS)
def test_convert_with_no_options_keeps_every_row(converted, name):
    source, output = converted(name)
    expected = _rows(source, name)
    # Every file but ndx-pose's empty container holds rows: a reader returning none must not pass.
    assert expected or "no_cameras" in name, "the corpus file holds no rows"
    assert _rows(output, name) == expected


@pytest.mark.corpus
def test_load_then_save_in_a_fresh_process_keeps_every_row(tmp_path):
    sources = [corpus_file("nwb", name) for name in PREDICTIONS + ANNOTATIONS]
    outputs = [tmp_path / f"{i}.nwb" for i in range(len(sources))]
    pairs = [(str(s), str(o)) for s, o in zip(sources, outputs)]
    run_fresh(f"for source, output in {pairs!r}:\n    poseio.save(poseio.load(source), output)", timeout=600)
    for source, output in zip(sources, outputs):
        assert _rows(output, source.name) == _rows(source, source.name), source.name


SESSION_PATHS = (
    "session_description",
    "identifier",
    "session_start_time",
    "timestamps_reference_time",
    "general/experimenter",
    "general/session_id",
    "general/experiment_description",
    "general/institution",
    "general/lab",
    "general/keywords",
    "general/related_publications",
)


def _session_values(path: Path) -> dict[str, object]:
    """The session fields and Subject datasets of a file, read with h5py."""
    with h5py.File(path, "r") as f:
        found = {name: f[name][()] for name in SESSION_PATHS if isinstance(f.get(name), h5py.Dataset)}
        subject = f.get("general/subject")
        if isinstance(subject, h5py.Group):
            found.update({f"subject/{k}": v[()] for k, v in subject.items() if isinstance(v, h5py.Dataset)})
    return {k: v.tolist() if hasattr(v, "tolist") else v for k, v in found.items()}


@pytest.mark.corpus
@pytest.mark.parametrize("name", PREDICTIONS + ANNOTATIONS)
def test_convert_keeps_the_session_and_subject(converted, name):
    source, output = converted(name)
    expected = _session_values(source)
    assert {k: v for k, v in _session_values(output).items() if k in expected} == expected


def test_options_override_the_session_read(tmp_path):
    from nwb_helpers import SUBJECT, predictions

    source, copy = tmp_path / "a.nwb", tmp_path / "b.nwb"
    poseio.save(predictions(), source, identifier="first", subject=SUBJECT, lab="Lab A")
    labels = poseio.load(source)
    poseio.save(labels, copy, identifier="second", subject={"subject_id": "m2", "species": "Rattus norvegicus"})
    found = _session_values(copy)
    assert found["identifier"] == b"second" and found["general/lab"] == b"Lab A"
    assert found["subject/subject_id"] == b"m2" and "subject/age" not in found


@pytest.mark.corpus
def test_converted_file_with_a_subject_has_nothing_critical(converted):
    from nwb_helpers import critical_inspector_messages

    _, output = converted("nc_deeplabcut_single.nwb")
    assert critical_inspector_messages(output) == []


def _attribute_text(obj, name):
    value = None if obj is None else obj.attrs.get(name)
    return value.decode() if isinstance(value, bytes) else value


def _scalar_text(group, name):
    value = group[name][()] if isinstance(group.get(name), h5py.Dataset) else None
    return value.decode() if isinstance(value, bytes) else value


def _containers(path: Path) -> dict[str, dict]:
    """Every pose container, by its path: its fields and its series' names and fields, read with h5py.

    Found by structure, not by type, so that loose files without neurodata_type attributes count:
    a series is a group with a ``data`` dataset inside a group of a processing module.
    """
    found: dict[str, dict] = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            parts = name.split("/")
            if not (isinstance(obj, h5py.Group) and len(parts) == 4 and parts[0] == "processing"):
                return
            if not isinstance(obj.get("data"), h5py.Dataset):
                return
            container = obj.parent
            entry = found.setdefault(
                container.name,
                {"fields": {k: _scalar_text(container, k) for k in ("description", "scorer", "source_software")}},
            )
            entry.setdefault("series", {})[parts[-1]] = (
                _attribute_text(obj, "description"),
                _attribute_text(obj.get("data"), "unit"),
                _scalar_text(obj, "reference_frame"),
                _attribute_text(obj.get("confidence"), "definition"),
            )

        f.visititems(visit)
    return found


# Every file's names come back, dlc2nwb's container that its individuals share ("ind1_snout") included.
@pytest.mark.corpus
@pytest.mark.parametrize("name", PREDICTIONS)
def test_convert_keeps_container_and_series_names_and_fields(converted, name):
    source, output = converted(name)
    expected, found = _containers(source), _containers(output)
    assert set(found) == set(expected)
    for path, container in expected.items():
        assert set(found[path]["series"]) == set(container["series"]), path
        for series, fields in container["series"].items():
            # What the source said comes back; what it left out, NWB may require (a unit, a description).
            written = found[path]["series"][series]
            assert [w for w, e in zip(written, fields) if e is not None] == [e for e in fields if e is not None]
        kept = {k: v for k, v in container["fields"].items() if v is not None}
        assert {k: found[path]["fields"][k] for k in kept} == kept, path


def _skeletons(path: Path) -> dict[str, list]:
    """``{Skeleton name: (nodes, edges)}`` of every typed Skeleton, read with h5py."""
    found = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and _attribute_text(obj, "neurodata_type") == "Skeleton":
                nodes = [n.decode() if isinstance(n, bytes) else n for n in obj["nodes"][()]]
                edges = sorted(map(tuple, obj["edges"][()].tolist())) if "edges" in obj else []
                found[name.rsplit("/", 1)[-1]] = (nodes, edges)

        f.visititems(visit)
    return found


@pytest.mark.corpus
@pytest.mark.parametrize("name", PREDICTIONS + ANNOTATIONS)
def test_convert_keeps_skeletons(converted, name):
    source, output = converted(name)
    expected, found = _skeletons(source), _skeletons(output)
    assert {k: found.get(k) for k in expected} == expected


def _same_frames(before: dict, after: dict) -> list[str]:
    """Where two `h5_snapshot.training_frames` differ, as readable lines."""
    problems = [f"frame {name} lost" for name in before.keys() - after.keys()]
    problems += [f"frame {name} added" for name in after.keys() - before.keys()]
    for name in before.keys() & after.keys():
        was, now = before[name], after[name]
        if was["index"] != now["index"]:
            problems.append(f"frame {name}: index {was['index']} -> {now['index']}")
        if (was["image"] is None) != (now["image"] is None) or (
            was["image"] is not None and not np.array_equal(was["image"], now["image"])
        ):
            problems.append(f"frame {name}: its stored image differs")
        if was["instances"].keys() != now["instances"].keys():
            problems.append(f"frame {name}: instances {sorted(was['instances'])} -> {sorted(now['instances'])}")
            continue
        for instance, (id_was, at_was, seen_was) in was["instances"].items():
            id_now, at_now, seen_now = now["instances"][instance]
            if id_was != id_now:
                problems.append(f"{name}/{instance}: id {id_was} -> {id_now}")
            if not np.array_equal(at_was, at_now, equal_nan=True):
                problems.append(f"{name}/{instance}: node_locations {at_was.tolist()} -> {at_now.tolist()}")
            visible_was = np.ones(len(at_was), bool) if seen_was is None else seen_was
            if not np.array_equal(visible_was, seen_now):
                problems.append(f"{name}/{instance}: node_visibility {visible_was.tolist()} -> {seen_now.tolist()}")
    return problems


@pytest.mark.parametrize("name", ANNOTATIONS)
def test_convert_keeps_training_frames_and_instances_as_named(converted, name):
    # Frame and instance names, ids, coordinates (those of hidden nodes too) and visibility,
    # compared with h5py alone.
    source, output = converted(name)
    assert _same_frames(training_frames(source), training_frames(output)) == []


def test_an_edited_frame_does_not_give_one_instance_anothers_name(tmp_path):
    source = corpus_file("nwb", "b_pose_training.nwb")
    labels = poseio.load(source)
    frame = next(lf for lf in labels.labeled_frames if len(lf.instances) == 2)
    removed, remaining = frame.instances
    frame.instances.remove(removed)
    output = tmp_path / "edited.nwb"
    poseio.save(labels, output)
    before, after = training_frames(source), training_frames(output)
    name = next(n for n, f in before.items() if f["index"] == frame.frame_idx and len(f["instances"]) == 2)
    ((instance_name, (_, locations, _)),) = after[name]["instances"].items()
    np.testing.assert_array_equal(locations, remaining.points)  # no hidden points of another instance
    assert (
        instance_name not in before[name]["instances"]
        or before[name]["instances"][instance_name][1].tolist() == locations.tolist()
    )


@pytest.mark.corpus
@pytest.mark.parametrize("name", [n for n in PREDICTIONS + ANNOTATIONS if "m3v1mp4" not in n])
def test_converted_files_pass_pynwbs_validator(converted, name):
    # The 2,330-frame dlc2nwb example is left out only for time: the validator is slow.
    from nwb_helpers import validation_errors

    _, output = converted(name)
    assert validation_errors(output) == []
