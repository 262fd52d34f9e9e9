"""The probe: one cheap, shared look at a source for every sniffer."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING

import attrs

from poseio._errors import InvalidSourceError, ReadError, SourceNotFoundError, UnsafeFileError

if TYPE_CHECKING:
    import h5py

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
HEAD_SIZE = 512
# HDF5 allows a user block before the superblock: the signature may sit at 0, 512, 1024, ...
_SIGNATURE_OFFSETS = (0, 512, 1024, 2048, 4096)
# Typed-group index limits: deep enough for /processing/<module>/<container>/<child>/<child>,
# and a group with thousands of children (training frames) is sampled, not walked.
INDEX_MAX_DEPTH = 6
INDEX_MAX_CHILDREN = 256
INDEX_SAMPLE_CHILDREN = 8
#: The most names `Probe.entries` lists: a folder format is told by a few names, not by a full listing.
FOLDER_MAX_ENTRIES = 10_000

Source = str | os.PathLike[str] | IO[bytes]
#: The errors of a stat that mean "no such file", as `pathlib.Path.exists` reads them.
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


@attrs.frozen
class TypedGroup:
    """An HDF5 group that carries a ``neurodata_type`` attribute.

    Attributes:
        path: Absolute HDF5 path of the group.
        neurodata_type: The value of its ``neurodata_type`` attribute.
        namespace: The value of its ``namespace`` attribute, or ``None`` when absent.
    """

    path: str
    neurodata_type: str
    namespace: str | None


class Probe:
    """A lazily filled description of one source, shared by every sniffer.

    Nothing is opened until a sniffer asks: ``head`` reads the first bytes,
    ``h5`` opens the file read-only with HDF5, ``typed_groups`` walks its groups
    once. Sniffers must not read datasets.

    A source may be a folder (a YOLO dataset, a DeepLabCut project): only the
    sniffers of formats declared with ``folders=True`` see one; `entries` lists
    it and `member` finds files in it without leaving it. ``head`` is empty and
    ``h5`` is ``None`` for a folder.

    A source is a path or an open binary file object (for example a remote file
    opened by fsspec); ``path`` is ``None`` for the latter, and ``extension``
    comes from its ``name`` when it has one.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        if isinstance(source, (str, os.PathLike)):
            self.path: Path | None = Path(source)
            self._fileobj: IO[bytes] | None = None
        elif hasattr(source, "read") and hasattr(source, "seek"):
            self.path = None
            self._fileobj = source
        else:
            raise InvalidSourceError(
                f"a source is a path or a binary file object, not {type(source).__name__}; pass a path"
            )
        self._h5: h5py.File | None = None
        self._stat_mode: int | None = None  # the source's st_mode, once `check_readable` has looked
        self._readable_file = False  # `check_readable` found a readable regular file

    def __repr__(self) -> str:
        return f"Probe({self.name!r})"

    @property
    def name(self) -> str:
        """A printable name for the source."""
        if self.path is not None:
            return str(self.path)
        return str(getattr(self._fileobj, "name", "<file object>"))

    @property
    def extension(self) -> str:
        """The file extension in lower case with its dot, or ``""`` (the last one: see `has_ending`)."""
        return Path(self.name).suffix.lower()

    def has_ending(self, *endings: str) -> bool:
        """Whether the file's name ends with one of these (case ignored), multi-dot ones included.

        ``probe.has_ending(".analysis.h5")``: `extension` alone is ``".h5"``.
        """
        name = Path(self.name).name.lower()
        return any(name.endswith(ending.lower()) for ending in endings)

    def check_readable(self, *, folder: bool = False) -> None:
        """Raise a poseio error when the source is missing, not a regular file, or unreadable.

        Args:
            folder: Accept a readable folder too (a folder format may claim it).
        """
        if self.path is None or self._readable_file:
            return
        try:
            # One stat answers what Path.exists, is_dir and is_file would each stat for (a load checks twice).
            mode: int | None = os.stat(self.path).st_mode
        except OSError as exc:
            if exc.errno not in _NOT_THERE:  # a name too long for the file system, say
                raise ReadError(
                    f"{self.path}: cannot be looked up ({exc.strerror}); check the path", path=self.path
                ) from exc
            mode = None
        except ValueError:  # a NUL in the name: no such file, as Path.exists says
            mode = None
        if mode is None:
            raise SourceNotFoundError(f"{self.path}: no such file; check the path", path=self.path)
        self._stat_mode = mode
        if stat.S_ISDIR(mode):
            if folder and os.access(self.path, os.R_OK | os.X_OK):
                return
            if folder:
                raise ReadError(f"{self.path}: permission denied; make the folder readable", path=self.path)
            raise ReadError(f"{self.path}: is a folder, not a pose file; name a file inside it", path=self.path)
        if not stat.S_ISREG(mode):
            # A pipe would block the first read until something writes to it; a device may never end.
            raise ReadError(
                f"{self.path}: is not a regular file (a pipe, socket or device); poseio reads files it can seek in. "
                "Save the data to a file first",
                path=self.path,
            )
        if not os.access(self.path, os.R_OK):
            raise ReadError(f"{self.path}: permission denied; make the file readable", path=self.path)
        self._readable_file = True

    @cached_property
    def is_folder(self) -> bool:
        """Whether the source is a folder (links followed)."""
        if self.path is None:
            return False
        if self._stat_mode is not None:  # `check_readable` has looked (a load always does first)
            return stat.S_ISDIR(self._stat_mode)
        return self.path.is_dir()

    @cached_property
    def entries(self) -> tuple[str, ...]:
        """The names directly in the folder, sorted, hidden ones left out; ``()`` for a file.

        At most `FOLDER_MAX_ENTRIES` names are listed (the first ones the
        system gives, then sorted): a sniffer tells a dataset by a few names.
        """
        if not self.is_folder:
            return ()
        names = []
        try:
            with os.scandir(self.path) as listing:  # type: ignore[arg-type]
                for entry in listing:
                    if not entry.name.startswith("."):
                        names.append(entry.name)
                        if len(names) >= FOLDER_MAX_ENTRIES:
                            break
        except OSError as exc:
            raise ReadError(f"{self.path}: cannot list the folder ({exc.strerror})", path=self.path) from exc
        return tuple(sorted(names))

    @property
    def root(self) -> Path | None:
        """The folder the source's data may come from: the folder itself, or the folder holding the file."""
        if self.path is None:
            return None
        return self.path if self.is_folder else self.path.parent

    def member(self, *parts: str) -> Path | None:
        r"""A file or folder inside `root`, or ``None`` when there is none by that name.

        ``probe.member("train", "labels", "img_001.txt")``; a part may hold
        ``/`` or ``\`` (a Windows path written in a file: DeepLabCut's tables)
        and is split on both. Use it for every path a folder format opens,
        so a hostile dataset never makes poseio read outside its folder.

        Raises:
            UnsafeFileError: The name, an absolute path, ``..`` or a symbolic
                link leads outside `root`, and the caller did not pass
                ``allow_external=True``.
        """
        root = self.root
        if root is None:
            return None
        pieces = [
            piece for part in parts for piece in str(part).replace("\\", "/").split("/") if piece not in ("", ".")
        ]
        path = root.joinpath(*pieces)
        absolute = bool(parts) and (Path(str(parts[0])).is_absolute() or str(parts[0]).startswith(("/", "\\")))
        if absolute or ".." in pieces or not _within(path, root):
            from poseio._storage._policy import current_policy

            if not current_policy().allow_external:
                shown = "/".join(str(p) for p in parts)
                raise UnsafeFileError(
                    f"{self.name}: names {shown!r}, which lies outside {root}; poseio reads only what is inside "
                    "the input's folder. Pass allow_external=True (--allow-external) if you trust the source",
                    path=self.path,
                )
            path = Path(*parts) if absolute else path
        return path if os.path.lexists(path) else None

    @cached_property
    def head(self) -> bytes:
        """The first bytes of the source (up to the largest HDF5 signature offset); empty for a folder."""
        if self.is_folder:
            return b""
        size = max(_SIGNATURE_OFFSETS) + len(HDF5_SIGNATURE)
        if self._fileobj is not None:
            position = self._fileobj.tell()
            try:
                self._fileobj.seek(0)
                return self._fileobj.read(size)
            finally:
                self._fileobj.seek(position)
        self.check_readable()
        try:
            with open(self.path, "rb") as f:  # type: ignore[arg-type]
                return f.read(size)
        except OSError as exc:
            raise ReadError(f"{self.path}: cannot read ({exc.strerror})", path=self.path) from exc

    @cached_property
    def is_hdf5(self) -> bool:
        """Whether the source has an HDF5 signature where HDF5 looks for one.

        HDF5 looks at offset 0 and then at 512, 1024, 2048, ... (a user block
        of any power-of-two size); so does this, or a file with a large user
        block would escape every check made on HDF5 files.
        """
        if self.is_folder:
            return False
        if any(self.head[o : o + len(HDF5_SIGNATURE)] == HDF5_SIGNATURE for o in _SIGNATURE_OFFSETS):
            return True
        if self._fileobj is None and len(self.head) < max(_SIGNATURE_OFFSETS) + len(HDF5_SIGNATURE):
            return False  # the whole file is in the head: nothing beyond it to look at
        return self._signature_beyond(max(_SIGNATURE_OFFSETS) * 2)

    def _signature_beyond(self, offset: int) -> bool:
        """Whether an HDF5 signature sits at ``offset`` or a later power of two."""
        try:
            stream = self._fileobj if self._fileobj is not None else open(self.path, "rb")  # type: ignore[arg-type]
        except OSError:
            return False
        position = stream.tell() if self._fileobj is not None else 0
        try:
            size = stream.seek(0, os.SEEK_END)
            while offset + len(HDF5_SIGNATURE) <= size:
                stream.seek(offset)
                if stream.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
                    return True
                offset *= 2
            return False
        finally:
            if self._fileobj is None:
                stream.close()
            else:
                stream.seek(position)

    @property
    def h5(self) -> h5py.File | None:
        """The source opened read-only with h5py, or ``None`` when it is not HDF5.

        External links are never followed while sniffing: the probe only lists
        links and reads attributes of hard-linked groups.

        Raises:
            ReadError: The source has an HDF5 signature but HDF5 cannot open it
                (for example a truncated file).
        """
        if self._h5 is None and self.is_hdf5:
            import h5py

            try:
                self._h5 = h5py.File(self._fileobj if self._fileobj is not None else self.path, "r")
            except (OSError, ValueError) as exc:
                raise ReadError(
                    f"{self.name}: looks like HDF5 but cannot be opened ({exc}); the file may be "
                    "truncated or still being written",
                    path=self.path,
                ) from exc
        return self._h5

    @cached_property
    def root_attrs(self) -> dict[str, str]:
        """The root group's attributes as text (empty when not HDF5); those declaring over 16 MB are left out."""
        if self.h5 is None:
            return {}
        from h5py import h5a

        from poseio._storage._hdf5 import is_small, text  # imports h5py, as opening the file did

        attrs = self.h5.attrs
        return {k: text(attrs[k]) for k in attrs if k != ".specloc" and is_small(h5a.open(self.h5.id, k.encode()))}

    @cached_property
    def typed_groups(self) -> tuple[TypedGroup, ...]:
        """Every group with a ``neurodata_type`` attribute, breadth first.

        Depth is limited to `INDEX_MAX_DEPTH`; of a group with more than
        `INDEX_MAX_CHILDREN` children only the first
        `INDEX_SAMPLE_CHILDREN` are visited, so that sniffing stays fast on
        files with many thousands of training frames.
        """
        if self.h5 is None:
            return ()
        return tuple(self._walk())

    def _walk(self) -> Iterator[TypedGroup]:
        from poseio._storage._hdf5 import attribute_text, child_groups

        queue = [(self.h5.id, "", 0)]
        # A group reached again through another hard link (a cycle back to "/", say) is not
        # walked twice: the walk stays within one visit per group.
        seen = {self.h5.id}
        while queue:
            group, group_path, depth = queue.pop(0)
            # Of a large group only the first children are looked at: listing all of them
            # would cost as much as the rest of the sniff.
            first = INDEX_SAMPLE_CHILDREN if group.get_num_objs() > INDEX_MAX_CHILDREN else None
            for name, child in child_groups(group, first):
                if child in seen:
                    continue
                seen.add(child)
                neurodata_type = attribute_text(child, b"neurodata_type")
                path = f"{group_path}/{name.decode('utf-8', 'replace')}"
                if neurodata_type is not None:
                    yield TypedGroup(path, neurodata_type, attribute_text(child, b"namespace"))
                # NWB's cached specifications and the insides of data series hold no typed groups.
                skip = (depth == 0 and name == b"specifications") or (neurodata_type or "").endswith("Series")
                if depth + 1 < INDEX_MAX_DEPTH and not skip:
                    queue.append((child, path, depth + 1))

    def find(self, *neurodata_types: str, namespace: str | None = None) -> list[TypedGroup]:
        """Typed groups of the given types (and namespace, when given)."""
        return [
            g
            for g in self.typed_groups
            if g.neurodata_type in neurodata_types and (namespace is None or g.namespace == namespace)
        ]

    def close(self) -> None:
        """Close the HDF5 handle, if one was opened."""
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _within(path: Path, root: Path) -> bool:
    """Whether ``path``, links followed, lies in ``root`` (links followed): a missing path by its name."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False
