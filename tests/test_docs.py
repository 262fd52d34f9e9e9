"""The docs show what they say they show: every snippet marker resolves to a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md"))
# Anything that looks like a pymdownx.snippets marker, well formed or mangled (a formatter once
# turned "--8<--" into "--8 < --", and mkdocs then rendered the marker as text, not the code).
LOOKS_LIKE_MARKER = re.compile(r"^\s*-+\s*8\s*<\s*-+")
MARKER = re.compile(r'^--8<-- "([^"]+)"$')


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_snippet_markers_are_well_formed_and_resolve(page):
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        if not LOOKS_LIKE_MARKER.match(line):
            continue
        found = MARKER.match(line.strip())
        assert found, f'{page.name}:{number}: malformed snippet marker {line!r}; write --8<-- "path"'
        assert (ROOT / found.group(1)).is_file(), f"{page.name}:{number}: {found.group(1)} does not exist"


def test_the_plugin_tutorial_renders_the_example_plugin_code(tmp_path):
    # Built the way the docs are built: the page must contain the plugin's code, not the marker.
    mkdocs = pytest.importorskip("mkdocs.commands.build")
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    mkdocs.build(config)
    html = (tmp_path / "site" / "plugins" / "writing-a-plugin" / "index.html").read_text()
    assert "8&lt;" not in html and "--8" not in html
    assert "poseio_sniff" in html and "poseio_formats" in html
