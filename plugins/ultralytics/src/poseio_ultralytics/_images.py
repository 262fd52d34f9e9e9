"""A dataset's images and label files, found inside its folder only.

Every split names folders of images (searched recursively, as Ultralytics
does) or ``.txt`` lists of image paths. An image's labels are the ``.txt``
of the same name in the folder Ultralytics derives from the image's: the
last ``images`` folder of its path replaced by ``labels``
(``train/images/a.png`` -> ``train/labels/a.txt``; ``images/train/a.png`` ->
``labels/train/a.txt``). Every path is resolved with `poseio.Probe.member`,
so that no name in ``data.yaml`` or in a list, nor a symbolic link, leads
outside the dataset's folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import poseio
from poseio.limits import check_allocation

from poseio_ultralytics._config import Config, Fail

#: The image endings Ultralytics reads (its IMG_FORMATS), lower case.
IMAGE_ENDINGS = frozenset((".bmp", ".dng", ".jpeg", ".jpg", ".mpo", ".png", ".tif", ".tiff", ".webp", ".pfm", ".heic"))


@dataclass(frozen=True)
class Image:
    """One image of the dataset.

    Attributes:
        split: The first split that lists it.
        name: Its path from the dataset's folder, with ``/`` (as written in metadata).
        path: The file.
        labels: Its label file, or ``None`` when it has none (a background image).
    """

    split: str
    name: str
    path: Path
    labels: Path | None


def label_name(image: str) -> str:
    """The label file's path for an image's path (both from the dataset's folder)."""
    parts = list(PurePosixPath(image).parts)
    if "images" in parts[:-1]:
        last = len(parts) - 2 - parts[-2::-1].index("images")
        parts[last] = "labels"
    return str(PurePosixPath(*parts).with_suffix(".txt"))


def _relative(probe: poseio.Probe, path: Path) -> str:
    """A path from the dataset's folder, with ``/``; an absolute one when outside it (``allow_external=True``)."""
    path, root = Path(os.path.normpath(path)), Path(os.path.normpath(probe.root))
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _walk(probe: poseio.Probe, top: Path) -> list[str]:
    """The image paths below ``top``, from the dataset's folder, in sorted order (links to folders not followed)."""
    found = []
    for folder, subfolders, files in os.walk(top):
        subfolders.sort()
        base = PurePosixPath(_relative(probe, Path(folder)))
        found.extend(str(base / f) for f in sorted(files) if PurePosixPath(f).suffix.lower() in IMAGE_ENDINGS)
    return found


def _listed(probe: poseio.Probe, entry: str, path: Path, fail: Fail) -> list[str]:
    """The images a ``.txt`` list names: ``./x`` from the list's folder (as Ultralytics reads it), else the root's."""
    size = path.stat().st_size
    check_allocation(size * 8, f"a list of images of {size} bytes", str(path), path=path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"the image list {entry} cannot be read ({exc})") from exc
    folder = PurePosixPath(entry).parent
    names = []
    for line in (line.strip() for line in lines):
        if line:
            names.append(str(folder / line[2:]) if line.startswith("./") else line)
    return names


def find_images(probe: poseio.Probe, config: Config, fail: Fail) -> tuple[list[Image], dict[str, list[str]]]:
    """Every image of every split (an image listed by two splits belongs to the first), and what is missing.

    Returns:
        The images, and ``{"splits": [...], "images": [...]}``: split entries and
        listed images that are not in the folder.

    Raises:
        UnsafeFileError: A split, an image or a label file lies outside the dataset's folder.
        ReadError (from ``fail``): A split names something that is neither a folder nor a ``.txt`` list.
    """
    images: dict[str, Image] = {}
    missing: dict[str, list[str]] = {"splits": [], "images": []}
    for split, entries in config.splits.items():
        for entry in entries:
            path = probe.member(entry)
            if path is None:
                missing["splits"].append(f"{split}: {entry}")
                continue
            if path.is_dir():
                names = _walk(probe, path)
            elif path.suffix.lower() == ".txt" and path.is_file():
                names = _listed(probe, entry, path, fail)
            else:
                raise fail(f"{split}: {entry!r} is neither a folder of images nor a .txt list of them")
            for name in names:
                image = probe.member(name)  # checked even when walked: a link in the folder may lead out of it
                if image is None or not image.is_file():
                    missing["images"].append(name)
                    continue
                name = _relative(probe, image)
                if name not in images:
                    labels = probe.member(label_name(name))
                    images[name] = Image(
                        split, name, image, labels if labels is not None and labels.is_file() else None
                    )
    return list(images.values()), {key: value for key, value in missing.items() if value}


def image_size(image: Image, fail: Fail) -> tuple[int, int]:
    """``(width, height)`` from the image's header (Pillow opens it lazily: no pixel is decoded)."""
    try:
        import PIL.Image
    except ImportError as exc:
        raise poseio.MissingDependencyError(
            "reading an Ultralytics dataset needs Pillow for the image sizes: pip install pillow", name="PIL"
        ) from exc
    try:
        with PIL.Image.open(image.path) as opened:
            return opened.size
    except (OSError, ValueError, PIL.Image.DecompressionBombError) as exc:
        raise fail(f"the size of image {image.name} cannot be read ({exc}); its labels are fractions of it") from exc
