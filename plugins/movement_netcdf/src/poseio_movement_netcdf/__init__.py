"""poseio plugin for movement's poses datasets saved as netCDF (``.nc``), read and write.

Found by poseio through the ``poseio`` entry point; users call ``poseio.load``
and ``poseio.save``. `AXES` is the order in which the reader lays out the
position array, whatever order the file stores it in.
"""

from poseio_movement_netcdf._layout import AXES, FORMAT

__all__ = ["AXES", "FORMAT"]
