"""Plugins use only poseio's public API, and the core knows no format.

A third party's plugin can only rely on public names; poseio's own plugins are
held to the same rule, so that the public API is known to be enough.
"""

import ast
import importlib
from pathlib import Path

import poseio
import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_SOURCES = sorted(p for p in (ROOT / "plugins").glob("*/src/**/*.py")) + sorted(
    (ROOT / "tests" / "plugins").glob("*/src/**/*.py")
)
PUBLIC_MODULES = {
    "poseio",
    "poseio.csv",
    "poseio.hdf5",
    "poseio.json",
    "poseio.limits",
    "poseio.mat",
    "poseio.options",
    "poseio.testing",
}


def _poseio_imports(path: Path) -> list[tuple[int, str]]:
    """Every ``import poseio...`` / ``from poseio... import name`` in a file, as (line, dotted name)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "poseio"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "poseio":
            found += [(node.lineno, f"{node.module}:{a.name}") for a in node.names]
    return found


def test_there_are_plugin_sources_to_check():
    assert any("poseio_nwb_predictions" in str(p) for p in PLUGIN_SOURCES)
    assert any("poseio_csv_points" in str(p) for p in PLUGIN_SOURCES)


@pytest.mark.parametrize("path", PLUGIN_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_import_only_public_poseio_names(path):
    private = []
    for line, name in _poseio_imports(path):
        module, _, attribute = name.partition(":")
        if module not in PUBLIC_MODULES or attribute.startswith("_"):
            private.append(f"line {line}: {name}")
            continue
        if attribute:
            exported = getattr(importlib.import_module(module), "__all__", ())
            if attribute not in exported:
                private.append(f"line {line}: {name} (not in {module}.__all__)")
    assert not private, f"{path.name} uses poseio names that are not public: {private}"


@pytest.mark.parametrize("module", sorted(PUBLIC_MODULES))
def test_public_modules_export_what_they_list(module):
    imported = importlib.import_module(module)
    names = list(imported.__all__)
    assert names == sorted(names, key=lambda n: (not n.isupper(), n)) or names == sorted(names)
    for name in names:
        assert getattr(imported, name) is not None


def test_each_nwb_plugin_defines_its_hooks_in_its_own_folder():
    for plugin in ("nwb_predictions", "nwb_annotations"):
        hooks = (ROOT / "plugins" / plugin / "src" / f"poseio_{plugin}" / "_plugin.py").read_text()
        for hook in ("poseio_formats", "poseio_sniff", "poseio_read", "poseio_write", "poseio_append"):
            assert f"def {hook}(" in hooks, f"{plugin} does not define {hook} itself"


def test_the_core_holds_no_format_code():
    core = ROOT / "poseio_core" / "src" / "poseio"
    assert not (core / "nwb").exists()
    for path in core.rglob("*.py"):
        for _, name in _poseio_imports(path):
            assert not name.startswith("poseio_"), f"{path.name} imports plugin code: {name}"
        source = path.read_text()
        for heavy in ("import pynwb", "import ndx_pose", "from pynwb", "from ndx_pose"):
            assert heavy not in source, f"{path.relative_to(ROOT)} holds NWB code ({heavy})"


def test_every_exported_error_is_a_poseio_error_and_a_builtin():
    errors = [getattr(poseio, n) for n in poseio.__all__ if n.endswith("Error") and n != "PoseioError"]
    assert len(errors) >= 15
    for error in errors:
        assert issubclass(error, poseio.PoseioError)
        assert error is poseio.UsageError or issubclass(
            error, (ValueError, TypeError, OSError, RuntimeError, ImportError)
        )


def test_the_option_checks_name_the_option_and_what_it_takes():
    from poseio.options import check_choice, check_fps, check_one_line, check_video, refuse_unknown

    refuse_unknown({"fps": 1}, ("fps", "video"), "fmt")
    with pytest.raises(poseio.InvalidOptionError, match=r"fmt does not know the write options \['colour'\]; it"):
        refuse_unknown({"colour": 1}, ("layout",), "fmt", doing="write")
    with pytest.raises(poseio.InvalidOptionError, match="it takes none") as caught:
        refuse_unknown({"colour": 1}, (), "fmt")
    assert caught.value.format == "fmt"
    assert check_fps(None, "fmt") is None and check_fps(30, "fmt") == 30.0
    for bad in (True, 0, -1.0, float("nan"), float("inf"), "30"):
        with pytest.raises(poseio.InvalidOptionError, match="fps= must be a positive number"):
            check_fps(bad, "fmt")
    assert check_video(Path("/v.mp4"), "fmt") == "/v.mp4" and check_video(None, "fmt") is None
    with pytest.raises(poseio.InvalidOptionError, match="video= must be a path, not int"):
        check_video(3, "fmt")
    assert check_choice(None, (None, True, False), "fmt", option="embed") is None
    for bad in (1, 0, "yes"):  # 1 == True, but is not embed=True
        with pytest.raises(poseio.InvalidOptionError, match=r"embed= must be one of \[None, True, False\]"):
            check_choice(bad, (None, True, False), "fmt", option="embed")
    with pytest.raises(poseio.InvalidOptionError, match="one-line name such as 'DLC_x'"):
        check_one_line("a\nb", "fmt", option="scorer", example="DLC_x")


def test_the_csv_helpers_read_heads_and_index_columns(tmp_path):
    import io

    import numpy as np
    from poseio.csv import continues_past_head, frame_numbers, head_lines, image_rows

    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n1,2\n3,")
    head = head_lines(poseio.Probe(path))
    assert head.refusal is None and head.lines == ("a,b\n", "1,2\n", "3,") and head.complete == ["a,b\n", "1,2\n"]
    assert not continues_past_head(poseio.Probe(path))
    big = io.BytesIO(b"x," * 5000)
    assert continues_past_head(poseio.Probe(big)) and big.tell() == 0
    assert head_lines(poseio.Probe(io.BytesIO(b""))).refusal == "the file is empty"
    assert "binary" in head_lines(poseio.Probe(io.BytesIO(b"a\0b"))).refusal

    assert frame_numbers(np.array([0, 2, 5]), "t").tolist() == [0, 2, 5]
    assert frame_numbers(np.array([3.0, 1.0]), "t").tolist() == [3, 1]
    for values, message in [
        ([0, -1], "-1 as its frame number"),
        ([-1, 0], "-1 as its frame number"),
        ([0.0, 1.5], "1.5 as its frame number"),
        ([0.0, float("nan")], "nan as its frame number"),
        ([2, 1, 2], "frame 2 has more than one row"),
        # Past 2**53: int64 would wrap 10**19 into a negative frame, and 1e308 into the smallest int64.
        (np.array([0, 10**19], dtype=np.uint64), "10000000000000000000 as its frame number"),
        ([0.0, 1e308], r"1e\+308 as its frame number, which must be a whole number from 0 to 2\*\*53"),
        ([2**53 + 1, 0], "9007199254740993 as its frame number"),
    ]:
        with pytest.raises(poseio.ReadError, match=message):
            frame_numbers(np.array(values), "t")
    image_numbers = image_rows(["d/img7.png", "d/img" + "9" * 30 + ".png"], "t", fps=None, format="fmt").frame_idx
    assert image_numbers.tolist() == [0, 1]  # a run of 30 digits is no frame number: the rows keep their order

    rows = image_rows(["d/img7.png", "d\\img3.png", "e/a.png", "e/b.png"], "t", fps=5.0, format="fmt")
    assert [v.filename for v in rows.videos] == ["d", "e"] and rows.videos[0].fps == 5.0
    assert rows.video.tolist() == [0, 0, 1, 1] and rows.frame_idx.tolist() == [7, 3, 0, 1]
    assert rows.in_row_order == ["e"] and rows.videos[0].metadata["images"] == {7: "d/img7.png", 3: "d\\img3.png"}
    with pytest.raises(poseio.ReadError, match="more than one row"):
        image_rows(["d/img1.png", "d/img1.png"], "t", format="fmt")
    with pytest.raises(poseio.InvalidOptionError, match="video= names one video"):
        image_rows(["d/img1.png", "e/img1.png"], "t", video="v.mp4", format="fmt")
