"""Scoring services: defaults, the KPI grid save, ranking and prizes, score
sheets, incidents and what stipends read."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from programs.attendance.models import Attendance
from programs.students.models import Enrolment
from scoring import rules as kpi_rules
from scoring import selectors, services
from scoring.models import (
    Award,
    EnrolmentScore,
    Incident,
    KpiDefinition,
    KpiValue,
    PrizeShare,
    ScoreSettings,
    ScoringPeriod,
    TeamKpiValue,
    TeamPrize,
)
from stipends.settlement import selectors as settlement_selectors

from .conftest import kpi, period


def test_defaults_are_created_once(world, setup):
    assert [k.code for k in setup.kpis][:3] == ["sales", "conversion", "retention_share"]
    assert {k.code for k in setup.team_kpis} == {"qc", "negative_reviews"}
    assert kpi(setup, "response_time").direction == KpiDefinition.Direction.LOWER
    assert [p.name for p in setup.periods] == ["Pre-sale", "Double-11 day", "After-sale", "Whole programme"]
    whole = setup.periods[-1]
    assert (whole.start, whole.end) == (date(2020, 10, 26), date(2020, 11, 10))  # the world's practice phase
    assert setup.sheet_period == whole
    assert setup.settings.prizes() == [D("2000.00"), D("1500.00"), D("1000.00"), D("500.00")]
    again = services.create_default_setup(programme=world.programme)
    assert len(again.kpis) == 9 and len(again.periods) == 4
    assert KpiDefinition.objects.count() == 9 and ScoringPeriod.objects.count() == 4
    assert ScoreSettings.objects.count() == 1


def test_reading_the_setup_of_a_programme_never_set_up_creates_nothing(world):
    setup = selectors.load_setup(world.programme)
    assert (setup.kpis, setup.periods, setup.settings.pk) == ([], [], None)
    assert setup.settings.prizes() == [D("2000.00"), D("1500.00"), D("1000.00"), D("500.00")]  # the defaults
    assert not selectors.is_set_up(setup)
    assert not KpiDefinition.objects.exists() and not ScoringPeriod.objects.exists()
    assert not ScoreSettings.objects.exists()


def test_the_defaults_keep_what_the_coordinator_recorded(world):
    KpiDefinition.objects.create(programme=world.programme, code="own", name="自定义", unit="count", level="student",
                                 target=D("1"), weight=D("100"), order=1)
    setup = services.create_default_setup(programme=world.programme)
    assert [k.code for k in setup.kpis] == ["own"] and len(setup.periods) == 4
    assert setup.sheet_period == setup.periods[-1]


@pytest.mark.parametrize(("raw", "unit", "expected"), [
    ("62.52%", "percent", D("62.52")), ("96,166", "amount", D("96166")), ("¥1200.5", "amount", D("1200.5")),
    ("1:24", "seconds", D("84")), ("  ", "count", None), ("３", "count", D(3)), ("0.029", "percent", D("0.029")),
])
def test_parse_value_reads_what_excel_pastes(raw, unit, expected):
    assert kpi_rules.parse_value(raw, unit) == expected


@pytest.mark.parametrize(("raw", "unit", "reason"), [
    ("abc", "amount", "not a number"), ("-5", "amount", "negative"), ("101", "percent", "between 0 and 100"),
    ("2.5", "count", "whole number"), ("NaN", "amount", "not a number"), ("1e20", "amount", "too large"),
])
def test_parse_value_names_the_reason(raw, unit, reason):
    with pytest.raises(ValueError, match=reason):
        kpi_rules.parse_value(raw, unit)


def test_team_figures_mean_of_members_or_the_team_value():
    figures = kpi_rules.team_figures({1: "student", 2: "team", 3: "student"},
                                     {1: [D(100), D(200), D(400)], 2: [D(5)]}, {2: D("93.21")})
    assert figures == {1: D("233.3333"), 2: D("93.21"), 3: None}


def test_parse_prizes():
    assert kpi_rules.parse_prizes("2000, 1500；1000 500") == [D("2000.00"), D("1500.00"), D("1000.00"), D("500.00")]
    assert kpi_rules.parse_prizes("") == []
    with pytest.raises(ValueError):
        kpi_rules.parse_prizes("2000, lots")


def _cells(setup, world, sales, conversion="60", qc="90"):
    cells = []
    for enrolment, value in zip(world.enrolments_a, sales, strict=True):
        cells.append(services.CellInput(enrolment.pk, kpi(setup, "sales").pk, value))
        cells.append(services.CellInput(enrolment.pk, kpi(setup, "conversion").pk, conversion))
    cells.append(services.CellInput(None, kpi(setup, "qc").pk, qc))
    return cells


def test_save_grid_writes_everything_in_bulk(world, setup, django_assert_max_num_queries):
    whole = period(setup)
    with django_assert_max_num_queries(8):
        result = services.save_kpi_grid(setup=setup, team=world.team_a, period=whole, cells=_cells(setup, world, ["80000", "96,166", "40000"]),
                                        user=world.mentor_a)
    assert result.ok and result.saved == 7
    assert KpiValue.objects.get(enrolment=world.enrolments_a[1], kpi=kpi(setup, "sales")).value == D("96166")
    assert TeamKpiValue.objects.get(team=world.team_a).value == D("90")
    # Saving again updates in place; an emptied cell clears the value.
    result = services.save_kpi_grid(setup=setup, team=world.team_a, period=whole, cells=_cells(setup, world, ["81000", "", "40000"], qc=""),
                                    user=world.mentor_a)
    assert result.ok and result.cleared == 2
    assert KpiValue.objects.filter(kpi=kpi(setup, "sales")).count() == 2
    assert KpiValue.objects.get(enrolment=world.enrolments_a[0], kpi=kpi(setup, "sales")).value == D("81000")
    assert not TeamKpiValue.objects.exists()


def test_save_grid_with_one_bad_cell_saves_nothing(world, setup):
    whole = period(setup)
    cells = _cells(setup, world, ["80000", "lots", "40000"])
    cells.append(services.CellInput(world.enrolments_b[0].pk, kpi(setup, "sales").pk, "1"))  # not in team A
    cells.append(services.CellInput(world.enrolments_a[0].pk, kpi(setup, "qc").pk, "1"))  # a team KPI per student
    result = services.save_kpi_grid(setup=setup, team=world.team_a, period=whole, cells=cells, user=world.mentor_a)
    assert not result.ok
    assert "not a number" in result.errors[(world.enrolments_a[1].pk, kpi(setup, "sales").pk)]
    assert "not in the team" in result.errors[(world.enrolments_b[0].pk, kpi(setup, "sales").pk)]
    assert (world.enrolments_a[0].pk, kpi(setup, "qc").pk) in result.errors
    assert not KpiValue.objects.exists() and not TeamKpiValue.objects.exists()


def _values(setup, world, period_, team_sales: dict):
    for team, enrolments in ((world.team_a, world.enrolments_a), (world.team_b, world.enrolments_b)):
        cells = [services.CellInput(e.pk, kpi(setup, "sales").pk, str(v)) for e, v in zip(enrolments, team_sales[team.pk], strict=True)]
        assert services.save_kpi_grid(setup=setup, team=team, period=period_, cells=cells, user=world.admin).ok


def test_ranking_prizes_and_the_cent_exact_split(world, setup):
    whole = period(setup)
    _values(setup, world, whole, {world.team_a.pk: [80000, 80000, 80000], world.team_b.pk: [40000, 40000, 40000]})
    standings = selectors.team_standings(setup, world.programme, whole)
    assert [s.team for s in standings] == [world.team_a, world.team_b]
    first, second = standings
    assert (first.rank, first.composite, first.prize) == (1, D("100.00"), D("2000.00"))
    assert (second.rank, second.composite, second.prize) == (2, D("50.00"), D("1500.00"))
    assert [a for _e, a in first.shares] == [D("666.67"), D("666.67"), D("666.66")]  # 2,000 ÷ 3 to the cent
    assert sum(a for _e, a in first.shares) == D("2000.00")


def test_split_by_score_and_only_among_active_members(world, setup):
    whole = period(setup)
    ScoreSettings.objects.filter(pk=setup.settings.pk).update(prize_split="score")
    setup = selectors.load_setup(world.programme)
    _values(setup, world, whole, {world.team_a.pk: [80000, 40000, 20000], world.team_b.pk: [1, 1, 1]})
    Enrolment.objects.filter(pk=world.enrolments_a[2].pk).update(status=Enrolment.Status.WITHDRAWN)
    first = selectors.team_standings(setup, world.programme, whole)[0]
    assert first.team == world.team_a and first.headcount == 2
    # Scores 100 and 50 (capped achievement): 2,000 split 2 : 1.
    assert [(e.pk, a) for e, a in first.shares] == [(world.enrolments_a[0].pk, D("1333.33")),
                                                   (world.enrolments_a[1].pk, D("666.67"))]


def test_tied_teams_share_their_places_and_unscored_teams_are_unranked(world, setup):
    whole = period(setup)
    _values(setup, world, whole, {world.team_a.pk: [50000] * 3, world.team_b.pk: [50000] * 3})
    a, b = selectors.team_standings(setup, world.programme, whole)
    assert a.rank == b.rank == 1 and a.prize == b.prize == D("1750.00")
    empty = selectors.team_standings(setup, world.programme, setup.periods[0])
    assert all(s.rank is None and s.prize == 0 for s in empty)


def test_award_team_prizes_fixes_them_and_again_replaces_them(world, setup):
    whole = period(setup)
    _values(setup, world, whole, {world.team_a.pk: [80000] * 3, world.team_b.pk: [40000] * 3})
    services.award_team_prizes(setup=setup, programme=world.programme, period=whole, user=world.coordinator)
    services.award_team_prizes(setup=setup, programme=world.programme, period=whole, user=world.coordinator)
    assert TeamPrize.objects.count() == 2 and PrizeShare.objects.count() == 6
    credits = selectors.prize_and_award_credits(world.programme)
    ((ident, label, amount),) = credits[world.enrolments_b[0].pk]
    assert ident.startswith("prize:") and amount == D("500.00") and "rank 2" in label
    Award.objects.create(programme=world.programme, enrolment=world.enrolments_b[0], period=whole, label="Sales champion",
                         amount=D("300"), created_by=world.mentor_b)
    credits = selectors.prize_and_award_credits(world.programme)
    assert [(c[1], c[2]) for c in credits[world.enrolments_b[0].pk]][0] == ("Sales champion（Whole programme）", D("300.00"))
    assert sum(a for lines in credits.values() for _i, _l, a in lines) == D("3800.00")


def _attendance(world, enrolment, statuses):
    for n, status in enumerate(statuses):
        Attendance.objects.create(programme=world.programme, enrolment=enrolment, day=date(2020, 10, 26) + timedelta(n),
                                  status=status, day_kind="practice" if status != "rest" else "rest",
                                  is_truancy=status == "absent")


def test_score_sheet_computes_attendance_and_kpi_and_says_how(world, setup):
    student = world.enrolments_a[0]
    _attendance(world, student, ["present"] * 6 + ["late", "late", "rest", "absent", "leave"])
    Attendance.objects.filter(enrolment=student, status="leave").update(is_truancy=False)  # approved leave
    whole = period(setup)
    cells = [services.CellInput(student.pk, kpi(setup, "sales").pk, "96166"),
             services.CellInput(student.pk, kpi(setup, "response_time").pk, "84"),
             services.CellInput(None, kpi(setup, "qc").pk, "93.21")]
    assert services.save_kpi_grid(setup=setup, team=world.team_a, period=whole, cells=cells, user=world.mentor_a).ok
    EnrolmentScore.objects.create(enrolment=student, obedience=D(90), learning=D(80), teamwork=D(85), exam=D(70), mentor=D(88))
    (sheet,) = selectors.score_sheets(setup, world.programme, [student])
    items = {i.key: i for i in sheet.items}
    # 10 scheduled (11 recorded, 1 rest), 1 approved leave: (6 + 2 × 0.5) / 9
    assert items["attendance"].score == D("77.78")
    assert items["attendance"].how == ("6 present, 2 late of 10 scheduled days. 1 days of approved leave are not counted. "
                                       "1 days of truancy count nothing. A late day counts half.")
    # sales 100 % (capped) × 3, response 30 s target / 84 s = 35.71 % × 1, QC (team) 100 % × 2 → 89.29
    assert items["kpi"].score == D("89.29")
    assert "3 of 9 KPIs" in items["kpi"].how
    assert items["kpi"].computed and not items["exam"].computed
    # 9 + 8 + 8.5 + 14 + 7.78 + 26.79 + 8.8
    assert sheet.total == D("82.87") and items["kpi"].points == D("26.79")
    lines = {line.kpi.code: line for line in sheet.kpi_lines}
    assert lines["qc"].team_figure and lines["qc"].value_text == "93.21%"
    assert lines["response_time"].achievement_pct == D("35.71") and lines["conversion"].value is None


def test_score_sheet_without_records_has_no_total_yet(world, setup):
    (sheet,) = selectors.score_sheets(setup, world.programme, [world.enrolments_b[0]])
    assert sheet.total is None and set(sheet.missing) == set(selectors.ITEMS)
    items = {i.key: i for i in sheet.items}
    assert items["attendance"].how == "No attendance recorded yet."
    assert "No KPI values" in items["kpi"].how


def test_confirmed_level_4_takes_the_student_off_duty_and_counts_against_the_bonus(world):
    student = world.enrolments_a[0]
    serious = Incident.objects.create(programme=world.programme, enrolment=student, occurred_on=date(2020, 11, 11),
                                      level="4", description="leaked a customer's address", reported_by=world.mentor_a)
    cash = Incident.objects.create(programme=world.programme, enrolment=student, occurred_on=date(2020, 11, 12),
                                   level="cash", cash_amount=D("35.5"), description="wrong refund", reported_by=world.mentor_a)
    minor = Incident.objects.create(programme=world.programme, enrolment=world.enrolments_a[1], occurred_on=date(2020, 11, 12),
                                    level="1", description="late reply", reported_by=world.mentor_a)
    assert selectors.confirmed_incidents(world.programme) == {}
    services.decide_incident(incident=serious, confirm=True, user=world.coordinator)
    services.decide_incident(incident=cash, confirm=True, user=world.coordinator, note="agreed with the class teacher")
    services.decide_incident(incident=minor, confirm=False, user=world.coordinator, note="the customer was answered in time")
    with pytest.raises(ValueError):
        services.decide_incident(incident=minor, confirm=True, user=world.coordinator)
    score = EnrolmentScore.objects.get(enrolment=student)
    assert score.off_duty and score.off_duty_since == date(2020, 11, 11) and score.off_duty_incident == serious
    assert not EnrolmentScore.objects.filter(enrolment=world.enrolments_a[1]).exists()
    assert selectors.confirmed_incidents(world.programme) == {
        student.pk: [(serious.pk, date(2020, 11, 11), "4", None), (cash.pk, date(2020, 11, 12), "cash", D("35.50"))]}
    conduct = settlement_selectors.gather_conduct([world.programme.pk], {})[world.programme.pk]
    assert ("confirmed incidents", 2) in conduct.misconduct


def test_typed_scores_are_checked_and_saved_together(world):
    enrolments = world.enrolments_a
    posted = {(enrolments[0].pk, "exam"): "85", (enrolments[1].pk, "exam"): "120", (enrolments[2].pk, "exam"): ""}
    errors = services.save_typed_scores(enrolments=enrolments, items=["exam"], posted=posted)
    assert list(errors) == [(enrolments[1].pk, "exam")] and not EnrolmentScore.objects.exists()
    posted[(enrolments[1].pk, "exam")] = "90.5"
    assert services.save_typed_scores(enrolments=enrolments, items=["exam"], posted=posted) == {}
    assert EnrolmentScore.objects.get(enrolment=enrolments[1]).exam == D("90.50")
    assert EnrolmentScore.objects.get(enrolment=enrolments[2]).exam is None


def test_bar_widths_and_value_formats():
    assert kpi_rules.bar_widths([D(50), None, D(100)]) == [50, 0, 100]
    assert kpi_rules.bar_widths([None, D(0)]) == [0, 0]
    assert kpi_rules.format_value(D("96166"), "amount") == "96,166.00"
    assert kpi_rules.format_value(D("62.5200"), "percent") == "62.52%"
    assert kpi_rules.format_value(D("84.0000"), "seconds") == "84 s"
    assert kpi_rules.plain_value(D("80000.0000")) == "80000" and kpi_rules.plain_value(None) == ""


def test_default_periods_are_dated_from_the_phases():
    phases = [("training", date(2020, 9, 7), date(2020, 10, 23)), ("practice", date(2020, 10, 26), date(2020, 11, 10)),
              ("pre_sale", date(2020, 11, 11), date(2020, 11, 11)), ("after_sale", date(2020, 11, 12), date(2020, 11, 22))]
    pre, double11, after, whole = kpi_rules.default_periods(phases, 2020)
    assert (pre.start, pre.end) == (date(2020, 10, 26), date(2020, 11, 11))
    assert double11.start == double11.end == date(2020, 11, 11)
    assert (after.start, after.end) == (date(2020, 11, 12), date(2020, 11, 22))
    assert (whole.start, whole.end) == (date(2020, 9, 7), date(2020, 11, 22))
    assert kpi_rules.default_periods([], 2021)[0].start is None  # no phases yet: undated
