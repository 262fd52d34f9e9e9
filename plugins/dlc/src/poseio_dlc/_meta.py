"""The frame rate DeepLabCut records beside its predictions, in ``<results>_meta.pickle``.

``deeplabcut.analyze_videos`` writes ``<video>DLC_<scorer>.h5`` and, beside it,
``<video>DLC_<scorer>_meta.pickle``: a dict ``{"data": {...}}`` whose ``fps``
is the analysed video's frame rate (``nframes`` and ``frame_dimensions`` too).
Multi-animal results (``..._el.h5``, ``..._filtered.h5``) share the meta
pickle of their scorer stem. A results file without one has no rate here.

The pickle is a file a stranger may have made, so it is never loaded with
`pickle.load`: the unpickler below can build only plain data. DeepLabCut
stores its model configuration in it as an ``easydict.EasyDict`` (a dict
subclass); that name, and only it, is built as a plain dict. Every other
class or function the pickle names refuses it, so nothing in it can run.
"""

from __future__ import annotations

import io
import math
import pickle
from pathlib import Path

#: The largest meta pickle read (DeepLabCut's are a few kB: the model configuration and timings).
MAX_META_BYTES = 4 * 2**20
#: Endings DeepLabCut adds to a results file's stem after the scorer (tracklets, filtering, ...).
_RESULT_ENDINGS = ("_el", "_filtered", "_full", "_bx", "_sk", "_tr")


class _PlainDict(dict):
    """What an ``easydict.EasyDict`` is built as: its items, no behaviour."""


class _MetaUnpickler(pickle.Unpickler):
    """Builds plain data and `_PlainDict`; every other global the pickle names is refused."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("easydict", "EasyDict"):
            return _PlainDict
        raise pickle.UnpicklingError(f"it asks for the Python object {module}.{name}")

    def persistent_load(self, pid: object) -> object:
        raise pickle.UnpicklingError("it refers to a persistent object")


def meta_pickle(results: Path) -> Path | None:
    """The ``_meta.pickle`` DeepLabCut wrote beside a results file, if it is there."""
    stem = results.name.rsplit(".", 1)[0]
    stems = [stem] + [stem[: -len(e)] for e in _RESULT_ENDINGS if stem.endswith(e)]
    for candidate in stems:
        path = results.with_name(f"{candidate}_meta.pickle")
        if path.is_file():
            return path
    return None


def recorded_fps(results: Path) -> tuple[float, Path] | None:
    """The frame rate the meta pickle beside ``results`` records, and the pickle's path; ``None`` if none.

    A pickle that is too large, not plain data or holds no positive finite
    ``fps`` gives ``None``: it is a hint, and the caller then asks for ``fps=``.
    """
    path = meta_pickle(results)
    if path is None or path.stat().st_size > MAX_META_BYTES:
        return None
    try:
        meta = _MetaUnpickler(io.BytesIO(path.read_bytes())).load()
    except Exception:  # noqa: BLE001 - any failure of a hint means "no rate here", never a crash
        return None
    data = meta.get("data", meta) if isinstance(meta, dict) else None
    fps = data.get("fps") if isinstance(data, dict) else None
    if isinstance(fps, (int, float)) and not isinstance(fps, bool) and math.isfinite(fps) and fps > 0:
        return float(fps), path
    return None
