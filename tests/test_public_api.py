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
PUBLIC_MODULES = {"poseio", "poseio.hdf5", "poseio.limits", "poseio.testing"}


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
        assert error is poseio.UsageError or issubclass(error, (ValueError, TypeError, OSError, RuntimeError))
