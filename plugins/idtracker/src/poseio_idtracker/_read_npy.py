"""idtracker.ai's ``trajectories.npy``: recognised, and refused without being unpickled.

idtracker.ai v4 and v5 save their trajectories dictionary with ``np.save``,
which pickles it. Loading a pickle runs whatever code it names, so a pose
file from a colleague or a download could take over the machine: poseio
never unpickles one. idtracker.ai converts its own files to HDF5 or CSV
(``idtrackerai_format``), which poseio reads.
"""

from __future__ import annotations

from typing import Any

import poseio
from poseio.options import refuse_unknown

from poseio_idtracker._sniff import FORMAT

READ_OPTIONS = ("fps", "video")


def refuse_npy(probe: poseio.Probe, options: dict[str, Any]) -> None:
    """Raise the ReadError that says why the ``.npy`` is not read and how to convert it."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    raise poseio.ReadError(
        f"{probe.name}: idtracker.ai's trajectories.npy is a Python pickle, and loading a pickle can run any code "
        "it names, so poseio does not unpickle it. Convert it with idtracker.ai's own tool "
        "(`idtrackerai_format <session folder or this file> --formats h5 csv`) and load the trajectories.h5 "
        "(or trajectories_csv/trajectories.csv) it writes; idtracker.ai v5 and later write trajectories.h5 "
        "beside the .npy already",
        path=probe.path,
    )
