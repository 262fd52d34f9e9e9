"""Docs that run: every shell and Python block of README.md and docs/**/*.md is executed.

One test per block, named ``page:line`` of its opening fence. How a block runs,
and the markers that change it, are described in ``docs/contributing-docs.md``;
the parsing is in ``tests/docs_blocks.py``.

Each block runs in a fresh working directory ``<tmp>/main``, in a fresh process,
with the environment's ``bin`` folder first on PATH (``poseio`` and ``python``
are this environment's):

- ``<tmp>/main`` holds the files the docs name (`WORKSPACE`: ``session.nwb``,
  ``data/``, ``examples/``, ...), and the files that earlier blocks of the page
  declared with ``<!-- poseio-docs: file NAME -->``;
- ``<tmp>/shared/corpus`` is the real-world corpus, where a checkout's
  ``../shared/corpus`` is. Blocks that need a corpus file skip when it is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS
from docs_blocks import (
    CONSOLE,
    PYTHON,
    ROOT,
    SHELL,
    SKIP_REASONS,
    Block,
    MarkerError,
    console_steps,
    output_mismatch,
    page_blocks,
    pages,
)

#: The files of the docs' working directory: name -> where it comes from. ``examples/...`` and
#: ``benchmarks`` are the repository's; ``corpus:...`` are files of ../shared/corpus (the blocks
#: that name them skip when it is absent); ``make:...`` are made by `_make` below.
F = "corpus:formats/"
WORKSPACE = {
    "examples": "examples",
    "benchmarks": "benchmarks",
    "two_mice.mp4": "examples/two_mice.mp4",
    "session.nwb": "examples/two_mice.nwb",
    "mystery.nwb": "examples/two_mice.nwb",
    "out.nwb": "examples/two_mice.nwb",
    "a.nwb": "examples/two_mice.nwb",
    "b.nwb": "examples/two_mice.nwb",
    "c.nwb": "examples/two_mice.nwb",
    "subject.yaml": "make:subject",
    "points.csv": "make:csv-points",
    "video.csv": "make:lightning-pose",
    "video_preds/session0.csv": "make:lightning-pose",
    "data/m1/session.h5": F + "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.h5",
    "more/2024/a/labels.slp": F + "sio095_predictions_two_tracks.slp",
    "extra/session.h5": F + "DLC_sample_poses.h5",
    "session_DLC_resnet50.h5": F + "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.h5",
    "m1DLC_resnet50_openfieldOct30shuffle1_1030000.h5": F + "movement015_single_openfield_dlc_table.h5",
    "session.slp": F + "sio095_predictions_two_tracks.slp",
    "labels.pkg.slp": F + "minimal_instance.pkg.slp",
    "labels.v002.slp": F + "labels.v002.slp",
    "pose-3d/trial1.csv": F + "anipose1124_wasp_pose-3d.csv",
    "anipose1124_wasp_pose-3d.csv": F + "anipose1124_wasp_pose-3d.csv",
    "DLC_sample_poses.h5": F + "DLC_sample_poses.h5",
    "movement015_single_confidence_filtered_nans_dlc.csv": F + "movement015_single_confidence_filtered_nans_dlc.csv",
    "movement015_lp_rat_head_tail.csv": F + "movement015_lp_rat_head_tail.csv",
}
# How a block names a workspace file taken from the corpus: a file by its name, a folder by its name
# followed by a slash or a closing quote (``data/``, ``"data"``; not the word in ``extra=``).
CORPUS_NAMED = re.compile(
    "|".join(
        rf"(?<![\w.-]){re.escape(name.split('/')[0])}" + (r"(?=/|[\"'])" if "/" in name else r"(?![\w-])")
        for name, origin in WORKSPACE.items()
        if origin.startswith("corpus:")
    )
)

TIMEOUT = 300  # seconds a block may take; a slow one (marked so) gets SLOW_TIMEOUT
SLOW_TIMEOUT = 3600


def _make(kind: str, path: Path) -> None:
    """The workspace files made for the docs rather than taken from the repository or the corpus."""
    if kind == "subject":
        path.write_text("subject_id: m7\nspecies: Mus musculus\nsex: F\nage: P60D\n")
    elif kind == "lightning-pose":
        # Lightning Pose's video layout, as `litpose predict` writes it (scorer heatmap_tracker), one bodypart.
        rows = [
            "scorer,heatmap_tracker,heatmap_tracker,heatmap_tracker",
            "bodyparts,nose,nose,nose",
            "coords,x,y,likelihood",
        ]
        rows += [f"{frame},{100.25 + frame},{99.75 - frame},0.98" for frame in range(10)]
        path.write_text("\n".join(rows) + "\n")
    elif kind == "csv-points":
        # The tutorial plugin's format (docs/plugins/writing-a-plugin.md).
        header = "video,frame_idx,track,instance,skeleton,node,x,y,score,predicted"
        path.write_text(f"{header}\nv.mp4,0,m1,0,mouse,nose,1.5,2.5,0.9,1\nv.mp4,0,m1,0,mouse,tail,,,,1\n")
    else:
        raise ValueError(f"no maker {kind!r}")


@pytest.fixture(scope="session")
def docs_template(tmp_path_factory) -> Path:
    """One prepared working directory per test process; each block gets a copy."""
    base = tmp_path_factory.mktemp("docs-template")
    main = base / "main"
    main.mkdir()
    if CORPUS.is_dir():
        (base / "shared").mkdir()
        # A copy, so that no block can change the real corpus (it is 20 MB).
        shutil.copytree(CORPUS, base / "shared" / "corpus")
    for name, origin in WORKSPACE.items():
        target = main / name
        target.parent.mkdir(parents=True, exist_ok=True)
        kind, _, where = origin.partition(":")
        if kind == "make":
            _make(where, target)
        elif kind == "corpus":
            if (CORPUS / where).exists():
                shutil.copyfile(CORPUS / where, target)
        elif name == "benchmarks":
            target.symlink_to(ROOT / origin)  # read only: the benchmarks write to temporary folders
        elif (ROOT / origin).is_dir():
            shutil.copytree(ROOT / origin, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(ROOT / origin, target)
    return base


def _collect() -> tuple[list, list]:
    blocks, page_ids = [], []
    for page in pages():
        page_ids.append(str(page.relative_to(ROOT)))
        try:
            blocks.extend(page_blocks(page))
        except MarkerError:
            pass  # test_markers_are_known reports it
    return blocks, page_ids


BLOCKS, PAGE_IDS = _collect()


def _needs_corpus(block: Block) -> bool:
    text = "".join(b.source() for b in block.chain())
    return "shared/corpus" in text or CORPUS_NAMED.search(text) is not None


def _params(blocks: list[Block]) -> list:
    params = []
    for block in blocks:
        if not block.runs:
            continue
        marks = []
        if "skip" in block.markers:
            why, _, note = block.markers["skip"].partition(":")
            reason = SKIP_REASONS[why.strip()] + (f" ({note.strip()})" if note.strip() else "")
            marks.append(pytest.mark.skip(reason=f"{block.name}: {reason}"))
        if "slow" in block.markers:
            marks.append(pytest.mark.slow)
        if "known-failure" in block.markers:
            marks.append(pytest.mark.xfail(strict=True, reason=f"known bug: {block.markers['known-failure']}"))
        if _needs_corpus(block):
            marks.append(pytest.mark.corpus)
        params.append(pytest.param(block, id=block.name, marks=marks))
    return params


@pytest.mark.parametrize("page", PAGE_IDS)
def test_markers_are_known(page):
    # An unknown or misplaced marker would silently run (or skip) a block other than as meant.
    page_blocks(ROOT / page)


def _workspace(template: Path, block: Block, tmp_path: Path) -> Path:
    main = tmp_path / "main"
    shutil.copytree(template / "main", main, symlinks=True)
    if (template / "shared").exists():
        (tmp_path / "shared").symlink_to(template / "shared")
    for name, text in block.chain()[0].files.items():
        (main / name).parent.mkdir(parents=True, exist_ok=True)
        (main / name).write_text(text)
    return main


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "Agg"
    # The test environment holds a deliberately broken plugin (tests/plugins/poseio_broken_plugin), which a
    # user's does not: left in, it would add a warning to every command's output and fail POSEIO_STRICT_PLUGINS.
    env["POSEIO_DISABLE_PLUGINS"] = "broken"
    env.pop("PYTHONPATH", None)
    return env


def _show(result: subprocess.CompletedProcess) -> str:
    return f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.mark.parametrize("block", _params(BLOCKS))
def test_block_runs(block: Block, docs_template: Path, tmp_path: Path):
    if _needs_corpus(block) and not CORPUS.is_dir():
        pytest.skip(f"{block.name} reads files of the shared corpus, absent at {CORPUS}")
    cwd = _workspace(docs_template, block, tmp_path)
    timeout = SLOW_TIMEOUT if "slow" in block.markers else TIMEOUT
    env = _environment()
    chain = block.chain()
    code = "".join(b.source() for b in chain)
    where = " + ".join(b.name for b in chain)
    if block.language in PYTHON:
        # A block that shows a file of the repository runs as that file (its __file__ is where it says).
        script = cwd / block.markers.get("same-as", "docs_block.py")
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(code)
        result = subprocess.run(
            [sys.executable, str(script.relative_to(cwd))],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{where} failed (exit status {result.returncode})\n{_show(result)}"
        # A child process that ran the block's code and crashed (a worker process importing a script that
        # starts workers outside `if __name__ == "__main__":`) leaves the exit status 0, but its traceback
        # goes through the block's file.
        assert f'{script.name}", line' not in result.stderr, f"{where}: a process crashed in it\n{_show(result)}"
    elif block.language in SHELL:
        script = cwd / "docs_block.sh"
        script.write_text(code)
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", script.name],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{where} failed (exit status {result.returncode})\n{_show(result)}"
    else:
        assert block.language in CONSOLE
        for command, shown in console_steps(code):
            result = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            assert result.returncode == 0, f"{where}: $ {command}\nfailed (exit {result.returncode})\n{_show(result)}"
            if "output-varies" not in block.markers:
                mismatch = output_mismatch(shown, result.stdout + result.stderr)
                assert mismatch is None, f"{where}: $ {command}\n{mismatch}\n{_show(result)}"


def _inlined() -> list:
    return [
        pytest.param(block, id=block.name)
        for block in BLOCKS
        if "same-as" in block.markers or "part-of" in block.markers
    ]


@pytest.mark.parametrize("block", _inlined())
def test_inlined_code_is_the_file(block: Block):
    # Code shown inline (so that the page reads on GitHub) is the file it says, character for character.
    word = "same-as" if "same-as" in block.markers else "part-of"
    path = ROOT / block.markers[word]
    assert path.is_file(), f"{block.name}: {block.markers[word]} does not exist"
    actual = path.read_text()
    if word == "same-as":
        assert block.text == actual, f"{block.name} differs from {block.markers[word]}: copy the file into the page"
    else:
        # Each paragraph of the block (lines between blank lines) is in the file, in this order.
        at = 0
        for paragraph in re.split(r"\n\s*\n", block.text.strip("\n")):
            found = actual.find(paragraph, at)
            assert found >= 0, f"{block.name}: this part is not in {block.markers[word]} (in order):\n{paragraph}"
            at = found + len(paragraph)


# The collector itself: a marker it does not understand fails, never runs a block other than as meant.


@pytest.mark.parametrize(
    "page, error",
    [
        ("<!-- poseio-docs: skipp network -->\n```bash\nls\n```\n", "unknown marker 'skipp'"),
        ("<!-- poseio-docs: skip -->\n```bash\nls\n```\n", "needs an argument"),
        ("<!-- poseio-docs: skip lunch -->\n```bash\nls\n```\n", "'skip' must name why"),
        ("<!-- poseio-docs: slow please -->\n```bash\nls\n```\n", "takes no argument"),
        ("<!-- poseio-docs skip network -->\n```bash\nls\n```\n", "malformed marker"),
        ("<!-- poseio-doc: skip network -->\n```bash\nls\n```\n", "malformed marker"),
        ("<!-- poseio-docs: skip network -->\n\n```bash\nls\n```\n", "is not right before a fence"),
        ("<!-- poseio-docs: slow -->\n<!-- poseio-docs: slow -->\n```bash\nls\n```\n", "given twice"),
        ("<!-- poseio-docs: slow -->\n```yaml\na: 1\n```\n", "which is not run"),
        ("<!-- poseio-docs: output-varies -->\n```bash\nls\n```\n", "for ```console blocks"),
        ("<!-- poseio-docs: continues -->\n```python\nx = 1\n```\n", "needs an earlier python block"),
        ("```text\n$ poseio plugins\nanipose ...\n```\n", "fence it as ```console"),
        ("```bash\nls\n", "never closed"),
    ],
)
def test_a_marker_the_collector_cannot_use_fails(tmp_path, page, error):
    path = tmp_path / "page.md"
    path.write_text(page)
    with pytest.raises(MarkerError, match=re.escape(error)):
        page_blocks(path)


def test_markers_shown_in_a_block_or_in_prose_are_not_markers(tmp_path):
    path = tmp_path / "page.md"
    path.write_text(
        "Write `<!-- poseio-docs: skip network -->` above a fence:\n\n"
        "````markdown\n<!-- poseio-docs: skip network -->\n```python\nx = 1\n```\n````\n\n"
        "<!-- ci:main-command -->\n<!-- poseio-docs: skip install: a note -->\n```bash\npip install x\n```\n\n"
        "```python\nx = 1\n```\n\n<!-- poseio-docs: continues -->\n```python\nprint(x)\n```\n"
    )
    blocks = page_blocks(path)
    assert [(b.language, b.markers) for b in blocks] == [
        ("markdown", {}),
        ("bash", {"skip": "install: a note"}),
        ("python", {}),
        ("python", {"continues": ""}),
    ]
    assert blocks[1].text == "pip install x\n"
    assert blocks[3].chain() == [blocks[2], blocks[3]]


def test_shown_output_is_compared_loosely():
    output = "poseio explain: x.csv\n  plugin dlc (12.5 ms): dlc confidence 0.90: a header\n  chosen: dlc\n"
    assert output_mismatch(["  plugin dlc (0.1 ms): dlc confidence 0.90: a header"], output) is None
    assert output_mismatch(["plugin dlc (...): dlc  confidence 0.90: ...", "chosen: dlc"], output) is None
    assert "does not have" in output_mismatch(["plugin dlc (0.1 ms): dlc confidence 0.50: a header"], output)
    assert "does not have" in output_mismatch(["chosen: dlc", "plugin dlc ..."], output)  # order counts
