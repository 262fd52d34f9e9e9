"""Reading movement's netCDF files into Labels.

h5netcdf names each variable's dimensions (netCDF-4 keeps them as HDF5
dimension scales); the arrays themselves are read with `poseio.hdf5.values`,
which refuses external storage and datasets that store less than they declare,
after the sizes the file declares have been held to the memory budget.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import poseio
from poseio.options import check_fps, refuse_unknown

from poseio_movement_netcdf._layout import (
    AXES,
    CONFIDENCE,
    FORMAT,
    FRAME_TOLERANCE,
    POSITION_NAMES,
    READ_OPTIONS,
    SPACE,
    UNTRACKED_ATTR,
)

#: The CF units in which xarray stores a timedelta time coordinate, in seconds.
SECONDS_PER = {
    "days": 86400.0,
    "hours": 3600.0,
    "minutes": 60.0,
    "seconds": 1.0,
    "milliseconds": 1e-3,
    "microseconds": 1e-6,
    "nanoseconds": 1e-9,
}


def _fail(name: str, message: str) -> poseio.ReadError:
    return poseio.ReadError(f"{name}: {message}", path=name, format=FORMAT)


#: The attributes of a data variable that h5netcdf or this reader read whole.
READ_ATTRIBUTES = ("DIMENSION_LIST", "_Netcdf4Coordinates", "_FillValue", "missing_value", "scale_factor", "add_offset")
#: The largest such attribute read, as poseio's sniffing limits them: netCDF's own are a few bytes per dimension.
MAX_ATTRIBUTE_BYTES = 2**24


def _check_attributes(dataset: Any, name: str) -> None:
    """Refuse a variable with an attribute declaring more than poseio reads (they are read whole)."""
    from poseio.hdf5 import open_attribute

    for key in READ_ATTRIBUTES:
        attr = open_attribute(dataset.id, key.encode())
        if attr is not None and attr.dtype.itemsize * math.prod(attr.shape or ()) > MAX_ATTRIBUTE_BYTES:
            raise _fail(name, f"the attribute {key} of /{dataset.name.lstrip('/')} declares over 16 MB")


def _variable(nc: Any, h5file: Any, var_name: str, name: str) -> tuple[Any, tuple[str, ...]]:
    """The h5py dataset of a netCDF variable and its dimension names."""
    from poseio.hdf5 import reading

    dataset = h5file[var_name]
    _check_attributes(dataset, name)
    with reading(f"the dimensions of {var_name}", f"{name}:/{var_name}"):
        try:
            dims = tuple(nc.variables[var_name].dimensions)
        except ValueError as exc:
            if "dimension scale" not in str(exc):
                raise
            raise _fail(
                name,
                f"/{var_name} has no netCDF dimension names (HDF5 dimension scales); it is not a netCDF-4 "
                "variable as xarray's to_netcdf writes one",
            ) from exc
    return dataset, dims


def _coordinate(h5file: Any, dim: str, size: int, name: str) -> Any:
    """The coordinate variable of a dimension, checked to be 1-D of the dimension's size.

    netCDF-4 makes a variable named as a dimension that dimension's scale, so its
    dimension is its own name: only its shape needs checking.
    """
    dataset = h5file[dim]
    if dataset.shape != (size,):
        raise _fail(name, f"the coordinate {dim} has shape {dataset.shape}, but the data hold {size} {dim}")
    return dataset


def _names(nc: Any, h5file: Any, dim: str, size: int, default: str, name: str) -> list[str]:
    """The labels of a dimension (its coordinate variable), or ``<default>_<i>`` when it has none."""
    from poseio.hdf5 import read_strings, reading

    if dim not in nc.variables:
        return [f"{default}_{i}" for i in range(size)]
    dataset = _coordinate(h5file, dim, size, name)
    with reading(f"the {dim} names", f"{name}:/{dim}"):
        names = [str(n) for n in read_strings(dataset)]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise _fail(name, f"the {dim} coordinate names {twice[0]!r} more than once; each must be unique")
    return names


def _frames(nc: Any, h5file: Any, n_times: int, time_unit: str | None, fps: float | None, name: str) -> np.ndarray:
    """The frame number of every time: frame numbers as they are, seconds times the frame rate."""
    from poseio.hdf5 import attribute_text, reading, values

    if "time" not in nc.variables:
        return np.arange(n_times, dtype=np.int64)
    dataset = _coordinate(h5file, "time", n_times, name)
    with reading("the time coordinate", f"{name}:/time"):
        times = values(dataset)
        units = attribute_text(dataset.id, b"units")
    if times.dtype.kind not in "iuf":
        raise _fail(name, f"the time coordinate holds {times.dtype} values; movement's times are seconds or frames")
    if units is not None and " since " in units:
        raise _fail(name, f"the times are dates ({units}); movement's times are seconds or frame numbers")
    if units in SECONDS_PER:
        # A timedelta time (ds["time"] = pd.to_timedelta(...)), which xarray stores as numbers of a CF unit.
        times, time_unit = times * SECONDS_PER[units], "seconds"
    if time_unit == "frames" or (time_unit is None and times.dtype.kind in "iu"):
        found = times.astype(np.float64)
    elif fps is not None:
        found = times * fps
    else:
        raise _fail(
            name, "the times are in seconds but the file has no fps attribute to turn them into frames; pass fps="
        )
    frames = np.rint(found)
    bad = ~np.isfinite(found) | (np.abs(found - frames) > FRAME_TOLERANCE) | (frames < 0) | (frames > 2**53)
    if bad.any():
        at = int(np.argmax(bad))
        raise _fail(name, f"time {times[at]} is not a frame (frame {found[at]} at {fps} frames per second)")
    frames = frames.astype(np.int64)
    # Times in order (as movement writes them) are distinct without sorting them.
    if not bool((frames[1:] > frames[:-1]).all()) and len(np.unique(frames)) != len(frames):
        raise _fail(name, "two times fall on one frame; check the fps attribute")
    return frames


def _masked(array: np.ndarray, dataset: Any) -> np.ndarray:
    """NaN where a value is the variable's fill or missing value, as xarray decodes it."""
    for key in ("_FillValue", "missing_value"):
        if key in dataset.attrs:
            fill = np.asarray(dataset.attrs[key], dtype=np.float64).reshape(-1)
            for value in fill[np.isfinite(fill)]:
                array[array == value] = np.nan
    return array


def _check_unpacked(dataset: Any, var_name: str, name: str) -> None:
    packed = [k for k in ("scale_factor", "add_offset") if k in dataset.attrs]
    if packed:
        raise _fail(
            name,
            f"{var_name} is packed ({', '.join(packed)}); save it unpacked (xarray's default encoding) to read it here",
        )


def _fps(attrs: dict[str, str], option: float | None, name: str) -> float | None:
    text = attrs.get("fps")
    found = None
    if text not in (None, "", "nan", "None"):
        try:
            found = float(text)
        except ValueError:
            raise _fail(name, f"the fps attribute is {text!r}, not a number") from None
        if not (math.isfinite(found) and found > 0):
            found = None  # movement itself keeps no frame rate that is not positive
    if option is not None and found is not None and option != found:
        raise poseio.InvalidOptionError(
            f"{name}: the file says {found} frames per second, fps={option} was given; leave fps= out", format=FORMAT
        )
    return found if found is not None else option


def _untracked(attrs: dict[str, str], individuals: list[str]) -> set[str]:
    """The individuals a poseio writer made up for untracked instances (read back untracked)."""
    text = attrs.get(UNTRACKED_ATTR)
    if not text:
        return set()
    try:
        names = json.loads(text)
    except ValueError:
        return set()
    return {n for n in names if isinstance(n, str) and n in individuals} if isinstance(names, list) else set()


def read_movement_netcdf(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a movement poses dataset saved as netCDF (see ``docs/formats/movement-netcdf.md``).

    Args:
        probe: The probe of the source.
        options: ``fps``: the frame rate, for a file whose times are in seconds
            but which lacks its ``fps`` attribute.

    Returns:
        Labels of one video and one skeleton (the keypoints); one track per
        individual; predicted instances whose point scores are the confidence.

    Raises:
        ReadError: The file is not netCDF-4, is not a movement poses dataset, or
            its variables disagree; the message names the file and what is wrong.
    """
    import h5netcdf
    from poseio.hdf5 import reading

    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps_option = check_fps(options.get("fps"), FORMAT)
    name = probe.name
    if not probe.is_hdf5:
        raise _fail(name, "not a netCDF-4 (HDF5) file; movement saves its datasets as netCDF-4 with xarray")
    h5file = probe.h5
    attrs = probe.root_attrs
    ds_type = attrs.get("ds_type")
    if ds_type not in (None, "poses"):
        raise _fail(name, f"a movement {ds_type!r} dataset; poseio reads movement's poses datasets (ds_type 'poses')")
    var_name = next((n for n in POSITION_NAMES if n in h5file), None)
    if var_name is None:
        raise _fail(
            name,
            "not a movement poses dataset: no 'position' variable at the root (it has "
            f"{list(itertools.islice(h5file, 12))}); movement saves position (time, space, keypoints, individuals)",
        )
    with reading("the netCDF structure", f"{name}:/"):
        nc = h5netcdf.File(h5file, "r")  # wraps the probe's open file; closing nc leaves it open
    try:
        return _read(nc, h5file, var_name, attrs, fps_option, name)
    finally:
        nc.close()


def _read(
    nc: Any, h5file: Any, var_name: str, attrs: dict[str, str], fps_option: float | None, name: str
) -> poseio.Labels:
    from poseio.hdf5 import reading, values
    from poseio.limits import check_allocation

    if var_name not in nc.variables:
        raise _fail(name, f"/{var_name} is not a netCDF variable (no dimensions recorded)")
    dataset, dims = _variable(nc, h5file, var_name, name)
    if sorted(dims) != sorted(AXES):
        raise _fail(
            name,
            f"{var_name} has the dimensions {list(dims)}; a movement poses dataset's has time, space, keypoints and "
            "individuals (a bboxes dataset has no keypoints)",
        )
    _check_unpacked(dataset, var_name, name)
    sizes = dict(zip(dims, dataset.shape))
    n_times, n_ind, n_kp, n_space = (sizes[d] for d in AXES)
    if n_space not in (2, 3):
        raise _fail(name, f"{var_name} has {n_space} spatial coordinates; poses have 2 (x, y) or 3 (x, y, z)")
    # The stored array, its reordered copy, the confidence and its copy, and the table built from them.
    cells = n_times * n_ind * n_kp
    check_allocation(
        cells * (2 * n_space + 2 + n_space + 1) * 8, f"{n_times} times of {n_ind} individuals x {n_kp} keypoints", name
    )

    keypoints = _names(nc, h5file, "keypoints", n_kp, "keypoint", name)
    individuals = _names(nc, h5file, "individuals", n_ind, "individual", name)
    space = _names(nc, h5file, "space", n_space, "space", name) if "space" in nc.variables else list(SPACE[:n_space])
    if sorted(space) != sorted(SPACE[:n_space]):
        raise _fail(name, f"the space coordinate is {space}; poses have x, y and maybe z")
    fps = _fps(attrs, fps_option, name)
    frames = _frames(nc, h5file, n_times, attrs.get("time_unit"), fps, name)

    with reading(f"the {var_name} array", f"{name}:/{var_name}"):
        stored = _masked(values(dataset, np.float64), dataset)
    order = [dims.index(d) for d in AXES]
    points = np.transpose(stored, order)
    if space != list(SPACE[:n_space]):
        points = points[..., [space.index(c) for c in SPACE[:n_space]]]
    scores = _confidence(nc, h5file, (n_times, n_ind, n_kp), name)

    untracked = _untracked(attrs, individuals)
    tracks = [poseio.Track(n) for n in individuals if n not in untracked]
    track_of = {t.name: i for i, t in enumerate(tracks)}
    table = poseio.PoseTable.from_dense(
        points,  # a transposed view, copied once into the table's rows
        frame_idx=frames,
        track=np.array([track_of.get(n, poseio.NO_TRACK) for n in individuals], dtype=np.int64),
        predicted=True,
        point_scores=scores,
    )
    last = int(frames.max()) + 1 if len(frames) else 0
    video_path = attrs.get("video_path")
    metadata = {} if video_path else {"filename_unknown": True}
    video = poseio.Video(video_path or "", fps=fps, shape=(last, 0, 0, 0) if last else None, metadata=metadata)
    provenance = {"movement": {"variable": var_name, "dims": list(dims), "attrs": _kept_attrs(attrs)}}
    return poseio.Labels.from_table(
        table.sorted(), videos=[video], skeletons=[poseio.Skeleton(keypoints)], tracks=tracks, provenance=provenance
    )


def _confidence(nc: Any, h5file: Any, shape: tuple[int, int, int], name: str) -> np.ndarray | None:
    """The confidence as ``(time, individuals, keypoints)``, or ``None`` when the file has none."""
    from poseio.hdf5 import reading, values

    if CONFIDENCE not in nc.variables:
        return None
    dataset, dims = _variable(nc, h5file, CONFIDENCE, name)
    wanted = AXES[:3]
    if sorted(dims) != sorted(wanted):
        raise _fail(name, f"confidence has the dimensions {list(dims)}, not time, individuals and keypoints")
    _check_unpacked(dataset, CONFIDENCE, name)
    sizes = dict(zip(dims, dataset.shape))
    if tuple(sizes[d] for d in wanted) != shape:
        raise _fail(name, f"confidence has shape {dataset.shape} ({', '.join(dims)}), position {shape} {wanted}")
    with reading("the confidence array", f"{name}:/{CONFIDENCE}"):
        stored = _masked(values(dataset, np.float64), dataset)
    return np.transpose(stored, [dims.index(d) for d in wanted])


def _kept_attrs(attrs: dict[str, str]) -> dict[str, Any]:
    """The file's attributes (netCDF's own ``_NCProperties`` left out), fps as a number."""
    kept: dict[str, Any] = {k: v for k, v in attrs.items() if not k.startswith("_")}
    if "fps" in kept:
        try:
            kept["fps"] = float(kept["fps"])
        except ValueError:
            pass
    return kept
