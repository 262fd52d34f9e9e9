"""Bridges from `poseio.Labels` to the libraries poses are analysed in, and back.

- movement: `to_movement` and `from_movement` (an `xarray.Dataset` of poses).
- sleap-io: `to_sleap_io` and `from_sleap_io` (a `sleap_io.Labels`).
- pandas: `to_dataframe` and `from_dataframe` (DeepLabCut's layout or a tidy table of points).

Each library is imported only when its functions run; one that is missing
raises `poseio.MissingDependencyError` naming the extra to install
(``pip install "poseio[movement]"``, ``"poseio[sleap-io]"``, ``"poseio[pandas]"``).
The same functions are methods of `Labels` (``labels.to_movement()``,
``Labels.from_movement(ds)``, ...).
"""

from poseio.bridges._movement import from_movement, to_movement
from poseio.bridges._pandas import from_dataframe, to_dataframe
from poseio.bridges._sleap_io import from_sleap_io, to_sleap_io

__all__ = [
    "from_dataframe",
    "from_movement",
    "from_sleap_io",
    "to_dataframe",
    "to_movement",
    "to_sleap_io",
]
