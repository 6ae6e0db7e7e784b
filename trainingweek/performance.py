"""Helpers for the few reads that build hundreds of thousands of small objects.

Python's cyclic garbage collector runs a full collection whenever enough new
container objects have survived: loading a programme's 300,000 attendance
rows (each a tuple) sets off several, and each one walks every tracked
object of the process — a third of the time of a programme's statements.
The rows hold no reference cycles, so nothing is lost by collecting once
they are built instead of while they are built (reference counting still
frees everything as usual).
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, then restore it.

    Re-entrant and thread-safe: the collector comes back when the last of
    the nested or concurrent blocks ends, and only if it was on before the
    first one began (a caller that switched it off keeps it off)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
