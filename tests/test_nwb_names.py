"""Track names inside NWB object names (`poseio_nwb.escape_track` and friends)."""

from hypothesis import given
from hypothesis import strategies as st
from poseio_nwb import REPEAT, escape_track, repeated, track_of, unique_name


@given(st.text(min_size=1), st.integers(1, 50))
def test_any_track_name_reads_back_from_any_repeat(name, count):
    written = repeated(escape_track(name), count)
    assert "/" not in written
    assert track_of(written) == name


def test_escaped_names_stay_readable():
    assert escape_track("mouse 1") == "mouse 1"
    assert escape_track("cage/1#2 50%") == "cage%2F1%232 50%25"


def test_names_from_other_writers_keep_their_percent_signs():
    assert track_of("mouse%20a") == "mouse%20a"
    assert track_of("50%") == "50%"


def test_unique_name_counts_past_taken_names():
    assert unique_name([], "PoseEstimation_m", separator=REPEAT) == "PoseEstimation_m"
    taken = {"PoseEstimation_m", "PoseEstimation_m#2"}
    assert unique_name(taken, "PoseEstimation_m", separator=REPEAT) == "PoseEstimation_m#3"
    assert unique_name({"mouse", "mouse_2"}, "mouse") == "mouse_3"
