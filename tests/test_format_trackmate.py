"""The trackmate plugin: spots tables written as TrackMate exports them, against the values written.

No real TrackMate export is in the corpus: the fixtures are built here from the format's published
description (TrackMate's CSV export as sleap-io 0.9.5 documents it): a line of feature keys, TrackMate 7's
three lines of names, short names and units, then one row per spot.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import poseio
import pytest
from conftest import CORPUS
from corpus_truth import BOOKKEEPING, corpus_paths
from fresh_process import run_fresh
from poseio.testing import FormatConformance

KEYS = ["LABEL", "ID", "TRACK_ID", "QUALITY", "POSITION_X", "POSITION_Y", "POSITION_Z", "POSITION_T", "FRAME",
        "RADIUS", "VISIBILITY", "MANUAL_SPOT_COLOR", "MEAN_INTENSITY_CH1"]  # fmt: skip
NAMES = ["Label", "Spot ID", "Track ID", "Quality", "X", "Y", "Z", "T", "Frame", "Radius", "Visibility",
         "Manual spot color", "Mean intensity ch1"]  # fmt: skip
SHORT = ["Label", "Spot ID", "Track ID", "Quality", "X", "Y", "Z", "T", "Frame", "R", "Visibility", "Spot color",
         "Mean ch1"]  # fmt: skip
UNITS = ["", "", "", "(quality)", "(micron)", "(micron)", "(micron)", "(sec)", "", "(micron)", "", "", "(counts)"]


def write_spots(path: Path, spots: list[dict], *, header_rows: int = 4) -> Path:
    """A spots table as TrackMate 7 exports one (``header_rows=1``: as older exports, the key line alone).

    Each spot is a dict of the keys it sets; TrackMate leaves TRACK_ID empty for a spot in no track.
    """
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for row in [KEYS, NAMES, SHORT, UNITS][:header_rows]:
            writer.writerow(row)
        for spot in spots:
            defaults = {"LABEL": f"ID{spot['ID']}", "TRACK_ID": "", "QUALITY": 1.0, "POSITION_Z": 0.0,
                        "POSITION_T": spot["FRAME"] * 0.5, "RADIUS": 2.5, "VISIBILITY": 1, "MANUAL_SPOT_COLOR": "",
                        "MEAN_INTENSITY_CH1": 100.0}  # fmt: skip
            writer.writerow([{**defaults, **spot}[key] for key in KEYS])
    return path


def _spots(seed: int = 0, z: bool = False) -> list[dict]:
    """Three tracks over 12 frames (track 1 leaves after frame 5) and two spots in no track."""
    rng = np.random.default_rng(seed)
    spots, next_id = [], 0
    for frame in range(12):
        for track in (0, 1, 2):
            if track == 1 and frame > 5:
                continue
            spot = {
                "ID": next_id,
                "TRACK_ID": track,
                "FRAME": frame,
                "QUALITY": round(float(rng.uniform(1, 100)), 3),
                "POSITION_X": round(float(rng.uniform(0, 500)), 4),
                "POSITION_Y": round(float(rng.uniform(0, 500)), 4),
            }
            if z:
                spot["POSITION_Z"] = round(float(rng.uniform(0, 20)), 4)
            spots.append(spot)
            next_id += 1
    spots += [{"ID": next_id, "FRAME": 3, "POSITION_X": 1.5, "POSITION_Y": 2.5, "QUALITY": 7.0},
              {"ID": next_id + 1, "FRAME": 3, "POSITION_X": 8.0, "POSITION_Y": 9.0, "QUALITY": 6.0}]  # fmt: skip
    return spots


def _instances(labels: poseio.Labels) -> list[tuple]:
    """(frame, track name or None, x, y[, z], score) of every instance, sorted."""
    rows = []
    for frame in labels:
        for instance in frame.instances:
            track = instance.track.name if instance.track is not None else None
            rows.append((frame.frame_idx, track or "", *instance.numpy()[0].tolist(), instance.score))
    return sorted(rows)


def _foreign_corpus() -> tuple[Path, ...]:
    """Every file of the corpus: none is a TrackMate export."""
    return tuple(p for p in corpus_paths("*.*") if p.is_file() and p.name not in BOOKKEEPING)


class TestTrackmateConformance(FormatConformance):
    format = "trackmate"
    extension = ".csv"
    max_examples = 10
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # Typed by hand as TrackMate 7 exports a spots table: keys, names, short names, units, rows.
        path = folder / "cells_spots.csv"
        path.write_text(
            "LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS\n"
            "Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,Radius\n"
            "Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,R\n"
            ",,,(quality),(pixel),(pixel),(pixel),(frame),,(pixel)\n"
            "ID7,7,0,12.5,10.25,20.5,0,2,2,3\n"
            "ID3,3,0,11.0,11.0,21.0,0,0,0,3\n"
            "ID4,4,1,9.0,300.0,40.0,0,0,0,3\n"
            "ID9,9,,2.0,5.0,6.0,0,2,2,3\n"
        )
        return path, [(2, "Track_0", "spot", 10.25, 20.5), (0, "Track_0", "spot", 11.0, 21.0),
                      (0, "Track_1", "spot", 300.0, 40.0), (2, None, "spot", 5.0, 6.0)]  # fmt: skip


def test_every_spot_reads_as_written_and_as_pandas_reads_it(tmp_path):
    spots = _spots()
    path = write_spots(tmp_path / "cells_spots.csv", spots)
    [claim] = [c for c in poseio.sniff(path) if c.confidence > 0]
    assert (claim.format, claim.confidence) == ("trackmate", poseio.TYPED_MATCH)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "trackmate"
    assert labels.skeletons[0].node_names == ["spot"] and labels.to_table().ndim == 2
    assert [t.name for t in labels.tracks] == ["Track_0", "Track_1", "Track_2"]
    assert labels.n_predicted_instances == len(spots) and labels.n_user_instances == 0
    expected = sorted(
        (
            s["FRAME"],
            f"Track_{s['TRACK_ID']}" if "TRACK_ID" in s else "",
            s["POSITION_X"],
            s["POSITION_Y"],
            s["QUALITY"],
        )
        for s in spots
    )
    assert _instances(labels) == expected
    # Independently: pandas reading the rows below TrackMate's four header lines.
    table = pd.read_csv(path, skiprows=[1, 2, 3])
    assert sorted(labels.to_table().points.reshape(-1, 2).tolist()) == sorted(
        table[["POSITION_X", "POSITION_Y"]].to_numpy().tolist()
    )
    assert sorted(labels.to_table().point_scores.ravel()) == sorted(table["QUALITY"])
    details = labels.provenance["trackmate"]
    assert (details["n_spots"], details["n_untracked_spots"], details["z"]) == (len(spots), 2, 0.0)
    assert details["units"]["POSITION_X"] == "(micron)" and details["header_rows"] == 4
    assert details["unread_columns"] == ["LABEL", "ID", "POSITION_T", "RADIUS", "VISIBILITY", "MANUAL_SPOT_COLOR",
                                         "MEAN_INTENSITY_CH1"]  # fmt: skip
    video = labels.videos[0]
    assert (video.filename, video.fps, video.shape[0]) == ("cells", 2.0, 12)  # POSITION_T is 0.5 s a frame


def test_spots_in_several_planes_read_as_3d_points(tmp_path):
    spots = _spots(seed=1, z=True)
    labels = poseio.load(write_spots(tmp_path / "s.csv", spots))
    assert labels.to_table().ndim == 3 and labels.provenance["trackmate"]["z"] is None
    expected = sorted((s["FRAME"], s["POSITION_X"], s["POSITION_Y"], s.get("POSITION_Z", 0.0)) for s in spots)
    got = sorted((row[0], *row[2:5]) for row in _instances(labels))
    assert got == expected


def test_an_export_with_the_key_line_alone_reads_the_same(tmp_path):
    spots = _spots(seed=2)
    four = poseio.load(write_spots(tmp_path / "a.csv", spots))
    one = poseio.load(write_spots(tmp_path / "b.csv", spots, header_rows=1))
    assert _instances(one) == _instances(four)
    assert one.provenance["trackmate"]["header_rows"] == 1 and one.provenance["trackmate"]["units"] == {}
    assert one.videos[0].fps is None  # no units row: POSITION_T's unit is unknown


def test_a_track_with_two_spots_in_a_frame_keeps_both_with_a_warning(tmp_path):
    path = write_spots(tmp_path / "split.csv", [
        {"ID": 0, "TRACK_ID": 4, "FRAME": 0, "POSITION_X": 1.0, "POSITION_Y": 1.0},
        {"ID": 1, "TRACK_ID": 4, "FRAME": 1, "POSITION_X": 2.0, "POSITION_Y": 1.0},
        {"ID": 2, "TRACK_ID": 4, "FRAME": 1, "POSITION_X": 2.0, "POSITION_Y": 3.0},
    ])  # fmt: skip
    with pytest.warns(UserWarning, match="1 spots share a frame with another spot of their track"):
        labels = poseio.load(path)
    assert [(f.frame_idx, len(f.instances)) for f in labels] == [(0, 1), (1, 2)]
    assert {i.track.name for f in labels for i in f.instances} == {"Track_4"}
    assert labels.provenance["trackmate"]["n_spots_sharing_a_frame_with_their_track"] == 1


def test_no_file_of_the_corpus_is_claimed():
    paths = _foreign_corpus()
    if not paths:
        pytest.skip(f"the corpus ({CORPUS}) is absent")
    for path in paths:
        claims = [c for c in poseio.sniff(path) if c.format == "trackmate" and c.confidence > 0]
        assert claims == [], (path.name, claims)


def test_trackmate_edges_and_tracks_tables_are_declined_saying_what_to_load(tmp_path):
    edges = tmp_path / "cells_edges.csv"
    edges.write_text("LABEL,TRACK_ID,SPOT_SOURCE_ID,SPOT_TARGET_ID,LINK_COST\nTrack_0,0,3,7,1.5\n")
    tracks = tmp_path / "cells_tracks.csv"
    tracks.write_text("LABEL,TRACK_ID,NUMBER_SPOTS,TRACK_START,TRACK_STOP\nTrack_0,0,2,0,2\n")
    for path, reason in [(edges, "a TrackMate edges table"), (tracks, "a TrackMate tracks table")]:
        [claim] = [c for v in poseio.explain(path).verdicts for c in v.claims if c.format == "trackmate"]
        assert claim.confidence == poseio.NOT_MINE and reason in claim.reason
        assert "load the spots table beside it" in claim.reason


def test_a_user_loads_a_trackmate_export_in_a_fresh_process(tmp_path):
    path = write_spots(tmp_path / "movie_spots.csv", _spots(seed=3))
    run_fresh(
        f"""
        import csv
        labels = poseio.load({str(path)!r})
        [claim] = [c for c in poseio.sniff({str(path)!r}) if c.confidence > 0]
        assert claim.format == "trackmate", claim
        with open({str(path)!r}) as f:
            rows = list(csv.DictReader(f))[3:]  # below the names, short names and units lines
        track_2 = sorted((int(r["FRAME"]), float(r["POSITION_X"]), float(r["POSITION_Y"])) for r in rows
                         if r["TRACK_ID"] == "2")
        got = sorted((fr.frame_idx, *i.numpy()[0].tolist()) for fr in labels for i in fr.instances
                     if i.track is not None and i.track.name == "Track_2")
        assert got == track_2, (got, track_2)
        """
    )


def test_a_trackmate_export_converts_to_nwb(tmp_path):
    spots = [s for s in _spots(seed=4) if "TRACK_ID" in s]  # NWB holds one pose per track and time
    path = write_spots(tmp_path / "movie_spots.csv", spots)
    out = tmp_path / "movie.nwb"
    poseio.save(poseio.load(path), out)  # the frame rate comes from POSITION_T (seconds)
    track_0 = sorted((s["FRAME"], s["POSITION_X"], s["POSITION_Y"], s["QUALITY"]) for s in spots if s["TRACK_ID"] == 0)
    with h5py.File(out, "r") as f:
        series = f["processing/behavior/PoseEstimation_Track_0/spot"]
        assert np.array_equal(series["data"][()], [row[1:3] for row in track_0])
        assert np.array_equal(series["confidence"][()], [row[3] for row in track_0])
        assert [row[0] for row in track_0] == list(range(12))  # every frame: a regular series at 2 frames a second
        assert series["starting_time"].attrs["rate"] == 2.0
    back = poseio.load(out)
    assert sorted(t.name for t in back.tracks) == ["Track_0", "Track_1", "Track_2"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TRACK_ID": "x"}, r"line 6 has 'x' as its TRACK_ID, not a track number"),
        ({"FRAME": 1.5}, r"line 6 has 1.5 as its FRAME, not a frame number"),
        ({"POSITION_X": "left"}, "POSITION_X"),
    ],
)
def test_damaged_rows_are_read_errors_naming_the_line(tmp_path, change, message):
    spots = [{"ID": 0, "TRACK_ID": 0, "FRAME": 0, "POSITION_X": 1.0, "POSITION_Y": 2.0},
             {"ID": 1, "TRACK_ID": 0, "FRAME": 1, "POSITION_X": 1.0, "POSITION_Y": 2.0, **change}]  # fmt: skip
    path = write_spots(tmp_path / "bad.csv", spots)
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path)
    assert "bad.csv" in str(caught.value)


def test_a_header_without_rows_reads_as_empty_labels_and_options_are_checked(tmp_path):
    path = write_spots(tmp_path / "empty.csv", [])
    labels = poseio.load(path)
    assert len(labels) == 0 and labels.provenance["trackmate"]["n_spots"] == 0
    full = write_spots(tmp_path / "full.csv", _spots(seed=5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = poseio.load(full, fps=10, video="movie.tif")
    assert (labels.videos[0].filename, labels.videos[0].fps) == ("movie.tif", 10.0)
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(full, skeleton=["a"])


def test_a_spots_in_tracks_statistics_table_as_trackmate_3_to_6_saved_it(tmp_path):
    # A real table saved from TrackMate's "Spots in tracks statistics" window (JHermosillaD/Python, commit
    # d23e9bb7, "Spots in tracks statistics.csv": 19819 spots of 118 tracks, all read as pandas reads them)
    # has one header line whose first key is "Label" and TrackMate 3-6's feature keys (MANUAL_COLOR,
    # MEAN_INTENSITY, ..., SNR), rows in track order rather than by ID, 3 decimals, POSITION_T equal to FRAME.
    text = (
        "Label,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS,VISIBILITY,"
        "MANUAL_COLOR,MEAN_INTENSITY,MEDIAN_INTENSITY,MIN_INTENSITY,MAX_INTENSITY,TOTAL_INTENSITY,"
        "STANDARD_DEVIATION,ESTIMATED_DIAMETER,CONTRAST,SNR\n"
        "ID68,68,0,2.983,71.960,47.792,0,0,0,13.750,1,-10921639,206.096,255,0,255,135405,100.470,24.457,0.656,1.625\n"
        "ID17,17,0,2.787,72.375,47.281,0,1,1,13.750,1,-10921639,193.676,255,0,255,127245,109.065,24.253,0.644,1.392\n"
        "ID5,5,1,2.500,10.125,20.250,0,0,0,13.750,1,-10921639,190.000,255,0,255,120000,100.000,24.000,0.600,1.300\n"
    )
    path = tmp_path / "Spots in tracks statistics.csv"
    path.write_text(text)
    [claim] = [c for c in poseio.sniff(path) if c.confidence > 0]
    assert (claim.format, claim.confidence) == ("trackmate", poseio.TYPED_MATCH)
    labels = poseio.load(path)
    assert [t.name for t in labels.tracks] == ["Track_0", "Track_1"]
    expected = sorted(
        (int(r[8]), f"Track_{r[2]}", float(r[4]), float(r[5]), float(r[3]))
        for r in (line.split(",") for line in text.splitlines()[1:])
    )
    table = labels.to_table()
    got = sorted(
        (int(f), labels.tracks[t].name, float(p[0, 0]), float(p[0, 1]), float(s))
        for f, t, p, s in zip(table.frame_idx, table.track, table.points, table.score, strict=True)
    )
    assert got == expected
    details = labels.provenance["trackmate"]
    assert details["header_rows"] == 1 and details["frame_interval"] == 1.0 and labels.videos[0].fps is None
