"""The shared corpus and its truth, for the format tests: what poseio must read, and the files it must not claim.

Each corpus folder (``formats``, ``formats2``, ``nwb`` of ``../shared/corpus``)
lists its files in ``truth.json`` (each file's format and what it holds) and
their points in ``truth.npz``, in whatever order the producing tool wrote them.
A test compares the finite points poseio reads with the truth's, both sorted
alike (`finite_points`, `truth_points`); and checks that no other format's file
is claimed (`other_files`, `corpus_paths`). With the corpus absent, the
listings are empty and `truth` skips the test.

Example::

    from corpus_truth import finite_points, names, truth, truth_points

    @pytest.mark.parametrize("name", names("coco") or ["(corpus absent)"])
    def test_each_file_reads_as_its_truth(name):
        expected = truth()[name]
        labels = poseio.load(corpus_file("formats2", name))
        assert np.array_equal(finite_points(labels), truth_points(name))
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import poseio
from conftest import CORPUS, corpus_file

FORMATS2 = CORPUS / "formats2"
#: The corpus folders of pose files.
FOLDERS = ("formats", "formats2", "nwb")
#: The corpus's own bookkeeping in a folder: no format's file.
BOOKKEEPING = ("MANIFEST.md", "truth.json", "truth.npz")


def truth(folder: str = "formats2") -> dict:
    """A corpus folder's ``truth.json``: what each file is and holds (skips the test when the corpus is absent)."""
    return json.loads(corpus_file(folder, "truth.json").read_text())


def _listed(folder: str) -> dict:
    path = CORPUS / folder / "truth.json"
    return json.loads(path.read_text()) if path.exists() else {}


def names(*formats: str, folder: str = "formats2") -> list[str]:
    """The names of a folder's files whose truth is of one of ``formats``, sorted (none when the corpus is absent)."""
    return sorted(n for n, t in _listed(folder).items() if t["format"] in formats)


def other_files(*prefixes: str, folder: str = "formats2") -> list[Path]:
    """The paths a folder's truth lists whose format starts with none of ``prefixes``, by name (folders too)."""
    return [CORPUS / folder / n for n, t in sorted(_listed(folder).items()) if not t["format"].startswith(prefixes)]


def corpus_paths(pattern: str = "*", *, recursive: bool = False, folders: tuple[str, ...] = FOLDERS) -> list[Path]:
    """The files and folders of the corpus folders that match ``pattern``, folder by folder, in name order."""
    found: list[Path] = []
    for folder in (CORPUS / f for f in folders):
        if folder.is_dir():
            found += sorted(folder.rglob(pattern) if recursive else folder.glob(pattern))
    return found


def sorted_points(points: np.ndarray) -> np.ndarray:
    """Rows in exact lexicographic order (the truth is in the producer's order: sort both sides alike)."""
    return points[np.lexsort(points.T[::-1])]


def finite_points(labels: poseio.Labels) -> np.ndarray:
    """Every point of the labels with all coordinates finite, one row each, sorted."""
    table = labels.to_table()
    points = table.points.reshape(-1, table.ndim)
    return sorted_points(points[np.isfinite(points).all(axis=1)])


def truth_points(name: str) -> np.ndarray:
    """The finite points of a ``formats2`` file as its truth lists them, sorted."""
    return sorted_points(np.load(FORMATS2 / "truth.npz")[name])
