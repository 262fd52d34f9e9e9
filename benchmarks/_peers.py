"""Large files of the formats of issue 23, written as their producers write them, and the peers' readers.

Used by `bench_formats.py`. Where sleap-io 0.9.5 writes a format, the file is
written by sleap-io's own ``save_*`` from a synthetic ``sleap_io.Labels``;
formats nobody installed here writes are laid out with h5py, json, numpy or
scipy as the format's docs page (``docs/formats/<name>.md``) and the plugin's
tests describe them. Every reader returns the arrays it read, so that the
timing includes getting every point as an array.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

SEED = 0


# -- synthetic poses -----------------------------------------------------------------------


def poses(n_frames: int, n_animals: int, n_nodes: int, dims: int = 2, missing: float = 0.05) -> np.ndarray:
    """(frames, animals, nodes, dims) float64 points in a 640 x 480 image, ``missing`` of them NaN."""
    rng = np.random.default_rng(SEED)
    points = rng.uniform(5, 475, (n_frames, n_animals, n_nodes, dims)).round(3)
    points[rng.random((n_frames, n_animals, n_nodes)) < missing] = np.nan
    return points


def scores(n_frames: int, n_animals: int, n_nodes: int) -> np.ndarray:
    return np.random.default_rng(SEED + 1).uniform(0.05, 1, (n_frames, n_animals, n_nodes)).round(4)


def sleap_io_labels(n_frames: int, n_animals: int, n_nodes: int, video: str, skeleton: Any = None) -> Any:
    """A sleap_io.Labels of user instances, one track per animal, every frame of one video."""
    import sleap_io as sio

    if skeleton is None:
        names = [f"node{i}" for i in range(n_nodes)]
        skeleton = sio.Skeleton(names, edges=[(names[i], names[i + 1]) for i in range(n_nodes - 1)])
    n_nodes = len(skeleton.nodes)
    points = poses(n_frames, n_animals, n_nodes)
    video = sio.Video(filename=video, open_backend=False)
    tracks = [sio.Track(f"animal{a}") for a in range(n_animals)]
    frames = [
        sio.LabeledFrame(
            video=video,
            frame_idx=i,
            instances=[
                sio.Instance.from_numpy(points[i, a], skeleton=skeleton, track=tracks[a]) for a in range(n_animals)
            ],
        )
        for i in range(n_frames)
    ]
    return sio.Labels(frames)


# -- writers: one per format, each returns the path poseio.load is given ---------------------


def write_coco(folder: Path, n: tuple[int, int, int]) -> Path:
    """sleap-io's save_coco, with an (empty) file for every image it names, so that sleap-io keeps every frame."""
    import sleap_io as sio

    n_frames = n[0]
    names = [f"img_{i:06d}.png" for i in range(n_frames)]
    path = folder / "coco" / "annotations.json"
    path.parent.mkdir(parents=True)
    sio.save_coco(sleap_io_labels(*n, video=str(folder / "video.mp4")), str(path), image_filenames=names)
    for name in names:
        (path.parent / name).touch()
    return path


def write_coco_results(folder: Path, n: tuple[int, int, int]) -> Path:
    """A keypoint results list as cocoapi's loadRes reads one: image_id, category_id, keypoints, score."""
    points, conf = poses(*n), scores(*n)
    results = []
    for f in range(n[0]):
        for a in range(n[1]):
            xy = np.nan_to_num(points[f, a])
            v = np.where(np.isnan(points[f, a, :, 0]), 0.0, conf[f, a])
            flat = np.column_stack([xy, v]).round(4).ravel().tolist()
            results.append({"image_id": f + 1, "category_id": 1, "keypoints": flat, "score": float(conf[f, a].mean())})
    path = folder / "person_keypoints_results.json"
    path.write_text(json.dumps(results))
    return path


def write_ultralytics(folder: Path, n: tuple[int, int, int]) -> Path:
    """A YOLO pose dataset as sleap-io's save_ultralytics lays it out (data.yaml, <split>/images, <split>/labels).

    The images are small grey PNGs written with Pillow (sleap-io's writer needs video frames to export).
    """
    from PIL import Image

    n_frames, n_animals, n_nodes = n
    root = folder / "yolo"
    points = poses(*n)
    w, h = 640, 480
    image = Image.new("L", (w, h), 128)
    names = [f"node{i}" for i in range(n_nodes)]
    lines = [
        "flip_idx:", *[f"- {i}" for i in range(n_nodes)], "kpt_shape:", f"- {n_nodes}", "- 3",
        "names:", "  0: animal", "node_names:", *[f"- {x}" for x in names], "path: .",
        "skeleton:", *[f"- - {i}\n  - {i + 1}" for i in range(n_nodes - 1)],
        "train: train/images", "val: val/images",
    ]  # fmt: skip
    root.mkdir()
    (root / "data.yaml").write_text("\n".join(lines) + "\n")
    n_train = int(n_frames * 0.8)
    for split in ("train", "val"):
        (root / split / "images").mkdir(parents=True)
        (root / split / "labels").mkdir(parents=True)
    for f in range(n_frames):
        split = "train" if f < n_train else "val"
        image.save(root / split / "images" / f"{f:07d}.png")
        rows = []
        for a in range(n_animals):
            p = points[f, a]
            ok = ~np.isnan(p[:, 0])
            x0, y0 = np.nanmin(p, axis=0)
            x1, y1 = np.nanmax(p, axis=0)
            box = [(x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h]
            kp = np.column_stack([np.nan_to_num(p[:, 0]) / w, np.nan_to_num(p[:, 1]) / h, np.where(ok, 2, 0)])
            values = [f"{v:.6f}" for v in box] + [f"{x:.6f} {y:.6f} {int(v)}" for x, y, v in kp]
            rows.append("0 " + " ".join(values))
        (root / split / "labels" / f"{f:07d}.txt").write_text("\n".join(rows) + "\n")
    return root


def write_labelstudio(folder: Path, n: tuple[int, int, int]) -> Path:
    import sleap_io as sio

    path = folder / "labelstudio.json"
    sio.save_labelstudio(sleap_io_labels(*n, video=str(folder / "video.mp4")), str(path))
    return path


def write_jabs(folder: Path, n: tuple[int, int, int]) -> Path:
    """sleap-io's save_jabs (pose v5), JABS' 12 mouse keypoints."""
    import sleap_io as sio
    from sleap_io.io.jabs import JABS_DEFAULT_SKELETON

    labels = sleap_io_labels(n[0], n[1], 12, video=str(folder / "mice.avi"), skeleton=JABS_DEFAULT_SKELETON)
    sio.save_jabs(labels, 5)  # beside the video: <video>_pose_est_v5.h5
    return folder / "mice_pose_est_v5.h5"


def write_sleap_csv(folder: Path, n: tuple[int, int, int]) -> Path:
    import sleap_io as sio

    path = folder / "predictions.csv"
    sio.save_csv(sleap_io_labels(*n, video=str(folder / "video.mp4")), str(path), format="sleap")
    return path


def write_alphatracker(folder: Path, n: tuple[int, int, int]) -> Path:
    """AlphaTracker / sloth annotations: per image a box (class 'Face', as sleap-io expects) then its points."""
    points = poses(*n, missing=0.0)
    frames = []
    for f in range(n[0]):
        items = []
        for a in range(n[1]):
            x0, y0 = points[f, a].min(axis=0)
            x1, y1 = points[f, a].max(axis=0)
            items.append({"class": "Face", "x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0})
            items += [{"class": "point", "x": x, "y": y} for x, y in points[f, a].tolist()]
        frames.append({"filename": f"frame_{f:06d}.png", "class": "image", "annotations": items})
    path = folder / "alphatracker.json"
    path.write_text(json.dumps(frames, indent=4))
    return path


def write_dannce(folder: Path, n: tuple[int, int, int]) -> Path:
    """save_data_AVG.mat as DANNCE writes it with scipy's savemat: pred (N, 3, joints), p_max, sampleID, data."""
    from scipy import io as scipy_io

    n_frames, _, n_nodes = n
    pred = poses(n_frames, 1, n_nodes, dims=3, missing=0.0)[:, 0].transpose(0, 2, 1)
    p_max = scores(n_frames, 1, n_nodes)[:, 0]
    path = folder / "save_data_AVG.mat"
    scipy_io.savemat(
        path, {"pred": pred, "data": pred.copy(), "p_max": p_max, "sampleID": np.arange(n_frames, dtype=float) * 10}
    )
    return path


def write_sleap_anipose(folder: Path, n: tuple[int, int, int]) -> Path:
    """points3d.h5 as sleap-anipose's triangulate writes it: one gzip float64 tracks dataset."""
    import h5py

    path = folder / "points3d.h5"
    with h5py.File(path, "w") as f:
        dataset = f.create_dataset("tracks", data=poses(*n, dims=3), compression="gzip")
        dataset.attrs["Description"] = (
            "Shape: (n_frames, n_tracks, n_nodes, 3). Indexed by frame, track, node, and 3D coordinates."
        )
    return path


def write_trex(folder: Path, n: tuple[int, int, int]) -> Path:
    """A TRex per-individual export (numpy savez, float32, inf where not found), one individual."""
    n_frames = n[0] * n[1] * n[2] // 2  # as many points as the other large files
    rng = np.random.default_rng(SEED)
    x = rng.uniform(0, 30, n_frames).astype(np.float32)
    y = rng.uniform(0, 30, n_frames).astype(np.float32)
    missing = rng.random(n_frames) < 0.05
    x[missing] = y[missing] = np.inf
    frame = np.arange(n_frames, dtype=np.float32)
    arrays = {"frame": frame, "X": x, "Y": y, "missing": missing.astype(np.float32), "time": frame / 25}
    arrays |= {k: rng.uniform(0, 1, n_frames).astype(np.float32) for k in ("SPEED", "ANGLE", "midline_length")}
    path = folder / "fish0.npz"
    np.savez(path, **arrays)
    return path


def write_dlc_project(folder: Path, n: tuple[int, int, int]) -> Path:
    """A multi-animal DeepLabCut project written by poseio's dlc-project writer (sleap-io and pandas read it)."""
    import poseio

    n_frames, n_animals, n_nodes = n
    points = poses(*n)
    skeleton = poseio.Skeleton([f"bodypart{i}" for i in range(n_nodes)])
    tracks = [poseio.Track(f"mouse{a}") for a in range(n_animals)]
    per_video = max(1, n_frames // 10)
    videos = [poseio.Video(str(folder / f"session{v}.mp4")) for v in range(10)]
    frames = [
        poseio.LabeledFrame(
            video=videos[f // per_video % 10],
            frame_idx=f % per_video,
            instances=[poseio.Instance(points[f, a], skeleton=skeleton, track=tracks[a]) for a in range(n_animals)],
        )
        for f in range(n_frames)
    ]
    labels = poseio.Labels(frames, videos=videos, skeletons=[skeleton], tracks=tracks)
    root = folder / "project"
    poseio.save(labels, root, format="dlc-project", images=False)
    # DeepLabCut trains from the images its tables name (sleap-io keeps no frame without one): small PNGs.
    import pandas as pd
    from PIL import Image

    image = Image.new("RGB", (64, 48))
    for table in root.glob("labeled-data/*/CollectedData_*.h5"):
        for index in pd.read_hdf(table).index:
            name = Path(*index) if isinstance(index, tuple) else Path(str(index).replace("\\", "/"))
            image.save(root / name)
    return root


def write_leap(folder: Path, n: tuple[int, int, int]) -> Path:
    """A LEAP labels file (v5 MAT, scipy savemat): positions (nodes, 2, frames) single, skeleton struct."""
    from scipy import io as scipy_io

    n_frames, _, n_nodes = n
    positions = poses(n_frames, 1, n_nodes)[:, 0].transpose(1, 2, 0).astype(np.float32)
    names = np.empty((n_nodes, 1), dtype=object)
    for i in range(n_nodes):
        names[i, 0] = f"node{i}"
    edges = np.array([[i + 1, i + 2] for i in range(n_nodes - 1)], dtype=float)
    path = folder / "box.labels.mat"
    scipy_io.savemat(
        path,
        {
            "boxPath": "box.h5",
            "savePath": str(path),
            "skeleton": {"nodes": names, "edges": edges, "pos": np.zeros((n_nodes, 2))},
            "positions": positions,
            "initialization": np.full_like(positions, np.nan),
            "createdOn": "08-Dec-2026 00:00:00",
            "session": 1.0,
        },
        do_compression=True,
    )
    return path


TRACKMATE_KEYS = ["LABEL", "ID", "TRACK_ID", "QUALITY", "POSITION_X", "POSITION_Y", "POSITION_Z", "POSITION_T",
                  "FRAME", "RADIUS", "VISIBILITY", "MANUAL_SPOT_COLOR", "MEAN_INTENSITY_CH1"]  # fmt: skip
TRACKMATE_HEADER = [
    ["Label", "Spot ID", "Track ID", "Quality", "X", "Y", "Z", "T", "Frame", "Radius", "Visibility",
     "Manual spot color", "Mean intensity ch1"],
    ["Label", "Spot ID", "Track ID", "Quality", "X", "Y", "Z", "T", "Frame", "R", "Visibility", "Spot color",
     "Mean ch1"],
    ["", "", "", "(quality)", "(micron)", "(micron)", "(micron)", "(sec)", "", "(micron)", "", "", "(counts)"],
]  # fmt: skip


def write_trackmate(folder: Path, n: tuple[int, int, int]) -> Path:
    """A TrackMate 7 spots export (4 header rows): one spot per track and frame, as many spots as points elsewhere."""
    n_frames, n_tracks = n[0], n[1] * n[2]
    rng = np.random.default_rng(SEED)
    xy = rng.uniform(0, 500, (n_frames, n_tracks, 2)).round(4)
    path = folder / "spots.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerows([TRACKMATE_KEYS, *TRACKMATE_HEADER])
        spot = 0
        for frame in range(n_frames):
            for track in range(n_tracks):
                writer.writerow([f"ID{spot}", spot, track, 10.0, xy[frame, track, 0], xy[frame, track, 1], 0.0,
                                 frame * 0.5, frame, 2.5, 1, "", 100.0])  # fmt: skip
                spot += 1
    return path


def write_facemap(folder: Path, n: tuple[int, int, int]) -> Path:
    """*_FacemapPose.h5: Facemap/<bodypart>/x, y, likelihood (float32, frames), one face."""
    import h5py

    n_frames, _, n_nodes = n
    points = poses(n_frames, 1, n_nodes)[:, 0]
    conf = scores(n_frames, 1, n_nodes)[:, 0]
    path = folder / "mouse_FacemapPose.h5"
    with h5py.File(path, "w") as f:
        group = f.create_group("Facemap")
        for i in range(n_nodes):
            part = group.create_group(f"bodypart{i}")
            part.create_dataset("x", data=points[:, i, 0].astype(np.float32))
            part.create_dataset("y", data=points[:, i, 1].astype(np.float32))
            part.create_dataset("likelihood", data=conf[:, i].astype(np.float32))
    return path


def write_openpose(folder: Path, n: tuple[int, int, int]) -> Path:
    """An OpenPose --write_json folder: one <video>_<12 digits>_keypoints.json per frame, BODY_25 people."""
    n_frames, n_people, _ = n
    points, conf = poses(n_frames, n_people, 25), scores(n_frames, n_people, 25)
    root = folder / "openpose"
    root.mkdir()
    parts = ("pose", "face", "hand_left", "hand_right")
    for f in range(n_frames):
        people = []
        for p in range(n_people):
            c = np.where(np.isnan(points[f, p, :, 0]), 0.0, conf[f, p])
            flat = np.column_stack([np.nan_to_num(points[f, p]), c]).ravel().tolist()
            entry = {"person_id": [-1]}
            for part in parts:
                for dims in ("2d", "3d"):
                    entry[f"{part}_keypoints_{dims}"] = flat if (part, dims) == ("pose", "2d") else []
            people.append(entry)
        (root / f"video_{f:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": people}))
    return root


def write_mmpose(folder: Path, n: tuple[int, int, int]) -> Path:
    """A topdown demo results file (meta_info + instance_info), 17 COCO keypoints per person."""
    n_frames, n_people, _ = n
    points, conf = poses(n_frames, n_people, 17, missing=0.0), scores(n_frames, n_people, 17)
    names = [f"kp{i}" for i in range(17)]
    meta = {"dataset_name": "coco", "num_keypoints": 17, "keypoint_id2name": {str(i): x for i, x in enumerate(names)},
            "keypoint_name2id": {x: i for i, x in enumerate(names)}, "flip_indices": list(range(17)),
            "skeleton_links": [[i, i + 1] for i in range(16)], "num_skeleton_links": 16,
            "sigmas": [0.05] * 17}  # fmt: skip
    frames = []
    for f in range(n_frames):
        instances = []
        for p in range(n_people):
            x0, y0 = points[f, p].min(axis=0)
            x1, y1 = points[f, p].max(axis=0)
            instances.append({"keypoints": points[f, p].tolist(), "keypoint_scores": conf[f, p].tolist(),
                              "bbox": [[x0, y0, x1, y1]], "bbox_score": 0.9})  # fmt: skip
        frames.append({"frame_id": f + 1, "instances": instances})
    path = folder / "results_video.json"
    path.write_text(json.dumps({"meta_info": meta, "instance_info": frames}, indent="\t"))
    return path


def write_freipose(folder: Path, n: tuple[int, int, int]) -> Path:
    """A FreiPose predict_pose.py output: a list of frames (boxes of 7 cameras, xyz, kp_xyz, kp_score), 12 keypoints."""
    n_frames = n[0]
    xyz, conf = poses(n_frames, 1, 12, dims=3, missing=0.0)[:, 0] / 1000, scores(n_frames, 1, 12)[:, 0]
    boxes = np.random.default_rng(SEED).uniform(0, 1, (7, 4)).round(3).tolist()
    frames = [
        {
            "boxes": boxes,
            "xyz": [xyz[f].mean(axis=0).tolist()],
            "kp_xyz": [xyz[f].tolist()],
            "kp_score": [conf[f].tolist()],
        }  # fmt: skip
        for f in range(n_frames)
    ]
    path = folder / "pred_run000__00.json"
    path.write_text(json.dumps(frames))
    return path


def write_idtracker(folder: Path, n: tuple[int, int, int]) -> Path:
    """trajectories.h5 as idtracker.ai v5 writes it: trajectories (frames, animals, 2), id_probabilities, attrs."""
    import h5py

    n_frames, n_animals = n[0], n[1] * n[2]  # as many points as the other large files
    trajectories = poses(n_frames, n_animals, 1)[:, :, 0]
    probabilities = np.random.default_rng(SEED).uniform(0.5, 1, (n_frames, n_animals, 1))
    probabilities[np.isnan(trajectories[..., :1])] = np.nan
    path = folder / "trajectories.h5"
    with h5py.File(path, "w") as f:
        areas = f.create_group("areas")
        for key in ("mean", "median", "std"):
            areas.create_dataset(key, data=np.full(n_animals, 150.0))
        f.create_group("setup_points").create_dataset("border", data=np.array([[0, 0], [800, 0], [800, 800]]))
        f.create_group("identities_groups")
        f.attrs.update({"length_unit": -1, "version": "5.2.12", "video_paths": ["/videos/fish.avi"],
                        "frames_per_second": 30, "body_length": 41.5})  # fmt: skip
        f.create_dataset("trajectories", data=trajectories, compression="gzip")
        f.create_dataset("id_probabilities", data=probabilities, compression="gzip")
    return path


WRITERS = {
    "coco": write_coco,
    "coco-results": write_coco_results,
    "ultralytics": write_ultralytics,
    "labelstudio": write_labelstudio,
    "jabs": write_jabs,
    "sleap-csv": write_sleap_csv,
    "alphatracker": write_alphatracker,
    "dannce": write_dannce,
    "sleap-anipose": write_sleap_anipose,
    "trex": write_trex,
    "dlc-project": write_dlc_project,
    "leap": write_leap,
    "trackmate": write_trackmate,
    "facemap": write_facemap,
    "openpose": write_openpose,
    "mmpose": write_mmpose,
    "freipose": write_freipose,
    "idtracker": write_idtracker,
}


# -- readers ---------------------------------------------------------------------------------


#: Labelled-frame formats, whose frame numbers are sparse (COCO image ids, say): their points come from
#: ``to_table().points``, as a dense (frames, tracks, nodes, D) array would be mostly NaN.
SPARSE = {"coco", "coco-results", "ultralytics", "labelstudio", "alphatracker", "dlc-project", "leap", "trackmate"}


def poseio_points(path: str, sparse: bool = False) -> Any:
    """poseio.load + every point as an array: ``to_table().points`` for sparse labels, else ``numpy()``."""
    import poseio

    labels = poseio.load(path)
    if not sparse and len(labels.videos) <= 1 and len(labels.skeletons) == 1:
        return labels.numpy()
    return labels.to_table().points


def sleap_io_points(labels: Any) -> Any:
    """Every point of a sleap_io.Labels: ``numpy()`` per video (sleap-io's array of a video's poses)."""
    if len(labels.videos) == 1 and labels.skeletons:  # untracked instances too where there are no tracks
        return labels.numpy(untracked=not labels.tracks)
    # One video per image (COCO, YOLO, Label Studio), or none (TrackMate): every instance's points, stacked.
    instances = [instance.numpy() for frame in labels for instance in frame.instances]
    return np.stack(instances) if instances else np.empty((0, 2))


def _sio(name: str, **options: Any):
    def read(path: str) -> Any:
        import sleap_io as sio

        return sleap_io_points(getattr(sio, name)(path, **options))

    return read


def sleap_io_ultralytics(path: str) -> Any:
    """sleap-io reads one split per call: every split data.yaml names."""
    import sleap_io as sio

    root = Path(path)
    root = root.parent if root.suffix == ".yaml" else root
    splits = [s for s in ("train", "val", "test") if (root / s).is_dir()]
    return [sleap_io_points(sio.load_ultralytics(str(root), split=s)) for s in splits]


def sleap_io_dlc_project(path: str) -> Any:
    import sleap_io as sio

    root = Path(path)
    config = root if root.suffix == ".yaml" else root / "config.yaml"
    return sleap_io_points(sio.load_dlc_project(str(config)))


def sleap_io_trackmate(path: str) -> Any:
    """sleap-io reads TrackMate spots as centroids (no instances): their x, y as one array."""
    import sleap_io as sio

    labels = sio.load_trackmate(path)
    return np.array([(c.x, c.y) for frame in labels for c in frame.centroids], dtype=float).reshape(-1, 1, 2)


def pycocotools_points(path: str) -> Any:
    """The COCO index pycocotools builds, then every annotation's keypoints as one array."""
    import contextlib
    import io

    from pycocotools.coco import COCO

    with contextlib.redirect_stdout(io.StringIO()):  # COCO() prints its progress
        coco = COCO(path)
    keypoints = [a["keypoints"] for a in coco.dataset["annotations"] if a.get("keypoints")]
    return np.array(keypoints, dtype=float).reshape(len(keypoints), -1, 3)


def json_parse(path: str) -> Any:
    with open(path, "rb") as f:
        return json.load(f)


def json_folder(path: str) -> Any:
    result = []
    for file in sorted(Path(path).glob("*.json")):
        with open(file, "rb") as f:
            result.append(json.load(f))
    return result


def h5py_all(path: str) -> Any:
    """Every dataset of the file (the points, confidences and identities a reader needs)."""
    import h5py

    arrays = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda _, item: arrays.append(item[()]) if isinstance(item, h5py.Dataset) else None)
    return arrays


def h5py_jabs(path: str) -> Any:
    import h5py

    with h5py.File(path, "r") as f:
        g = f["poseest"]
        return [g[k][()] for k in ("points", "confidence", "instance_embed_id", "instance_track_id", "id_mask",
                                   "instance_count") if k in g]  # fmt: skip


def h5py_idtracker(path: str) -> Any:
    import h5py

    with h5py.File(path, "r") as f:
        return [f[k][()] for k in ("trajectories", "id_probabilities") if k in f]


def scipy_loadmat(path: str) -> Any:
    from scipy import io as scipy_io

    return scipy_io.loadmat(path)


def pymatreader_read(path: str) -> Any:
    from pymatreader import read_mat

    return read_mat(path)


def numpy_npz(path: str) -> Any:
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def pandas_csv(path: str) -> Any:
    import pandas as pd

    return pd.read_csv(path).to_numpy()


def pandas_trackmate(path: str) -> Any:
    import pandas as pd

    return pd.read_csv(path, skiprows=[1, 2, 3]).to_numpy()


def pandas_dlc_project(path: str) -> Any:
    """pandas.read_hdf of every labeled-data/*/CollectedData_*.h5 (what DeepLabCut itself reads)."""
    import pandas as pd

    root = Path(path)
    root = root.parent if root.suffix == ".yaml" else root
    return [pd.read_hdf(p).to_numpy() for p in sorted(root.glob("labeled-data/*/CollectedData_*.h5"))]


def ultralytics_txt(path: str) -> Any:
    """The raw read of a YOLO dataset: data.yaml and every labels/*.txt parsed with numpy."""
    import yaml

    root = Path(path)
    root = root.parent if root.suffix == ".yaml" else root
    config = yaml.safe_load((root / "data.yaml").read_text())
    arrays = [np.loadtxt(p, ndmin=2) for p in sorted(root.glob("*/labels/*.txt"))]
    return config, arrays


#: format -> (peers, raw reference): name -> reader(path). The first raw reader is the reference.
READERS: dict[str, tuple[dict, dict]] = {
    "coco": ({"sleap-io": _sio("load_coco"), "pycocotools": pycocotools_points}, {"json.load": json_parse}),
    "coco-results": ({"sleap-io": _sio("load_coco")}, {"json.load": json_parse}),
    "ultralytics": ({"sleap-io": sleap_io_ultralytics}, {"yaml+np.loadtxt": ultralytics_txt}),
    "labelstudio": ({"sleap-io": _sio("load_labelstudio")}, {"json.load": json_parse}),
    "jabs": ({"sleap-io": _sio("load_jabs")}, {"h5py": h5py_jabs}),
    "sleap-csv": ({"sleap-io": _sio("load_csv")}, {"pandas.read_csv": pandas_csv}),
    "alphatracker": ({"sleap-io": _sio("load_alphatracker")}, {"json.load": json_parse}),
    "dannce": ({}, {"scipy.io.loadmat": scipy_loadmat}),
    "sleap-anipose": ({}, {"h5py": h5py_all}),
    "trex": ({}, {"numpy.load": numpy_npz}),
    "dlc-project": ({"sleap-io": sleap_io_dlc_project}, {"pandas.read_hdf": pandas_dlc_project}),
    "leap": ({"sleap-io": _sio("load_leap")}, {"scipy.io.loadmat": scipy_loadmat}),
    "trackmate": ({"sleap-io": sleap_io_trackmate}, {"pandas.read_csv": pandas_trackmate}),
    "facemap": ({}, {"h5py": h5py_all}),
    "openpose": ({}, {"json.load": json_folder}),
    "mmpose": ({}, {"json.load": json_parse}),
    "freipose": ({}, {"json.load": json_parse}),
    "idtracker": ({}, {"h5py": h5py_idtracker}),
}

#: The modules each tool imports before its clock starts (poseio: its lazily imported parsers too).
IMPORTS = {
    "poseio": ["poseio", "h5py", "pandas", "scipy.io", "yaml"],
    "sleap-io": ["sleap_io"],
    "pycocotools": ["pycocotools.coco"],
    "json.load": ["json"],
    "h5py": ["h5py"],
    "scipy.io.loadmat": ["scipy.io"],
    "numpy.load": ["numpy"],
    "pandas.read_csv": ["pandas"],
    "pandas.read_hdf": ["pandas", "tables"],
    "yaml+np.loadtxt": ["yaml"],
}


def count_points(result: Any) -> int:
    """Finite x coordinates in a reader's result (0 where it is not an array of points)."""
    if isinstance(result, np.ndarray) and result.dtype.kind == "f" and result.ndim >= 2:
        return int(np.isfinite(result[..., 0]).sum())
    if isinstance(result, list):
        return sum(count_points(r) for r in result)
    return 0
