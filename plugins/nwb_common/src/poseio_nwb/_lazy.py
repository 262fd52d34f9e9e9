"""Public names of a package imported on first use (PEP 562).

poseio imports every plugin's package on every load to learn its formats;
the NWB packages' public functions need h5py or pynwb, which a load of a CSV
file should not pay for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, module_of: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names live in its submodules.

    Args:
        package: The package's ``__name__``.
        module_of: Each public name and the submodule (``"_write"``) that defines it.

    Example::

        __getattr__, __dir__ = lazy_attributes(__name__, {"add_predictions": "_write"})
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # found once
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return __getattr__, __dir__
