"""The plugin contract: every hook a format plugin may implement.

A plugin is a module (or object) with functions decorated by
`poseio.hookimpl`, published under the ``poseio`` entry-point group::

    # pyproject.toml of the plugin's distribution
    [project.entry-points.poseio]
    myformat = "poseio_myformat"

poseio calls ``poseio_formats`` once when the plugin loads, ``poseio_sniff`` for
every source being opened, and the read, write and append hooks only for the
formats the plugin declared. A plugin that provides several formats receives
the format name in each call and answers for that format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from poseio._frames._embedded import EmbeddedFrames
    from poseio._model._labels import Labels
    from poseio._model._video import Video
    from poseio._plugins._probe import Probe
    from poseio._plugins._records import Claim, FormatInfo, ValidatorReport

PROJECT = "poseio"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Decorate a plugin's hook implementations with this.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def poseio_formats() -> list[FormatInfo]:
    """Declare the formats this plugin provides. Static: no I/O.

    Listings and error messages use these declarations without running sniffers.

    Example::

        @poseio.hookimpl
        def poseio_formats():
            return [poseio.FormatInfo(
                name="csv-points", description="One row per point",
                extensions=(".csv",), can_read=True, can_write=True,
            )]
    """


@hookspec
def poseio_sniff(probe: Probe) -> list[Claim] | Claim | None:
    """Say whether, and how surely, this plugin can read the probed source.

    Use only the probe (its extension, first bytes, HDF5 attributes and typed
    group index); never read datasets and never import heavy libraries here.
    Return ``None`` or an empty list to decline, or claims whose confidence
    follows the bands in `poseio._plugins._records` (0.2 container, 0.5 structure,
    0.9 typed objects, 1.0 certain). A zero-confidence claim with a reason is a
    decline that ``poseio.explain`` reports.

    Example::

        @poseio.hookimpl
        def poseio_sniff(probe):
            if probe.extension == ".csv" and probe.head.startswith(b"frame,track,node"):
                return poseio.Claim("csv-points", 0.9, "CSV header names frame, track and node")
            return poseio.Claim("csv-points", 0.0, "no csv-points header")
    """


@hookspec
def poseio_read(format: str, probe: Probe, part: str | None, options: dict[str, Any]) -> Labels:
    """Read the source (or the claimed ``part`` of it) as Labels.

    Called only for a format this plugin declared. ``options`` holds what the
    user passed to ``poseio.load`` (only the names in the format's
    ``read_options`` when several formats read parts of one file); refuse an
    unknown one with `poseio.InvalidOptionError`. Raise `poseio.ReadError`
    (or let any exception escape: the core wraps it into a ReadError naming
    the format and plugin).

    Example::

        @poseio.hookimpl
        def poseio_read(format, probe, part, options):
            table = ...  # parse probe.path into arrays
            return poseio.Labels.from_numpy(points, video=video, skeleton=skeleton)
    """


@hookspec
def poseio_write(format: str, labels: Labels, path: Path, destination: Path, options: dict[str, Any]) -> None:
    """Write Labels to ``path``, a new file.

    The core passes a temporary path beside the destination and renames it on
    success, so a plugin needs no care for atomicity. ``destination`` is the
    path the caller named (``x.pkg.slp``, ``mouse_pose_est_v5.h5``): for what
    its name says, and for files a format keeps beside it (a sidecar written
    atomically on its own), never to write the poses to. An implementation may
    leave it out. Unknown options must raise `poseio.InvalidOptionError` rather
    than be ignored.

    Example::

        @poseio.hookimpl
        def poseio_write(format, labels, path, destination, options):
            packaged = destination.name.endswith(".pkg.slp")
            points = labels.numpy()
            with open(path, "w") as f:
                ...
    """


@hookspec
def poseio_append(format: str, labels: Labels, path: Path, destination: Path, options: dict[str, Any]) -> None:
    """Add Labels to the existing file at ``path``.

    The core passes a temporary copy of the destination and replaces the
    original only when this returns, so a failed append leaves it as it was.
    ``destination`` is the file the caller named, as for `poseio_write`.

    Example::

        @poseio.hookimpl
        def poseio_append(format, labels, path, options):
            with h5py.File(path, "a") as f:
                ...
    """


@hookspec
def poseio_write_claim(format: str, labels: Labels, options: dict[str, Any]) -> Claim | None:
    """Say how well this format suits the given Labels, and what it would lose of them.

    Called when ``poseio.save`` is given no format and several writers declare
    the destination's extension, and before every write to learn its losses.
    ``part`` on the returned claim names the share of the Labels that this
    format stores (for example ``"predicted"``); writers of different parts are
    combined into one file, first write then append. ``losses`` names what the
    writer cannot carry (with these write ``options``); ``poseio.save`` then
    refuses the write unless the caller passes ``allow_loss=True``. An
    implementation may leave out ``options`` (pluggy passes only the arguments
    it names).

    Example::

        @poseio.hookimpl
        def poseio_write_claim(format, labels, options):
            n = labels.n_predicted_instances
            lost = [f"{labels.n_user_instances} user instances"] if labels.n_user_instances else []
            return poseio.Claim(format, 0.9 if n else 0.0, f"{n} predictions", part="predicted", losses=lost)
    """


@hookspec
def poseio_validate(format: str, path: Path) -> list[ValidatorReport]:
    """Check a file of this format against the format's own validators (``poseio validate``).

    Called only for a format this plugin declared, after the core has checked
    that the file points nowhere outside itself (validators read whole files).
    Return one report per validator; a validator that is not installed is
    reported with ``skipped`` set, not raised.

    Example::

        @poseio.hookimpl
        def poseio_validate(format, path):
            problems = my_checker(path)
            return [poseio.ValidatorReport(
                "my-checker", [poseio.Finding("ERROR", p, fails=True) for p in problems]
            )]
    """


@hookspec
def poseio_frames(video: Video, source: Path | None, stream: BinaryIO | None) -> EmbeddedFrames | None:
    """Say where the pose file keeps the images of ``video``'s frames, when it keeps them itself.

    Called the first time a frame of a video is asked for (``video[i]``,
    ``video.open()``, ``poseio render``), never while loading: return ``None``
    at once for a video your reader did not make, recognised by what your
    reader put in ``video.metadata``. Read the images from the pose file the
    video was loaded from, and from nowhere else:

    - ``source``: that file's `~pathlib.Path` when it was loaded from a local
      path; else ``None``.
    - ``stream``: that file when it was loaded from a URL, as a read-only,
      seekable binary file object (``stream.name`` is the URL for messages);
      else ``None``. Its reads are HTTP Range requests for cached blocks,
      with the deadline and the refusals of remote pose files; it connects on
      the first read, and poseio closes it after ``EmbeddedFrames.close`` (do
      not close it yourself). Open it as you would the path
      (``h5py.File(stream, "r")``).

    Both are ``None`` for a video made in Python, and for one loaded from a
    file object: that object is the caller's, who may close it once ``load``
    returns, so poseio keeps none. Raise `poseio.ReadError` then, saying to
    load the file from its path or URL.

    Return a `poseio.EmbeddedFrames`: the frame number of each image, and
    ``read(i)``, which returns image ``i`` as the file stores it (encoded
    bytes, or an array); poseio decodes, checks the memory budget and serves
    ``video[frame]``. The images the file holds come before any video file
    the video names.

    An implementation names only the arguments it uses, and gets only those:
    one that leaves out ``stream`` (written before it existed) still gets a
    ``Path`` or ``None`` as ``source``, and is never given a file object.

    Example::

        import h5py
        from poseio.hdf5 import check_stored, reading


        @poseio.hookimpl
        def poseio_frames(video, source, stream):
            stored = video.metadata.get("myformat_images")  # put there by this plugin's reader
            if stored is None:
                return None
            file = source if source is not None else stream
            if file is None:
                raise poseio.ReadError(
                    f"{video.filename}: its images are read from the file it was loaded from; "
                    "load it from a path or URL, not a file object"
                )
            h5file = h5py.File(file, "r")  # a path, or the file at its URL
            images = h5file[stored]  # (n_images, height, width, 3) uint8
            check_stored(images)
            where = f"{getattr(file, 'name', file)}:{stored}"

            def read(i):
                with reading(f"image {i}", where):
                    return images[i]

            return poseio.EmbeddedFrames(
                frames=np.arange(images.shape[0]), read=read, where=where, close=h5file.close
            )
    """
