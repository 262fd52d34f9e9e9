"""Shared fixtures: the real-world corpus and small generated files."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_file(*parts: str) -> Path:
    """A file of ../shared/corpus, skipping the test with a clear message when absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus file {path} is absent (the shared corpus sits beside the project checkout)")
    return path


@pytest.fixture
def nwb_corpus() -> Path:
    return corpus_file("nwb")


@pytest.fixture(autouse=True)
def _no_user_preferences(monkeypatch, tmp_path_factory):
    """A user's lasting format preference (POSEIO_PREFER, ~/.config/poseio) must not change test outcomes."""
    monkeypatch.delenv("POSEIO_PREFER", raising=False)
    monkeypatch.setenv("POSEIO_CONFIG", str(tmp_path_factory.getbasetemp() / "no-such-config.toml"))
