"""A PoseEstimation that several individuals share (DLC2NWB's ``ind1_snout``, ``ind2_snout``, ...).

poseio reads each individual as a track and writes the container back as one,
with its series' names: users' analysis code addresses series by name. The
source is written with pynwb + ndx-pose alone, as DLC2NWB lays it out; the
output is checked with h5py and read again in a fresh process.
"""

from __future__ import annotations

import h5py
import numpy as np
import poseio
from fresh_process import run_fresh
from nwb_reference import coordinate, new_reference_nwbfile

BODYPARTS = ("snout", "leftear", "tailbase")
INDIVIDUALS = ("ind1", "ind2")


def _dlc2nwb_like(path) -> dict[str, np.ndarray]:
    """One container ``PoseEstimation`` of every individual's body parts; returns each series' data."""
    from ndx_pose import PoseEstimation, PoseEstimationSeries, Skeleton, Skeletons
    from pynwb import NWBHDF5IO

    nwbfile = new_reference_nwbfile()
    module = nwbfile.create_processing_module(name="behavior", description="processed behavioral data")
    names = [f"{ind}_{part}" for ind in INDIVIDUALS for part in BODYPARTS]
    # Edges within each individual: snout-leftear, leftear-tailbase.
    edges = [[i * 3, i * 3 + 1] for i in range(2)] + [[i * 3 + 1, i * 3 + 2] for i in range(2)]
    skeleton = Skeleton(name="subject", nodes=names, edges=np.array(edges, dtype=np.uint8))
    module.add(Skeletons(skeletons=[skeleton]))
    data, series = {}, []
    for index, name in enumerate(names):
        individual, part = name.split("_", 1)
        values = np.array([[coordinate(f, index, 0), coordinate(f, index, 1)] for f in range(6)])
        values[index % 6] = np.nan  # each series misses one frame
        data[name] = values
        series.append(
            PoseEstimationSeries(
                name=name,
                description=f"Keypoint {part} from individual {individual}.",
                data=values,
                confidence=np.linspace(0.1, 0.9, 6),
                unit="pixels",
                reference_frame="(0,0) corresponds to the top left corner of the video.",
                timestamps=np.arange(6) / 25.0,
            )
        )
    module.add(
        PoseEstimation(
            name="PoseEstimation",
            pose_estimation_series=series,
            skeleton=skeleton,
            description="Output from DeepLabCut.",
            scorer="DLC_resnet50_openfieldAug20shuffle1",
            source_software="DeepLabCut",
        )
    )
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return data


def test_individuals_of_one_container_are_tracks(tmp_path):
    source = tmp_path / "dlc2nwb.nwb"
    data = _dlc2nwb_like(source)
    labels = poseio.load(source)
    assert [t.name for t in labels.tracks] == list(INDIVIDUALS)
    assert labels.skeletons[0].node_names == list(BODYPARTS)
    assert labels.skeletons[0].edge_inds == [(0, 1), (1, 2)]
    points = labels.numpy()
    for t, individual in enumerate(INDIVIDUALS):
        for n, part in enumerate(BODYPARTS):
            np.testing.assert_array_equal(points[:, t, n], data[f"{individual}_{part}"])


def test_the_shared_container_comes_back_with_its_names(tmp_path):
    source, output = tmp_path / "dlc2nwb.nwb", tmp_path / "again.nwb"
    data = _dlc2nwb_like(source)
    run_fresh(f"poseio.save(poseio.load({str(source)!r}), {str(output)!r})")
    with h5py.File(output, "r") as f:
        container = f["processing/behavior/PoseEstimation"]
        assert sorted(k for k in container if "_" in k and k.split("_")[0] in INDIVIDUALS) == sorted(data)
        for name, values in data.items():
            np.testing.assert_array_equal(container[name]["data"][()], values)
            assert (
                container[name].attrs["description"]
                == f"Keypoint {name.split('_', 1)[1]} from individual {name.split('_')[0]}."
            )
        assert container["source_software"][()].decode() == "DeepLabCut"
        assert list(f["processing/behavior/Skeletons"]) == ["subject"]  # the source's, linked from the container
        skeleton = f["processing/behavior/Skeletons/subject"]
        assert container["subject"] == skeleton
        assert [n.decode() for n in skeleton["nodes"][()]] == [f"{i}_{p}" for i in INDIVIDUALS for p in BODYPARTS]
        assert len([k for k in f["processing/behavior"] if k.startswith("PoseEstimation")]) == 1
    # ... and reads back as the same tracks and points.
    run_fresh(
        f"""
        import numpy as np
        a, b = poseio.load({str(source)!r}), poseio.load({str(output)!r})
        assert [t.name for t in b.tracks] == [t.name for t in a.tracks]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        """
    )


def test_a_track_with_instance_scores_gets_a_container_of_its_own(tmp_path):
    # A container holds one series of instance scores, for one animal: then each track is written
    # in a container of its own, and points and scores still come back.

    source, output = tmp_path / "dlc2nwb.nwb", tmp_path / "scored.nwb"
    _dlc2nwb_like(source)
    labels = poseio.load(source)
    table = labels.to_table()
    scored = table.replace(score=np.linspace(0.2, 0.7, len(table)))
    labels = poseio.Labels.from_table(
        scored, videos=labels.videos, skeletons=labels.skeletons, tracks=labels.tracks, provenance=labels.provenance
    )
    poseio.save(labels, output)
    with h5py.File(output, "r") as f:
        assert sorted(k for k in f["processing/behavior"] if not k.endswith("_scores")) == [
            "PoseEstimation_ind1", "PoseEstimation_ind2", "Skeletons"
        ]  # fmt: skip
    again = poseio.load(output)
    np.testing.assert_array_equal(again.numpy(), labels.numpy())
    np.testing.assert_array_equal(again.to_table().score, scored.score)
