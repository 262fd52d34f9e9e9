"""The reusable test suite every format plugin runs against itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import poseio
from poseio._model._labels import Labels
from poseio.testing._comparing import (
    ALL_ASPECTS,
    assert_labels_equal,
    fail_with,
    instance_differences,
    point_row_differences,
    visible_point_rows,
)
from poseio.testing._foreign import foreign_samples
from poseio.testing._strategies import labels_strategy


class FormatConformance:
    """Subclass in a test module to run the conformance suite on one format.

    Attributes:
        format: The format's name.
        extension: The extension to write files with; ``""`` for a format whose
            data is a folder (``FormatInfo(folders=True)``), written and read as
            a folder with no ending.
        keeps: The aspects a round trip preserves (see `ALL_ASPECTS`).
        write_options: Options for every ``poseio.save`` call.
        strategy_options: Keyword arguments for `labels_strategy`.
        max_examples: How many generated Labels to round-trip.
        instance_kind: ``"predicted"`` or ``"user"``: what the small fixed Labels hold.
        max_instances_per_frame: How many instances of one frame the format can
            store (``None``: any number). At 1 the crowd test is skipped.
        untracked_as_tracks: The format may give untracked instances tracks of
            their own (DeepLabCut's individuals, the positional track names of a
            SLEAP analysis file). Round trips then check that every untracked
            instance came back untracked or on a new track, one per instance of
            its frame, and that tracked ones kept theirs.
        foreign_samples_extra: Paths of other formats' files (for example a
            corpus of real files) that this format's sniffer must decline too.
    """

    format: ClassVar[str]
    extension: ClassVar[str]
    keeps: ClassVar[frozenset[str]] = ALL_ASPECTS
    write_options: ClassVar[dict[str, Any]] = {}
    strategy_options: ClassVar[dict[str, Any]] = {}
    max_examples: ClassVar[int] = 20
    instance_kind: ClassVar[str] = "predicted"
    max_instances_per_frame: ClassVar[int | None] = None
    untracked_as_tracks: ClassVar[bool] = False
    foreign_samples_extra: ClassVar[tuple[str | os.PathLike[str], ...]] = ()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]] | None:
        """A small file of the format with known points, made without the plugin under test.

        Override it to return the file (written by hand, by the format's own
        producer, or kept with the plugin's tests) and its visible points as
        rows ``(frame_idx, track name or None, node name, x, y[, z])``. The kit
        loads the file and compares: a bug made the same way in the reader and
        the writer (x and y swapped in both, say) passes every round trip but
        not this. The default, ``None``, skips the check with a reminder.
        """
        return None

    def info(self) -> poseio.FormatInfo:
        found = [f for f in poseio.formats() if f.name == self.format]
        assert found, f"format {self.format!r} is not installed"
        return found[0]

    def destination(self, folder: Path, stem: str) -> Path:
        """Where the kit writes a file (or, for a folder format with ``extension = ""``, a folder)."""
        return folder / f"{stem}{self.extension}"

    def _compare(self, expected: Labels, actual: Labels, keeps: frozenset[str]) -> None:
        assert_labels_equal(expected, actual, keeps, untracked_as_tracks=self.untracked_as_tracks)

    def _require_writer(self) -> None:
        if not self.info().can_write:
            pytest.skip(f"{self.format} cannot write")

    def test_declaration(self) -> None:
        info = self.info()
        assert info.plugin and info.description, f"{self.format}: declare a description"
        if self.extension:
            assert self.extension in info.extensions, f"{self.format} does not declare {self.extension!r}"
        else:
            assert info.folders, f"{self.format}: extension '' is for formats declared with folders=True"
        assert all(e.startswith(".") and e == e.lower() for e in info.extensions), (
            f"{self.format}: endings must be lower case and start with a dot, got {info.extensions}"
        )

    def test_roundtrip_of_generated_labels(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._require_writer()
        folder = tmp_path_factory.mktemp("roundtrip")
        options = dict(self.strategy_options)
        if self.max_instances_per_frame == 1:
            options.setdefault("untracked", False)
            options.setdefault("max_tracks", 1)

        @settings(
            max_examples=self.max_examples,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(labels=labels_strategy(**options))
        def roundtrip(labels: Labels) -> None:
            path = self.destination(folder, "roundtrip")
            poseio.save(labels, path, format=self.format, **self.write_options)
            loaded = poseio.load(path)
            self._compare(labels, loaded, self.keeps)
            assert self.format in loaded.provenance["format"], (
                f"{path.name} was read back by {loaded.provenance['format']}, not {self.format}"
            )

        roundtrip()

    def test_sniff_claims_its_own_output(self, tmp_path: Path) -> None:
        self._require_writer()
        labels = self.small_labels()
        path = self.destination(tmp_path, "own")
        poseio.save(labels, path, format=self.format, **self.write_options)
        claims = poseio.sniff(path)
        assert claims and claims[0].format == self.format, f"{self.format}'s own file is claimed by: {claims}"
        assert claims[0].confidence >= poseio.STRUCTURE_MATCH, f"{self.format} claims its own file at {claims[0]}"

    def test_sniffer_declines_foreign_files(self, tmp_path: Path) -> None:
        samples = foreign_samples(tmp_path / "foreign", self.info().extensions)
        samples += [Path(p) for p in self.foreign_samples_extra]
        claimed = []
        for path in samples:
            for claim in poseio.sniff(path, format=self.format):
                if claim.confidence >= poseio.STRUCTURE_MATCH:
                    claimed.append(f"{path.name}: claimed at {claim.confidence:.2f} ({claim.reason})")
        fail_with(claimed, f"{self.format}'s sniffer claims files that are not {self.format}")

    def test_several_untracked_instances_in_a_frame(self, tmp_path: Path) -> None:
        self._require_writer()
        if self.max_instances_per_frame == 1:
            pytest.skip(f"{self.format} stores one instance per frame")
        labels = self.crowd_labels()
        path = self.destination(tmp_path, "crowd")
        poseio.save(labels, path, format=self.format, **self.write_options)
        # Unless the format says it gives each a track, tracks are not compared: a format may name the
        # animals of a crowd, but not merge them.
        keeps = self.keeps if self.untracked_as_tracks else self.keeps - {"tracks"}
        fail_with(
            instance_differences(labels, poseio.load(path), keeps, untracked_as_tracks=self.untracked_as_tracks),
            f"{self.format} does not keep the untracked instances of a frame apart",
        )

    def test_reference_file_reads_known_values(self, tmp_path: Path) -> None:
        reference = self.reference(tmp_path)
        if reference is None:
            pytest.skip(
                f"{type(self).__name__} defines no reference(): give a small {self.format} file with known "
                "points, made without this plugin, so that the kit can check the reader independently"
            )
        path, expected = reference
        loaded = poseio.load(path, format=self.format)
        fail_with(
            point_row_differences(expected, visible_point_rows(loaded)),
            f"{Path(path).name}: {self.format} reads other points than the reference holds",
        )

    @pytest.mark.parametrize("content", [b"", b"not a pose file\n" * 10, b"\x89HDF\r\n\x1a\n" + b"\0" * 40])
    def test_foreign_and_broken_files_are_refused_cleanly(self, tmp_path: Path, content: bytes) -> None:
        path = self.destination(tmp_path, "broken")
        if self.extension:
            path.write_bytes(content)
        else:  # a folder format: a folder holding only a file of this content
            path.mkdir()
            (path / "data.txt").write_bytes(content)
        with pytest.raises(poseio.PoseioError) as caught:
            poseio.load(path, format=self.format)
        assert isinstance(caught.value, (poseio.ReadError, poseio.UnknownFormatError)), repr(caught.value)
        assert str(caught.value)

    def test_failed_write_leaves_the_destination_untouched(self, tmp_path: Path) -> None:
        self._require_writer()
        path = self.destination(tmp_path, "existing")
        kept = path / "precious.txt" if not self.extension else path
        kept.parent.mkdir(exist_ok=True)
        kept.write_bytes(b"precious")
        with pytest.raises(poseio.PoseioError):
            poseio.save(
                self.small_labels(), path, format=self.format, no_such_option_for_any_format=1, **self.write_options
            )
        assert kept.read_bytes() == b"precious"
        if not self.extension:
            assert sorted(p.name for p in path.iterdir()) == [kept.name], "the existing folder was changed"
        assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "a temporary file was left behind"

    def test_declared_capabilities_are_honoured(self) -> None:
        info = self.info()
        registry = poseio._plugins._registry.get_registry()
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

    def crowd_labels(self) -> Labels:
        """Two frames; the first holds three untracked instances, each with its own points."""
        skeleton = poseio.Skeleton(["head", "tail"], edges=[(0, 1)], name="animal")
        video = poseio.Video(os.path.join(os.sep, "data", "crowd.mp4"), fps=30.0, shape=(10, 32, 32, 1))
        kind = poseio.PredictedInstance if self.instance_kind == "predicted" else poseio.Instance
        extra = {"point_scores": np.array([0.5, 0.25])} if kind is poseio.PredictedInstance else {}
        crowd = [kind(np.array([[i, 10.0 + i], [20.0 + i, 30.0 + i]]), skeleton, **extra) for i in range(3)]
        alone = [kind(np.array([[1.0, 2.0], [3.0, 4.0]]), skeleton, **extra)]
        frames = [poseio.LabeledFrame(video, 0, crowd), poseio.LabeledFrame(video, 1, alone)]
        return Labels(frames, videos=[video], skeletons=[skeleton])
