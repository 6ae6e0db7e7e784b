"""Demo scoring data for the demo programme (``programs.students.demo``): the default
KPIs and periods, synthetic KPI values of every team for the Double-11 day
and the whole programme (teams of different strength, so the ranking means
something), school items and mentor evaluations, two incidents (one
confirmed, one waiting for the school), a sales champion per team, and the
team prizes fixed for the whole programme. Skipped when the programme has
KPI values already."""

import random
from decimal import Decimal

from programs.students.models import Enrolment
from scoring import services
from scoring.models import Award, EnrolmentScore, Incident, KpiValue, TeamKpiValue

# Typical (low, high) per KPI code; a team's strength scales the "higher is better" ones.
RANGES = {
    "sales": (40000, 120000), "conversion": (45, 70), "retention_share": (2, 8), "qc": (85, 97),
    "first_contact": (90, 99), "retention_success": (1, 10), "negative_reviews": (0.01, 0.08),
    "response_time": (15, 60), "customers": (150, 450),
}
PLACES = {"amount": "1", "percent": "0.01", "count": "1", "seconds": "1"}


def _value(rng, kpi, strength: float) -> Decimal:
    low, high = RANGES.get(kpi.code, (1, 100))
    x = rng.uniform(low, high)
    x = x * strength if kpi.higher_is_better else x / strength
    if kpi.unit == "percent":
        x = min(x, 100)
    return Decimal(str(x)).quantize(Decimal(PLACES[kpi.unit]))


def build(context: dict, log=print) -> None:
    programme = context.get("programme")
    if programme is None:
        return
    if KpiValue.objects.filter(enrolment__programme=programme).exists():
        log(f"演示评分数据已存在：{programme}")
        return
    rng = random.Random(1111)
    setup = services.create_default_setup(programme=programme)
    coordinator = context.get("coordinator")
    mentors = context.get("mentors") or []
    periods = [p for p in setup.periods if p.start and p.start == p.end] + [setup.sheet_period]  # Double-11 day, whole
    teams = list(programme.teams.all())
    members = list(Enrolment.objects.filter(programme=programme, team__isnull=False).select_related("student"))
    values, team_values = [], []
    for n, team in enumerate(teams):
        strength = 1.15 - 0.1 * n
        for period in periods:
            for e in (m for m in members if m.team_id == team.pk):
                values += [KpiValue(enrolment=e, kpi=k, period=period, value=_value(rng, k, strength))
                           for k in setup.student_kpis]
            team_values += [TeamKpiValue(team=team, kpi=k, period=period, value=_value(rng, k, strength))
                            for k in setup.team_kpis]
    services.upsert_values(student_rows=values, team_rows=team_values)
    EnrolmentScore.objects.bulk_create([
        EnrolmentScore(enrolment=e, obedience=Decimal(rng.randint(75, 98)), learning=Decimal(rng.randint(70, 98)),
                       teamwork=Decimal(rng.randint(75, 98)), exam=Decimal(rng.randint(60, 96)),
                       mentor=Decimal(rng.randint(70, 98)))
        for e in members
    ], ignore_conflicts=True)

    mentor = mentors[0] if mentors else coordinator
    first_team = [m for m in members if teams and m.team_id == teams[0].pk]
    if first_team and mentor and coordinator:
        confirmed = Incident.objects.create(
            programme=programme, enrolment=first_team[1], occurred_on=periods[0].start or programme.phases.first().start,
            level=Incident.Level.LEVEL_1, description="回复买家超时，未在规定时间内响应", reported_by=mentor)
        services.decide_incident(incident=confirmed, confirm=True, user=coordinator, note="与带队老师核实无误")
        Incident.objects.create(
            programme=programme, enrolment=first_team[2], occurred_on=confirmed.occurred_on, level=Incident.Level.CASH,
            cash_amount=Decimal("35.00"), description="误操作退款，需现金赔偿差额", reported_by=mentor)

    double11 = periods[0]
    sales = next((k for k in setup.kpis if k.code == "sales"), None)
    if sales and coordinator:
        best = {}
        for v in values:
            if v.period == double11 and v.kpi == sales:
                team_id = v.enrolment.team_id
                if team_id not in best or v.value > best[team_id].value:
                    best[team_id] = v
        Award.objects.bulk_create(
            Award(programme=programme, enrolment=v.enrolment, period=double11, label="品牌销售冠军",
                  amount=Decimal("200.00"), created_by=coordinator)
            for v in best.values()
        )
        services.award_team_prizes(setup=setup, programme=programme, period=setup.sheet_period, user=coordinator)
    log(f"已创建演示评分数据：{len(values) + len(team_values)} 个关键指标数值，2 条差错，{len(teams)} 个奖项，团队奖金已确定")
