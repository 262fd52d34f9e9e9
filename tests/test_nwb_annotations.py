"""The nwb-annotations plugin: round trips, mixed files, export with frames and bad files."""

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from hypothesis import HealthCheck, given, settings
from nwb_helpers import SUBJECT, annotations, critical_inspector_messages, damaged_file, validation_errors
from poseio.testing import FormatConformance, assert_labels_equal, labels_strategy


class TestNwbAnnotationsConformance(FormatConformance):
    format = "nwb-annotations"
    extension = ".nwb"
    assert_labels_equal(labels, poseio.load(path))  # every aspect
