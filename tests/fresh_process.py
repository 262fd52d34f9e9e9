"""Running code as a user runs it: in a new interpreter that has imported only poseio."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HEAVY = ("pynwb", "hdmf", "ndx_pose", "matplotlib")


def run_fresh(code: str, *, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter and fail the test if it fails.

    The code starts with the test helpers importable and checks that nothing
    has imported pynwb, hdmf or ndx_pose before it runs: a test process that
    imported them first once hid a data-loss bug in ``append``.
    """
    preamble = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import poseio
        assert not [m for m in {HEAVY!r} if m in sys.modules], "a heavy module was imported before the test code"
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", preamble + textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"fresh process failed:\n{result.stdout}\n{result.stderr}"
    return result
