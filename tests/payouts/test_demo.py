"""The demo data builds a rate card, profiles and one draft batch, quickly, and is safe to run twice."""

import io
import time

from django.core.management import call_command

from stipends.payouts.models import PayoutBatch, PayoutItem, RateCard, StipendProfile


def test_demo_stipend_data_is_built_once(db):
    call_command("demo_data", stdout=io.StringIO())
    from stipends.payouts import demo

    programme = PayoutBatch.objects.get().programme
    PayoutBatch.objects.all().delete()  # build the stipend part again, timed
    started = time.perf_counter()
    demo.build({"programme": programme}, log=io.StringIO().write)
    assert time.perf_counter() - started < 10
    batch = PayoutBatch.objects.get()
    assert batch.state == "draft" and batch.computed_at and batch.created_by.username == "finance"
    enrolments = batch.programme.enrolments.count()
    assert RateCard.objects.count() == 1
    passed = StipendProfile.objects.filter(assessment_passed_on__isnull=False).count()
    assert passed > enrolments * 0.8 and StipendProfile.objects.filter(support_duty=True).count() == 2
    assert batch.items.count() == enrolments and batch.items.filter(gross__gt=0).count() > enrolments * 0.9
    counts = (PayoutBatch.objects.count(), PayoutItem.objects.count(), StipendProfile.objects.count())
    out = io.StringIO()
    demo.build({"programme": batch.programme}, log=out.write)
    assert "演示津贴数据已存在" in out.getvalue()
    assert (PayoutBatch.objects.count(), PayoutItem.objects.count(), StipendProfile.objects.count()) == counts
