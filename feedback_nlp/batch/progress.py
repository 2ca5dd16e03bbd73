"""Progress reporting: a tqdm bar on a terminal, periodic plain log lines otherwise, and a summary."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


@dataclass
class Summary:
    read: int
    written: int
    rejected: int
    seconds: float
    resumed_from: int = 0

    @property
    def rows_per_second(self) -> float:
        done = self.read - self.resumed_from
        return done / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {"read": self.read, "written": self.written, "rejected": self.rejected,
                "seconds": round(self.seconds, 3), "rows_per_second": round(self.rows_per_second, 1),
                "resumed_from": self.resumed_from}

    def line(self) -> str:
        extra = f" (resumed at row {self.resumed_from})" if self.resumed_from else ""
        return (f"relabel: read {self.read}, written {self.written}, rejected {self.rejected}, "
                f"{self.seconds:.1f} s, {self.rows_per_second:.1f} rows/s{extra}")


class Progress:
    """Counts rows as outcomes arrive. ``bar``: None = tqdm only when ``stream`` is a TTY."""

    def __init__(self, total: int | None, initial: int = 0, stream: TextIO | None = None,
                 bar: bool | None = None, log_every: float = 10.0):
        self.stream = stream or sys.stderr
        self.total, self.done, self.initial = total, initial, initial
        self.log_every = log_every
        self.started = self._last_log = time.monotonic()
        use_bar = self.stream.isatty() if bar is None else bar
        self._bar = None
        if use_bar:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, unit="rows", file=self.stream, dynamic_ncols=True,
                             smoothing=0.1, desc="relabel")

    def advance(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if now - self._last_log >= self.log_every:
            self._last_log = now
            self.stream.write(self.status_line(now) + "\n")
            self.stream.flush()

    def status_line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.started
        rate = (self.done - self.initial) / elapsed if elapsed > 0 else 0.0
        if self.total:
            pct = 100.0 * self.done / self.total
            eta = _duration((self.total - self.done) / rate) if rate > 0 else "?"
            return f"relabel: {self.done}/{self.total} rows ({pct:.1f}%), {rate:.1f} rows/s, ETA {eta}"
        return f"relabel: {self.done} rows, {rate:.1f} rows/s"

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
