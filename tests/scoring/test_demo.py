"""The demo data builds scoring records for the demo programme, quickly, and is safe to run twice."""

import io

from django.core.management import call_command

from scoring import selectors
from scoring.models import Award, Incident, KpiValue, PrizeShare


def test_demo_scoring_data_is_built_once(db):
    call_command("demo_data", stdout=io.StringIO())
    counts = (KpiValue.objects.count(), Incident.objects.count(), Award.objects.count(), PrizeShare.objects.count())
    assert counts[0] > 1000 and counts[1] == 2 and counts[2] == 4 and counts[3] > 150
    assert Incident.objects.filter(status="confirmed").count() == 1
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert (KpiValue.objects.count(), Incident.objects.count(), Award.objects.count(), PrizeShare.objects.count()) == counts
    assert "演示评分数据已存在" in out.getvalue()
    programme = Incident.objects.first().programme
    credits = selectors.prize_and_award_credits(programme)
    prizes = sum(a for lines in credits.values() for ident, _l, a in lines if ident.startswith("prize:"))
    assert str(prizes) == "5000.00"  # 2,000 + 1,500 + 1,000 + 500, to the cent
