"""Helpers for the few reads that build hundreds of thousands of small objects.

Python's cyclic garbage collector examines new container objects in
frequent, cheap collections of the youngest generation, and every so often
in a full collection that walks every tracked object of the process.
Loading a programme's 300,000 attendance rows (each a tuple) sets off
several full collections, and they cost a third of the time of a
programme's statements. The rows hold no reference cycles, so the full
collections can wait until they are built; the young ones go on (a row is
examined once, while it is new, and untracked: a tuple of plain values
cannot be part of a cycle).
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_thresholds = gc.get_threshold()
# What the older generations wait for inside the block: in effect, forever.
_LATER = 1_000_000


@contextmanager
def full_collections_paused() -> Iterator[None]:
    """Only young-generation collections while the block runs; the
    thresholds of the older generations come back afterwards.

    Re-entrant and thread-safe: the thresholds come back when the last of
    the nested or concurrent blocks ends."""
    global _depth, _thresholds
    with _lock:
        if _depth == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _LATER, _LATER)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_thresholds)
