"""The images behind the poses: a `Video`'s frames, from whatever holds them.

`open_frames` picks the backend by what the video is: images the pose file
holds itself (a plugin's ``poseio_frames`` hook says where:
`poseio._frames._embedded`), image files (a DeepLabCut ``labeled-data``
folder, an NWB list of images) or a media file (PyAV, frame-accurate:
`poseio._frames._media`), local or at a URL (read through fsspec as remote
pose files are). Opening is lazy: loading labels opens no video.

A video named by a pose file is untrusted like the file: it is opened only
when it lies in the pose file's folder (or below), unless
``allow_external=True`` (`poseio._frames._opening` says why, and what else it
refuses: playlists, concat lists, FIFOs); a URL a pose file names is fetched
only with ``allow_external=True`` too. A video a user made in Python names
a file the user chose, and is opened where it is.
"""

from __future__ import annotations

from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING

from poseio._errors import PluginError, PoseioError, ReadError, SourceNotFoundError, UnsafeFileError
from poseio._frames._embedded import EmbeddedFrames, EmbeddedImages
from poseio._frames._images import IMAGE_ENDINGS, ImageFrames
from poseio._frames._opening import CONTAINERS, openable_video
from poseio._frames._reader import FrameReader
from poseio._frames._stream import PoseFileStream, raise_server_failure
from poseio._storage._remote import VIDEO_SCHEMES, display_name, is_url
from poseio._words import say_option

if TYPE_CHECKING:
    from poseio._model._video import Video

__all__ = ["EmbeddedFrames", "FrameReader", "embedded_frames", "open_frames", "why_not_opened"]


def open_frames(video: Video, *, allow_external: bool = False) -> FrameReader:
    """A `FrameReader` of the video's frames.

    Raises:
        SourceNotFoundError: The video's file (or an image) is not there.
        UnsafeFileError: It lies outside the folder of the pose file that named it.
        ReadError: It is not a video or image poseio opens, or it cannot be decoded.
        MissingDependencyError: PyAV (media) or Pillow (images) is not installed.
        PluginError: A plugin's ``poseio_frames`` hook returned something else than `EmbeddedFrames`.
    """
    pose_file = getattr(video, "_pose_file", None)
    pose_url = getattr(video, "_pose_url", None)
    # A pose file loaded from a URL is read there again, by the plugin that finds its images in it.
    stream = PoseFileStream(pose_url) if pose_url is not None else None
    try:
        record = embedded_frames(video, pose_file, stream)
        if record is not None:
            length = video.shape[0] if video.shape else 0
            images = EmbeddedImages(record, name=video.filename, length=length, stream=stream)
            return FrameReader(images, video.filename)
    except BaseException:
        if stream is not None:
            stream.close()
        raise
    if stream is not None:
        stream.close()  # no plugin claimed the video: the URL was not contacted
    if is_url(video.filename, VIDEO_SCHEMES):
        return _remote_video(video, pose_file, allow_external)
    if getattr(video, "_named_remotely", False) and not allow_external:
        # A URL's pose file names files of another machine: looked up here, they could be anything.
        raise UnsafeFileError(
            f"video {video.filename}: named by a pose file read from a URL or a file object, so poseio opens "
            "no file it names on this machine; pass allow_external=True (--allow-external) if you trust it"
        )
    images = _image_files(video, pose_file, allow_external)
    if images:
        return FrameReader(ImageFrames(images), video.filename)
    path = openable_video(video.filename, beside=pose_file, allow_external=allow_external or pose_file is None)
    if path is None:
        raise _refusal(video.filename, pose_file)
    from poseio._frames._media import MediaFrames

    return FrameReader(MediaFrames(path), video.filename)


def _remote_video(video: Video, pose_file: Path | None, allow_external: bool) -> FrameReader:
    """The frames of a video at a URL, read through fsspec as remote pose files are.

    A URL a pose file names is fetched only with ``allow_external``: the file
    would otherwise make poseio contact any server it names.
    """
    named_by_file = pose_file is not None or getattr(video, "_named_remotely", False)
    if named_by_file and not allow_external:
        raise UnsafeFileError(
            f"video {display_name(video.filename)}: a URL named by a pose file, and poseio fetches no URL a file "
            f"names; {say_option('allow_external')} opens it if you trust the file"
        )
    from poseio._frames._media import MediaFrames

    return FrameReader(MediaFrames(video.filename), display_name(video.filename))


def embedded_frames(
    video: Video, pose_file: Path | None, stream: PoseFileStream | None = None
) -> EmbeddedFrames | None:
    """The images of the video's frames its pose file holds, as the first plugin that knows them says; or ``None``.

    Each plugin's ``poseio_frames`` hook is asked in turn (each answers ``None``
    at once for a video it did not read), given the arguments it names: a
    hook written before ``stream`` existed still gets ``video`` and ``source``
    alone. A failure inside one is reported as a `ReadError` naming the plugin,
    or as the failure of the server ``stream`` reads from.
    """
    from poseio._plugins._registry import get_registry

    arguments = {"video": video, "source": pose_file, "stream": stream}
    for impl in get_registry().manager.hook.poseio_frames.get_hookimpls():
        try:
            found = impl.function(**{name: arguments[name] for name in impl.argnames})
        except Exception as exc:  # noqa: BLE001 - a plugin may fail in any way
            raise_server_failure(stream, exc)  # the server failed, not the plugin nor the file
            if isinstance(exc, PoseioError):
                raise
            raise ReadError(
                f"{video.filename}: plugin {impl.plugin_name} failed to find the frames its pose file holds "
                f"({type(exc).__name__}: {exc})",
                plugin=impl.plugin_name,
            ) from exc
        if found is None:
            continue
        if not isinstance(found, EmbeddedFrames):
            raise PluginError(
                f"plugin {impl.plugin_name}'s poseio_frames returned {type(found).__name__}; it must return "
                "poseio.EmbeddedFrames or None",
                plugin=impl.plugin_name,
            )
        return found
    return None


def _image_files(video: Video, pose_file: Path | None, allow_external: bool) -> dict[int, Path]:
    """``{frame: image file}`` of a video made of images, checked; empty for a media file."""
    named = video.metadata.get("images")
    if isinstance(named, dict) and named:
        entries = {int(frame): str(path) for frame, path in named.items()}
    elif video.metadata.get("external_files"):
        files = [str(p) for p in video.metadata["external_files"]]
        first = video.metadata.get("starting_frame") or list(range(len(files)))
        entries = dict(zip((int(f) for f in first), files))
    else:
        return {}
    folder = pose_file.parent if pose_file is not None else Path.cwd()
    found = {}
    for frame, name in entries.items():
        # DeepLabCut names images from its project's root (labeled-data/<video>/img.png) and keeps
        # them beside the table: the name as written, else the file's own name in the table's folder.
        candidates = [folder / name.replace("\\", "/"), folder / PureWindowsPath(name).name]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            raise SourceNotFoundError(f"the image of frame {frame} of {video.filename} is not there: {name}")
        if path.suffix.lower() not in IMAGE_ENDINGS:
            raise ReadError(f"{path}: not an image poseio opens ({', '.join(IMAGE_ENDINGS)})", path=path)
        if pose_file is not None and not allow_external and not path.resolve().is_relative_to(folder.resolve()):
            raise _refusal(str(path), pose_file)
        found[frame] = path
    return found


def why_not_opened(filename: str, pose_file: Path | None) -> str:
    """Why a video a pose file names was not opened: absent, not a video file, or outside its folder."""
    path = Path(filename)
    if not path.is_absolute() and pose_file is not None:
        path = pose_file.parent / path
    if not path.exists():
        return f"video not found: {path}"
    if path.suffix.lower() not in CONTAINERS or not path.is_file():
        return f"video {path} not opened: poseio opens only video files ending in {', '.join(sorted(CONTAINERS))}"
    if pose_file is None:
        return (
            f"video {path} not opened: the pose file is not a local file, so it has no folder whose videos poseio "
            f"opens; {say_option('allow_external')} opens it"
        )
    return (
        f"video {path} not opened: it lies outside the folder of {pose_file.name} ({pose_file.resolve().parent}), "
        f"and poseio follows the paths a pose file names only within its folder; {say_option('allow_external')} "
        "opens it"
    )


def _refusal(filename: str, pose_file: Path | None) -> Exception:
    reason = why_not_opened(filename, pose_file)
    if reason.startswith("video not found"):
        return SourceNotFoundError(reason)
    if "outside the folder" in reason:
        return UnsafeFileError(reason)
    return ReadError(reason)
