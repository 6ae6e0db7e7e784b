"""Pausing the full garbage collections around a bulk read."""

import gc
import threading

from trainingweek.performance import full_collections_paused


def test_only_young_collections_inside_and_the_thresholds_come_back():
    before = gc.get_threshold()
    with full_collections_paused():
        young, middle, old = gc.get_threshold()
        assert young == before[0] and middle > 10_000 and old > 10_000
        with full_collections_paused():  # nested: still paused inside and after the inner block
            pass
        assert gc.get_threshold() == (young, middle, old)
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_after_an_error_and_after_concurrent_blocks():
    before = gc.get_threshold()
    try:
        with full_collections_paused():
            raise RuntimeError
    except RuntimeError:
        pass
    assert gc.get_threshold() == before

    inside, release = threading.Barrier(3), threading.Event()

    def work():
        with full_collections_paused():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert gc.get_threshold() != before  # both threads inside
    release.set()
    for t in threads:
        t.join()
    assert gc.get_threshold() == before
