"""Pixels as Label Studio's percent of the image size, chosen to read back exactly.

``x / width * 100`` read back as ``p / 100 * width`` (the reading Label
Studio's docs give) is off by an ulp for some values, and sleap-io reads
``p * width / 100``, off for others. Among the few floats next to
``x / width * 100`` there is nearly always one that both readings turn back
into ``x`` exactly: the writer picks it, so no point moves on a round trip.
"""

from __future__ import annotations

import numpy as np

#: Ulps tried on each side of the plain quotient, nearest first.
_STEPS = (0, -1, 1, -2, 2, -3, 3, -4, 4)


def _shifted(values: np.ndarray, steps: int) -> np.ndarray:
    direction = np.inf if steps > 0 else -np.inf
    for _ in range(abs(steps)):
        values = np.nextafter(values, direction)
    return values


def to_percent(pixels: np.ndarray, size: float | np.ndarray) -> np.ndarray:
    """``pixels`` as percent of ``size`` (a number, or an array that broadcasts), each reading back as it was.

    NaN stays NaN.
    """
    plain = pixels / size * 100
    chosen = plain.copy()
    done = np.zeros(pixels.shape, dtype=bool)
    # First a value both readings give back; failing that, one the documented reading gives back.
    for both in (True, False):
        for steps in _STEPS:
            candidate = _shifted(plain, steps)
            ok = candidate / 100 * size == pixels
            if both:
                ok &= candidate * size / 100 == pixels
            take = ok & ~done
            chosen[take] = candidate[take]
            done |= take
    return chosen
