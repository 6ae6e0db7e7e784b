"""A small memo of results by their exact inputs, kept in the process.

For a figure a page derives, on every read, from many rows that rarely
change (the ranking of a programme's thousand teams from their kept KPI
totals): the page still reads the rows, but when they are exactly the rows
of a recent read, the derivation is not done again. The key is the inputs
themselves, compared for equality (not a hash of them), so a result is
reused only for the very inputs it was made from; nothing needs
invalidating, and a change of any row is a new key.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """The last ``size`` results of ``compute`` by their key, least recently
    used first out. Thread-safe (a gthread worker's requests share it); a
    result is computed outside the lock, so two threads with a new key may
    both compute it (the same result) rather than one wait for the other."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result for ``key``: kept, or ``compute()`` kept now."""
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                self.hits += 1
                return self._results[key]
            self.misses += 1
        result = compute()
        with self._lock:
            self._results[key] = result
            self._results.move_to_end(key)
            while len(self._results) > self.size:
                self._results.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
            self.hits = self.misses = 0
