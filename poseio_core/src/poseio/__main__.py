"""``python -m poseio``: the ``poseio`` command line, for when its script is not on PATH."""

from poseio.cli import main

if __name__ == "__main__":
    main()
