"""Demo stipend data for the demo programme (``programs.demo``): the rate
card from the defaults, stipend profiles (most students passed the
assessment in mid-October, a few later, two on support duty) and one draft
payout batch made by finance (``finance``) and waiting for the second
finance user (``finance2``) to approve it. Skipped when the programme has a
payout batch already."""

import random
from datetime import date, timedelta

from programs.students.models import Enrolment
from stipends.payouts import services
from stipends.payouts.models import PayoutBatch, StipendProfile
from trainingweek.models import User

PASSED_ON = date(2020, 10, 12)


PAY_ON = date(2020, 12, 20)


def build(context: dict, log=print) -> None:
    programme = context.get("programme")
    if programme is None:
        return
    if PayoutBatch.objects.filter(programme=programme).exists():
        log(f"演示津贴数据已存在：{programme}")
        return
    maker = User.objects.filter(username="finance", role=User.Role.FINANCE).first()
    if maker is None:
        return
    rng = random.Random(1212)
    services.ensure_rate_card(programme=programme)
    ids = list(Enrolment.objects.filter(programme=programme).order_by("pk").values_list("pk", flat=True))
    support = set(rng.sample(ids, min(2, len(ids))))
    profiles = []
    for e in ids:
        if e in support:
            profiles.append(StipendProfile(enrolment_id=e, support_duty=True))
        elif rng.random() < 0.9:
            profiles.append(StipendProfile(enrolment_id=e, assessment_passed_on=PASSED_ON + timedelta(rng.choice([0, 0, 0, 3, 7]))))
    StipendProfile.objects.bulk_create(profiles, ignore_conflicts=True)
    batch = services.create_batch(programme=programme, user=maker, pay_on=PAY_ON)
    summary = services.freeze_batch(batch_id=batch.pk)
    log(f"演示发放批次 #{batch.pk}：{summary['items']} 名学生，待 finance2 审核")
