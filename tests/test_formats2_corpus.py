"""Every file and folder of ../shared/corpus/formats2 as a user loads it, against the corpus's truth.

One fresh interpreter (importing only poseio) loads each entry of
``truth.json`` without naming a format, as ``poseio.load(path)`` does for a
user, and reports what it read; the checks compare that with ``truth.npz``
(every finite point, from the most authoritative reader of each format) and
the names in ``truth.json``. The negatives must be refused. Each format's own
test file checks more; this one holds the whole corpus to the same bar.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import CORPUS
from fresh_process import run_fresh

FORMATS2 = CORPUS / "formats2"
TRUTH = json.loads((FORMATS2 / "truth.json").read_text()) if (FORMATS2 / "truth.json").exists() else {}
POSES = sorted(name for name, entry in TRUTH.items() if entry["format"] != "negative")
NEGATIVES = sorted(name for name, entry in TRUTH.items() if entry["format"] == "negative")
#: Other pose files inside a corpus folder, each with its own truth (``<folder>/<relpath>`` in truth.npz).
MEMBERS = sorted(key for key in np.load(FORMATS2 / "truth.npz").files if "/" in key) if TRUTH else []

pytestmark = pytest.mark.skipif(not TRUTH, reason=f"the corpus truth {FORMATS2 / 'truth.json'} is absent")

READ_ALL = """
import json, sys
import numpy as np
folder, out = sys.argv[1], sys.argv[2]
names = json.loads(sys.argv[3])
found, points = {}, {}
for name in names:
    try:
        labels = poseio.load(f"{folder}/{name}")
    except poseio.PoseioError as exc:
        found[name] = {"error": type(exc).__name__, "message": str(exc)}
        continue
    table = labels.to_table()
    finite = table.points[np.isfinite(table.points).all(axis=-1)]
    rows = np.isfinite(table.points).all(axis=-1).any(axis=1)
    points[name] = finite
    found[name] = {
        "format": labels.provenance["format"],
        "nodes": sorted({n for s in labels.skeletons for n in s.node_names}),
        "tracks": sorted({labels.tracks[t].name for t in np.unique(table.track[rows]) if t >= 0}),
        "frames": len({(int(v), int(f)) for v, f in zip(table.video[rows], table.frame_idx[rows])}),
        "ndim": table.ndim,
    }
np.savez(out + ".npz", **{k.replace("/", "|"): v for k, v in points.items()})
with open(out + ".json", "w") as f:
    json.dump(found, f)
"""


@pytest.fixture(scope="module")
def read(tmp_path_factory) -> tuple[dict, dict]:
    """What poseio reads of every entry (and project member), in one fresh process."""
    out = tmp_path_factory.mktemp("formats2") / "read"
    names = POSES + NEGATIVES + MEMBERS
    code = (
        "import sys\nsys.argv = ['read', "
        f"{str(FORMATS2)!r}, {str(out)!r}, {json.dumps(json.dumps(names))}]\n" + READ_ALL
    )
    run_fresh(code, timeout=600)
    found = json.loads(out.with_suffix(".json").read_text())
    with np.load(out.with_suffix(".npz")) as stored:
        points = {key.replace("|", "/"): stored[key] for key in stored.files}
    return found, points


def _sorted(points: np.ndarray) -> np.ndarray:
    return points[np.lexsort(points.T[::-1])] if len(points) else points


def _name(name: str) -> str:
    # truth.json's reader of sleap-io CSVs (pandas) turns track "1" into 1.0; names that are
    # numbers are compared as numbers.
    try:
        return repr(float(name))
    except ValueError:
        return name


@pytest.mark.corpus
@pytest.mark.parametrize("name", POSES + MEMBERS)
def test_every_point_equals_the_truth(read, name):
    found, points = read
    assert "error" not in found[name], found[name]
    expected = _sorted(np.load(FORMATS2 / "truth.npz")[name])
    got = _sorted(points[name])
    assert got.shape == expected.shape, f"{name}: {got.shape[0]} points read, the truth has {expected.shape[0]}"
    np.testing.assert_array_equal(got, expected)


@pytest.mark.corpus
@pytest.mark.parametrize("name", POSES)
def test_names_frames_and_dimensions_are_the_truths(read, name):
    found, truth = read[0][name], TRUTH[name]
    assert "error" not in found, found
    assert found["ndim"] == truth["dims"]
    assert found["frames"] == truth["n_frames_with_points"]
    if truth["node_names"]:  # COCO results lists and some trackers name no nodes
        assert found["nodes"] == sorted(truth["node_names"])
    if truth["individual_names"]:
        assert sorted(map(_name, found["tracks"])) == sorted(map(_name, truth["individual_names"]))


@pytest.mark.corpus
@pytest.mark.parametrize("name", NEGATIVES)
def test_negatives_are_refused_saying_why(read, name):
    found = read[0][name]
    assert found.get("error") == "UnknownFormatError", found
    assert "no installed format recognises this file" in found["message"]
