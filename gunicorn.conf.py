"""gunicorn's settings for trainingweek, read from the working directory
(the image's CMD and bench/load.py start gunicorn there); flags given on
the command line win over them."""

import gc

# One request at a time per process (the image's CMD says how many): the pages
# are CPU-bound Python, so threads in one process only take turns at the GIL.
# Behind the TLS proxy, which buffers slow clients, sync workers are what
# gunicorn recommends. Measured on the 10,000-student load bench (4 people back
# to back, 2 processes, README): worst p95 206–223 ms with sync against 291–302
# ms with 2 × 4 gthread threads; after the pages got cheaper, 160–177 ms against
# 206 ms (gthread then served 16% more requests: the choice is the tail's).
worker_class = "sync"


def post_worker_init(worker) -> None:
    """Once a worker has loaded the app, hide what it loaded from the cyclic
    garbage collector (``gc.freeze``): Django, the apps, the URLconf and the
    catalogues are some 165,000 objects that live as long as the worker, and
    every full collection walked them all again. Measured on the 10,000-student
    load bench: the ranking spent 68 ms a request in the collector, 10 ms after
    the freeze; the batch page 50 → 4 ms."""
    gc.freeze()
