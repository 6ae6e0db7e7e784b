"""Two follow-up requests at once on PostgreSQL, each on its own database
connection (two threads): one follow-up batch is made, the other request
gets a PayoutError (a message on the page), never an IntegrityError."""

import threading
import time

from django.db import connection, connections

from stipends.payouts import services
from stipends.payouts.models import PayoutBatch
from tests.payouts.conftest import attend, finance2, worked  # noqa: F401 (fixtures)
from tests.payouts.test_follow_up_race import failed_and_corrected
from tests.services.conftest import _missing


def test_two_connections_make_one_follow_up(transactional_db, worked, finance2, monkeypatch):  # noqa: F811
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL (bash .ci/run does)")
    batch = failed_and_corrected(worked, finance2)
    real = services.retry_candidates

    def slow_candidates(b, **options):
        found = real(b, **options)
        time.sleep(0.5)  # both requests have read before either commits, unless one waits for the other
        return found

    monkeypatch.setattr(services, "retry_candidates", slow_candidates)
    start = threading.Barrier(2)
    outcomes = []

    def request():
        try:
            start.wait()
            outcomes.append(services.create_follow_up(batch=PayoutBatch.objects.get(pk=batch.pk), user=worked.finance))
        except services.PayoutError as exc:
            outcomes.append(exc)
        except Exception as exc:  # an IntegrityError would be the server error of the report
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    made = [o for o in outcomes if isinstance(o, PayoutBatch)]
    refused = [o for o in outcomes if isinstance(o, services.PayoutError)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert PayoutBatch.objects.filter(follow_up_of=batch).count() == 1
