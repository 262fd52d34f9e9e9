"""The ``poseio`` command line."""

from poseio.cli._main import cli, main

__all__ = ["cli", "main"]
