"""Per-code decision thresholds: the one rule every trainer uses to pick them."""

from __future__ import annotations

import numpy as np


def best_threshold(p: np.ndarray, y: np.ndarray, low: float = 0.05) -> float:
    """The threshold on a ``low``–0.9 grid (step 0.025) with the best F1 (ties: the lower one)."""
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(low, 0.91, 0.025), 3):  # rounded first: the cut tested is the one saved
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1.0, float(pred.sum() + (y == 1).sum()))
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(t), f1
    return best
