"""OpenPose's keypoint models: node names and limbs, as OpenPose publishes them.

The body names are those of OpenPose's ``poseParameters.cpp``
(``POSE_BODY_25_BODY_PARTS``, ``POSE_COCO_BODY_PARTS``, ``POSE_MPI_BODY_PARTS``,
without the ``Background`` channel) and the limbs its render pairs
(``POSE_*_PAIRS_RENDER_GPU``, ``FACE_PAIRS_RENDER_GPU``,
``HAND_PAIRS_RENDER_GPU``). The JSON holds no model name: a body is told by its
keypoint count (25, 18 or 15). OpenPose names no face or hand keypoint: they are
numbered here (``face_00`` ... ``face_69``; ``left_hand_00`` ... ``left_hand_20``,
0 the wrist, then 4 a finger from thumb to little finger, base to tip).
"""

from __future__ import annotations

from typing import NamedTuple


class Part(NamedTuple):
    """One keypoint array of a person: its JSON key stem, node names and limbs (within the part)."""

    key: str
    nodes: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]


def _pairs(flat: str) -> tuple[tuple[int, int], ...]:
    numbers = [int(n) for n in flat.replace(",", " ").split()]
    return tuple(zip(numbers[0::2], numbers[1::2]))


BODY_25 = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip",
    "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar",
    "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)  # fmt: skip
COCO = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar",
)  # fmt: skip
MPI = (
    "Head", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "Chest",
)  # fmt: skip

#: Body models by keypoint count: name, nodes, limbs.
BODIES: dict[int, tuple[str, tuple[str, ...], tuple[tuple[int, int], ...]]] = {
    25: (
        "BODY_25",
        BODY_25,
        _pairs(
            "1,8 1,2 1,5 2,3 3,4 5,6 6,7 8,9 9,10 10,11 8,12 12,13 13,14 1,0 0,15 15,17 0,16 16,18 "
            "14,19 19,20 14,21 11,22 22,23 11,24"
        ),
    ),
    18: (
        "COCO",
        COCO,
        _pairs("1,2 1,5 2,3 3,4 5,6 6,7 1,8 8,9 9,10 1,11 11,12 12,13 1,0 0,14 14,16 0,15 15,17"),
    ),
    15: ("MPI", MPI, _pairs("0,1 1,2 2,3 3,4 1,5 5,6 6,7 1,14 14,8 8,9 9,10 14,11 11,12 12,13")),
}

FACE_EDGES = (
    tuple((i, i + 1) for i in range(16))  # the jaw line
    + tuple((i, i + 1) for i in range(17, 21))  # the brows
    + tuple((i, i + 1) for i in range(22, 26))
    + tuple((i, i + 1) for i in range(27, 30))  # the nose ridge and base
    + tuple((i, i + 1) for i in range(31, 35))
    + tuple((i, i + 1) for i in range(36, 41))  # the eyes, closed
    + ((41, 36),)
    + tuple((i, i + 1) for i in range(42, 47))
    + ((47, 42),)
    + tuple((i, i + 1) for i in range(48, 59))  # the lips, closed
    + ((59, 48),)
    + tuple((i, i + 1) for i in range(60, 67))
    + ((67, 60),)
)
#: Wrist to each finger's base, then along the finger (thumb, index, middle, ring, little).
HAND_EDGES = _pairs(
    "0,1 1,2 2,3 3,4 0,5 5,6 6,7 7,8 0,9 9,10 10,11 11,12 0,13 13,14 14,15 15,16 0,17 17,18 18,19 19,20"
)


def body(n_nodes: int) -> tuple[str | None, Part]:
    """The body part of ``n_nodes`` keypoints: a published model, or numbered nodes without limbs."""
    if n_nodes in BODIES:
        name, nodes, edges = BODIES[n_nodes]
        return name, Part("pose", nodes, edges)
    width = max(2, len(str(n_nodes - 1)))
    return None, Part("pose", tuple(f"body_{i:0{width}d}" for i in range(n_nodes)), ())


FACE = Part("face", tuple(f"face_{i:02d}" for i in range(70)), FACE_EDGES)
LEFT_HAND = Part("hand_left", tuple(f"left_hand_{i:02d}" for i in range(21)), HAND_EDGES)
RIGHT_HAND = Part("hand_right", tuple(f"right_hand_{i:02d}" for i in range(21)), HAND_EDGES)
#: The keypoint arrays besides the body, in the order their nodes follow the body's.
EXTRA_PARTS = (FACE, LEFT_HAND, RIGHT_HAND)
