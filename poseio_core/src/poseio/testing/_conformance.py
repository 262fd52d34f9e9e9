"""The reusable test suite every format plugin runs against itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import poseio
from poseio._labels import Labels
from poseio.testing._strategies import labels_strategy

#: Everything a lossless format keeps. Subclasses list what theirs keeps in ``keeps``.
ALL_ASPECTS = frozenset(
    {
        "points",
        "frames",
        "videos",
        "tracks",
        "kinds",
        "point_scores",
        "instance_scores",
        "edges",
        "symmetries",
        "skeleton_name",
        "video_shape",
        "fps",
    }
)


def _instances(labels: Labels, keeps: frozenset[str]) -> list[tuple]:
    rows = []
    for frame in labels.labeled_frames:
        for inst in frame.instances:
            predicted = isinstance(inst, poseio.PredictedInstance)
            key = [
                frame.video.filename if "videos" in keeps else "",
                frame.frame_idx if "frames" in keeps else 0,
                (inst.track.name if inst.track else "") if "tracks" in keeps else "",
                predicted if "kinds" in keeps else False,
                tuple(np.round(np.nan_to_num(inst.points, nan=-1e9), 4).ravel()) if "points" in keeps else (),
            ]
            if predicted and "point_scores" in keeps:
                key.append(tuple(np.round(np.nan_to_num(inst.point_scores, nan=-1), 5)))
            if predicted and "instance_scores" in keeps:
                key.append(
                    (
                        round(float(np.nan_to_num(inst.score, nan=-1)), 5),
                        round(float(np.nan_to_num(inst.tracking_score, nan=-1)), 5),
                    )
                )
            rows.append(tuple(key))
    return sorted(rows, key=repr)


def assert_labels_equal(expected: Labels, actual: Labels, keeps: frozenset[str] = ALL_ASPECTS) -> None:
    """Assert two Labels hold the same poses, comparing only the aspects in ``keeps``."""
    assert len(actual) == len(expected), f"{len(actual)} labelled frames, expected {len(expected)}"
    assert _instances(actual, keeps) == _instances(expected, keeps)
    used = {id(i.skeleton) for f in expected.labeled_frames for i in f.instances}
    for skeleton in (s for s in expected.skeletons if id(s) in used):
        match = [s for s in actual.skeletons if s.node_names == skeleton.node_names]
        assert match, f"skeleton {skeleton.name!r} {skeleton.node_names} was not kept"
        if "edges" in keeps:
            assert any(s.edge_inds == skeleton.edge_inds for s in match), "skeleton edges changed"
        if "symmetries" in keeps:
            assert any(sorted(s.symmetry_inds) == sorted(skeleton.symmetry_inds) for s in match), "symmetries changed"
        if "skeleton_name" in keeps:
            assert any(s.name == skeleton.name for s in match), f"skeleton name {skeleton.name!r} changed"
    if "videos" in keeps:
        by_name = {v.filename: v for v in actual.videos}
        for video in {id(f.video): f.video for f in expected.labeled_frames}.values():
            assert video.filename in by_name, f"video {video.filename} was not kept"
            if "video_shape" in keeps:
                assert by_name[video.filename].shape == video.shape
            if "fps" in keeps:
                assert by_name[video.filename].fps == video.fps


class FormatConformance:
    """Subclass in a test module to run the conformance suite on one format.

    Attributes:
        format: The format's name.
        extension: The extension to write files with.
        keeps: The aspects a round trip preserves (see `ALL_ASPECTS`).
        write_options: Options for every ``poseio.save`` call.
        strategy_options: Keyword arguments for `labels_strategy`.
        max_examples: How many generated Labels to round-trip.
        instance_kind: ``"predicted"`` or ``"user"``: what the small fixed Labels hold.
    """

    format: ClassVar[str]
    extension: ClassVar[str]
    keeps: ClassVar[frozenset[str]] = ALL_ASPECTS
    write_options: ClassVar[dict[str, Any]] = {}
    strategy_options: ClassVar[dict[str, Any]] = {}
    max_examples: ClassVar[int] = 20
    instance_kind: ClassVar[str] = "predicted"

    def info(self) -> poseio.FormatInfo:
        found = [f for f in poseio.formats() if f.name == self.format]
        assert found, f"format {self.format!r} is not installed"
        return found[0]

    def test_declaration(self) -> None:
        info = self.info()
        assert info.plugin and info.description
        assert self.extension in info.extensions
        assert all(e.startswith(".") and e == e.lower() for e in info.extensions)

    def test_roundtrip_of_generated_labels(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        if not self.info().can_write:
            pytest.skip(f"{self.format} cannot write")
        folder = tmp_path_factory.mktemp("roundtrip")

        @settings(
            max_examples=self.max_examples,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(labels=labels_strategy(**self.strategy_options))
        def roundtrip(labels: Labels) -> None:
            path = folder / f"roundtrip{self.extension}"
            poseio.save(labels, path, format=self.format, **self.write_options)
            loaded = poseio.load(path)
            assert_labels_equal(labels, loaded, self.keeps)
            assert self.format in loaded.provenance["format"]

        roundtrip()

    def test_sniff_claims_its_own_output(self, tmp_path: Path) -> None:
        if not self.info().can_write:
            pytest.skip(f"{self.format} cannot write")
        labels = self.small_labels()
        path = tmp_path / f"own{self.extension}"
        poseio.save(labels, path, format=self.format, **self.write_options)
        claims = poseio.sniff(path)
        assert claims and claims[0].format == self.format, claims
        assert claims[0].confidence >= poseio.STRUCTURE_MATCH

    @pytest.mark.parametrize("content", [b"", b"not a pose file\n" * 10, b"\x89HDF\r\n\x1a\n" + b"\0" * 40])
    def test_foreign_and_broken_files_are_refused_cleanly(self, tmp_path: Path, content: bytes) -> None:
        path = tmp_path / f"broken{self.extension}"
        path.write_bytes(content)
        with pytest.raises(poseio.PoseioError) as caught:
            poseio.load(path, format=self.format)
        assert isinstance(caught.value, (poseio.ReadError, poseio.UnknownFormatError))
        assert str(caught.value)

    def test_failed_write_leaves_the_destination_untouched(self, tmp_path: Path) -> None:
        if not self.info().can_write:
            pytest.skip(f"{self.format} cannot write")
        path = tmp_path / f"existing{self.extension}"
        path.write_bytes(b"precious")
        with pytest.raises(poseio.PoseioError):
            poseio.save(
                self.small_labels(), path, format=self.format, no_such_option_for_any_format=1, **self.write_options
            )
        assert path.read_bytes() == b"precious"
        assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "a temporary file was left behind"

    def test_declared_capabilities_are_honoured(self, tmp_path: Path) -> None:
        info = self.info()
        registry = poseio._registry.get_registry()
        for hook, declared in (
            ("poseio_read", info.can_read),
            ("poseio_write", info.can_write),
            ("poseio_append", info.can_append),
        ):
            assert (registry.impl(hook, info.plugin) is not None) == declared, f"{hook} vs declaration"

    def small_labels(self) -> Labels:
        """Three frames of one tracked two-node animal."""
        skeleton = poseio.Skeleton(["head", "tail"], edges=[(0, 1)], name="animal")
        video = poseio.Video(os.path.join(os.sep, "data", "small.mp4"), fps=30.0, shape=(10, 32, 32, 1))
        points = np.arange(3 * 1 * 2 * 2, dtype=float).reshape(3, 1, 2, 2)
        return Labels.from_numpy(
            points,
            video=video,
            skeleton=skeleton,
            tracks=[poseio.Track("a")],
            point_scores=np.full((3, 1, 2), 0.5),
            predicted=self.instance_kind == "predicted",
        )
