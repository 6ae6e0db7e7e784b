"""Scoring pages: the KPI grid save (all or nothing, typed text kept), the
Excel template and import, score sheets, incidents, awards, set-up forms."""

import io
from decimal import Decimal as D

from django.urls import reverse
from openpyxl import Workbook, load_workbook

from scoring import selectors, services
from scoring.models import (
    Award,
    EnrolmentScore,
    Incident,
    KpiDefinition,
    KpiValue,
    ScoreSettings,
    TeamKpiValue,
    TeamPrize,
)

from .conftest import kpi, period


def _grid_url(world, setup, team=None):
    return reverse("scoring:kpi_grid", args=[world.programme.pk, (team or world.team_a).pk, period(setup).pk])


def test_mentor_saves_the_grid_and_the_ranking_shows_it(world, setup, client_for):
    client = client_for(world.mentor_a)
    sales, qc = kpi(setup, "sales"), kpi(setup, "qc")
    data = {f"v_{e.pk}_{sales.pk}": v for e, v in zip(world.enrolments_a, ["80000", "96,166", ""], strict=True)}
    data[f"t_{qc.pk}"] = "93.21%"
    response = client.post(_grid_url(world, setup), data, follow=True)
    assert response.status_code == 200
    assert KpiValue.objects.count() == 2 and TeamKpiValue.objects.get().value == D("93.21")
    page = response.content.decode()
    assert f'data-testid="grid-rank-{world.team_a.pk}"' in page
    standing = response.context["standings"][0]
    assert standing.team == world.team_a and standing.rank == 1


def test_a_bad_cell_saves_nothing_names_the_cell_and_keeps_the_typing(world, setup, client_for):
    client = client_for(world.mentor_a)
    sales = kpi(setup, "sales")
    first, second, _third = world.enrolments_a
    data = {f"v_{first.pk}_{sales.pk}": "80000", f"v_{second.pk}_{sales.pk}": "lots"}
    response = client.post(_grid_url(world, setup), data)
    assert response.status_code == 200 and not KpiValue.objects.exists()
    page = response.content.decode()
    assert f"{second.student.name} · Sales: “lots” is not a number." in page
    assert 'value="lots"' in page and 'value="80000"' in page


def test_grid_is_read_only_for_the_coordinator_and_closed_to_other_mentors(world, setup, client_for):
    sales = kpi(setup, "sales")
    response = client_for(world.coordinator).get(_grid_url(world, setup))
    assert response.status_code == 200 and b'name="v_' not in response.content
    data = {f"v_{world.enrolments_a[0].pk}_{sales.pk}": "1"}
    assert client_for(world.coordinator).post(_grid_url(world, setup), data).status_code == 403
    assert client_for(world.mentor_b).post(_grid_url(world, setup), data).status_code == 404
    # mentor_b cannot write into team A through their own team's grid either
    response = client_for(world.mentor_b).post(_grid_url(world, setup, world.team_b), data)
    assert response.status_code == 200 and not KpiValue.objects.exists()


def test_kpi_grid_queries_do_not_grow_with_students(world, setup, client_for, django_assert_max_num_queries):
    from tests.factories import EnrolmentFactory

    client = client_for(world.mentor_a)
    url = _grid_url(world, setup)

    def fill(n):
        enrolments = [EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=world.team_a)
                      for _ in range(n)]
        cells = [services.CellInput(e.pk, k.pk, "50") for e in enrolments for k in setup.student_kpis]
        assert services.save_kpi_grid(setup=setup, team=world.team_a, period=period(setup), cells=cells, user=world.mentor_a).ok

    fill(2)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    fill(6)
    with django_assert_max_num_queries(30) as large:
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_template_lists_the_mentors_students_and_imports_back(world, setup, client_for):
    client = client_for(world.mentor_a)
    whole = period(setup)
    response = client.get(reverse("scoring:kpi_template", args=[world.programme.pk]) + f"?period={whole.pk}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][:4] == ["Student no.", "Name", "Team", "Sales [sales]"]
    assert {r[0] for r in rows[1:]} == {e.student.student_number for e in world.enrolments_a}  # own team only
    assert ws.freeze_panes == "A2" and all(ws.cell(row=n, column=1).data_type == "s" for n in range(2, ws.max_row + 1))
    ws.cell(row=2, column=4, value=90000)
    ws.cell(row=2, column=5, value=0.6252).number_format = "0.00%"  # conversion as Excel keeps a percentage
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    buffer.seek(0)
    buffer.name = "kpi.xlsx"
    response = client.post(reverse("scoring:kpi_import", args=[world.programme.pk]), {"period": whole.pk, "file": buffer})
    assert response.status_code == 302
    number = rows[1][0]
    value = KpiValue.objects.get(enrolment__student__student_number=number, kpi=kpi(setup, "conversion"))
    assert value.value == D("62.52")
    assert KpiValue.objects.count() == 2


def test_import_with_bad_rows_lists_them_and_writes_nothing(world, setup, client_for):
    client = client_for(world.mentor_a)
    a0, a1 = world.enrolments_a[:2]
    content = _workbook([
        ["学号", "姓名", "Sales [sales]", "Customers served [customers]"],
        [a0.student.student_number, "x", 80000, 120],
        [a1.student.student_number, "x", "lots", 3.5],
        [world.enrolments_b[0].student.student_number, "x", 1, 1],  # another team's student
        [a0.student.student_number, "x", 1, 1],  # twice
    ])
    upload = io.BytesIO(content)
    upload.name = "kpi.xlsx"
    response = client.post(reverse("scoring:kpi_import", args=[world.programme.pk]),
                           {"period": period(setup).pk, "file": upload})
    assert response.status_code == 200 and not KpiValue.objects.exists()
    errors = response.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "Student no."), (3, "Sales"), (3, "Customers served"), (4, "Student no."), (5, "Student no.")]
    assert "also on row(s) 5" in errors[0].message and "also on row(s) 2" in errors[4].message
    assert "not a number" in errors[1].message and "whole number" in errors[2].message
    assert "not one of your students" in errors[3].message
    html = response.content.decode()
    assert "<td>3</td><td>Sales <span" in html and "C3" in html  # row, column and its cell shown
    upload = io.BytesIO(b"not a workbook")
    upload.name = "kpi.xlsx"
    response = client.post(reverse("scoring:kpi_import", args=[world.programme.pk]),
                           {"period": period(setup).pk, "file": upload})
    assert "not an Excel workbook" in response.content.decode()


def test_template_writes_names_like_formulas_as_text(world, setup):
    from scoring import exports

    student = world.enrolments_a[0].student
    student.name = '=HYPERLINK("http://evil.example","点我")'
    student.save()
    enrolments = list(world.enrolments_a)
    enrolments[0].student = student
    ws = load_workbook(io.BytesIO(exports.template_workbook(setup, period(setup), enrolments))).worksheets[0]
    assert (ws["B2"].value, ws["B2"].data_type) == (student.name, "s")
    assert ws["A2"].number_format == "@" and ws.column_dimensions["A"].width == 16


def test_kpi_import_refuses_uncalculated_formulas_and_files_without_kpis(world, setup):
    from scoring import imports

    a0 = world.enrolments_a[0]
    content = _workbook([["学号", "Sales [sales]"], [a0.student.student_number, "=1+1"]])  # never calculated
    result = imports.import_kpi_values(setup, period(setup), content, world.enrolments_a, world.mentor_a)
    assert [(e.row, e.column, e.cell) for e in result.errors] == [(2, "Sales", "B2")]
    assert "never calculated" in result.errors[0].message and not KpiValue.objects.exists()
    content = _workbook([["学号", "姓名"], [a0.student.student_number, "x"]])
    result = imports.import_kpi_values(setup, period(setup), content, world.enrolments_a, world.mentor_a)
    assert [e.row for e in result.errors] == [None] and "names no KPI" in result.errors[0].message


def test_coordinator_enters_school_items_for_a_class(world, setup, client_for):
    client = client_for(world.coordinator)
    url = reverse("scoring:class_sheets", args=[world.programme.pk, world.class_a.pk])
    student = world.enrolments_a[0]
    data = {f"{item}_{e.pk}": "" for e in world.enrolments_a for item in services.TYPED_SCHOOL_ITEMS}
    data.update({f"obedience_{student.pk}": "90", f"exam_{student.pk}": "200"})
    response = client.post(url, data)
    assert response.status_code == 200 and not EnrolmentScore.objects.exists()
    assert 'value="200"' in response.content.decode()
    data[f"exam_{student.pk}"] = "75"
    assert client.post(url, data).status_code == 302
    score = EnrolmentScore.objects.get(enrolment=student)
    assert (score.obedience, score.exam, score.learning) == (D("90.00"), D("75.00"), None)


def test_mentor_evaluates_their_team_and_the_student_sheet_shows_the_total(world, setup, client_for):
    student = world.enrolments_a[0]
    EnrolmentScore.objects.create(enrolment=student, obedience=D(90), learning=D(80), teamwork=D(85), exam=D(70))
    client = client_for(world.mentor_a)
    data = {f"mentor_{e.pk}": "" for e in world.enrolments_a} | {f"mentor_{student.pk}": "88", f"note_{student.pk}": "认真负责"}
    assert client.post(reverse("scoring:team_sheets", args=[world.programme.pk, world.team_a.pk]), data).status_code == 302
    score = EnrolmentScore.objects.get(enrolment=student)
    assert score.mentor == D("88.00") and score.mentor_note == "认真负责" and score.exam == D("70.00")
    response = client.get(reverse("scoring:student_sheet", args=[world.programme.pk, student.pk]))
    page = response.content.decode()
    assert "No attendance recorded yet." in page and "No KPI values" in page
    assert response.context["sheet"].total is None  # attendance and KPI still missing


def test_score_sheet_pages_query_counts_do_not_grow(world, setup, client_for, django_assert_max_num_queries):
    from tests.factories import EnrolmentFactory

    client = client_for(world.coordinator)
    url = reverse("scoring:class_sheets", args=[world.programme.pk, world.class_a.pk])
    counts = []
    for n in (3, 9):
        for e in [EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=world.team_a) for _ in range(n)]:
            EnrolmentScore.objects.create(enrolment=e, exam=D(80))
            KpiValue.objects.create(enrolment=e, kpi=kpi(setup, "sales"), period=period(setup), value=D(1000))
        with django_assert_max_num_queries(30) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_dashboard_queries_do_not_grow_and_show_team_figures(world, setup, client_for, django_assert_max_num_queries):
    from tests.factories import EnrolmentFactory

    client = client_for(world.finance)
    url = reverse("scoring:dashboard", args=[world.programme.pk])
    counts = []
    for n in (3, 9):
        for team in (world.team_a, world.team_b):
            for e in [EnrolmentFactory(programme=world.programme, school_class=world.class_a, team=team) for _ in range(n)]:
                KpiValue.objects.create(enrolment=e, kpi=kpi(setup, "sales"), period=period(setup),
                                        value=D(90000) if team == world.team_a else D(30000))
        with django_assert_max_num_queries(30) as captured:
            response = client.get(url)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    rows = response.context["rows"]
    assert [r["standing"].team for r in rows] == [world.team_a, world.team_b]
    assert rows[0]["cells"][0] == "90,000.00" and rows[0]["standing"].headcount == 3 + 3 + 9
    assert 'data-testid="team-charts"' in response.content.decode()


def test_incident_reported_by_mentor_confirmed_by_coordinator(world, setup, client_for):
    student = world.enrolments_a[0]
    mentor = client_for(world.mentor_a)
    url = reverse("scoring:incident_create", args=[world.programme.pk])
    data = {"enrolment": student.pk, "occurred_on": "2020-11-11", "level": "cash", "cash_amount": "", "description": "错退款"}
    response = mentor.post(url, data)
    assert response.status_code == 200 and "needs the amount" in response.content.decode()
    data["enrolment"] = world.enrolments_b[0].pk  # not their student
    assert "enrolment" in mentor.post(url, data).context["form"].errors
    data.update(enrolment=student.pk, level="4", cash_amount="")
    assert mentor.post(url, data).status_code == 302
    incident = Incident.objects.get()
    assert incident.status == "reported" and incident.reported_by == world.mentor_a
    decide = reverse("scoring:incident_decide", args=[world.programme.pk, incident.pk])
    assert mentor.post(decide, {"decision": "confirm"}).status_code == 403
    assert client_for(world.coordinator).post(decide, {"decision": "confirm", "note": "核实"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "confirmed" and EnrolmentScore.objects.get(enrolment=student).off_duty
    page = mentor.get(reverse("scoring:team_sheets", args=[world.programme.pk, world.team_a.pk])).content.decode()
    assert "Off customer duty" in page
    # mentor_b does not see team A's incidents
    assert client_for(world.mentor_b).get(reverse("scoring:incident_list", args=[world.programme.pk])).context["incidents"] == []


def test_awards_are_added_for_visible_students_only(world, setup, client_for):
    mentor = client_for(world.mentor_a)
    url = reverse("scoring:award_list", args=[world.programme.pk])
    data = {"enrolment": world.enrolments_b[0].pk, "period": period(setup).pk, "label": "销售冠军", "amount": "300"}
    assert mentor.post(url, data).status_code == 200 and not Award.objects.exists()
    data["enrolment"] = world.enrolments_a[0].pk
    assert mentor.post(url, data).status_code == 302
    assert selectors.prize_and_award_credits(world.programme)[world.enrolments_a[0].pk][0][2] == D("300.00")
    assert client_for(world.finance).post(url, data).status_code == 403


def test_settings_refuse_weights_that_do_not_add_up(world, setup, client_for):
    client = client_for(world.coordinator)
    url = reverse("scoring:settings", args=[world.programme.pk])
    data = {f"weight_{k}": str(v) for k, v in setup.settings.weights().items()} | {
        "prize_amounts": "3000, 2000", "prize_split": "score", "sheet_period": period(setup).pk}
    data["weight_exam"] = "25"
    response = client.post(url, data)
    assert response.status_code == 200 and "add up to 105, not 100" in response.content.decode()
    assert 'value="25"' in response.content.decode()
    data["weight_kpi"] = "25"
    assert client.post(url, data).status_code == 302
    settings = ScoreSettings.objects.get()
    assert settings.prizes() == [D("3000.00"), D("2000.00")] and settings.weight_kpi == D(25)


def test_kpi_setup_formset_adds_and_refuses_duplicate_codes(world, setup, client_for):
    client = client_for(world.coordinator)
    url = reverse("scoring:kpi_setup", args=[world.programme.pk])
    response = client.get(url)
    formset = response.context["formset"]
    data = {"f-TOTAL_FORMS": str(len(formset.forms)), "f-INITIAL_FORMS": str(len(setup.kpis)), "f-MIN_NUM_FORMS": "0",
            "f-MAX_NUM_FORMS": "1000"}
    for n, form in enumerate(formset.forms):
        for name in form.fields:
            value = form.initial.get(name, "")
            data[f"f-{n}-{name}"] = "" if value is None else (value.pk if hasattr(value, "pk") else value)
        data.pop(f"f-{n}-DELETE", None)
        data[f"f-{n}-id"] = form.instance.pk or ""
    last = len(formset.forms) - 1
    data.update({f"f-{last}-code": "sales", f"f-{last}-name": "积分", f"f-{last}-unit": "count", f"f-{last}-direction": "higher",
                 f"f-{last}-level": "student", f"f-{last}-target": "100", f"f-{last}-weight": "1", f"f-{last}-order": "10"})
    response = client.post(url, data)
    assert response.status_code == 200 and "sales is used twice" in response.content.decode()
    data[f"f-{last}-code"] = "points"
    assert client.post(url, data).status_code == 302
    assert KpiDefinition.objects.filter(programme=world.programme).count() == 10


def test_fixing_prizes_on_the_ranking_page(world, setup, client_for):
    whole = period(setup)
    for e in world.enrolments_a:
        KpiValue.objects.create(enrolment=e, kpi=kpi(setup, "sales"), period=whole, value=D(80000))
    url = reverse("scoring:award_prizes", args=[world.programme.pk])
    assert client_for(world.mentor_a).post(url, {"period": whole.pk}).status_code == 403
    response = client_for(world.coordinator).post(url, {"period": whole.pk}, follow=True)
    assert response.status_code == 200 and TeamPrize.objects.get().amount == D("2000.00")
    assert 'data-testid="fixed-prizes"' in response.content.decode()


def test_a_programme_without_set_up_offers_the_defaults_and_a_post_creates_them(world, client_for):
    """No GET creates the defaults: the coordinator's button does (once)."""
    client = client_for(world.coordinator)
    settings_url = reverse("scoring:settings", args=[world.programme.pk])
    page = client.get(settings_url).content.decode()
    assert 'data-testid="setup-defaults"' in page
    assert 'data-testid="scoring-not-set-up"' in client.get(
        reverse("scoring:dashboard", args=[world.programme.pk])).content.decode()
    assert not KpiDefinition.objects.exists() and not ScoreSettings.objects.exists()
    defaults_url = reverse("scoring:setup_defaults", args=[world.programme.pk])
    assert client.get(defaults_url).status_code == 405
    assert client_for(world.mentor_a).post(defaults_url).status_code == 403
    assert not KpiDefinition.objects.exists()
    response = client.post(defaults_url)
    assert response.status_code == 302 and response["Location"] == settings_url
    assert KpiDefinition.objects.filter(programme=world.programme).count() == 9
    assert world.programme.scoring_periods.count() == 4 and ScoreSettings.objects.count() == 1
    client.post(defaults_url)  # a second click creates nothing more
    assert KpiDefinition.objects.count() == 9 and world.programme.scoring_periods.count() == 4
    assert 'data-testid="setup-defaults"' not in client.get(settings_url).content.decode()
    assert 'data-testid="scoring-not-set-up"' not in client.get(
        reverse("scoring:dashboard", args=[world.programme.pk])).content.decode()


def test_the_kpi_template_of_a_programme_without_periods_is_not_found(world, client_for):
    assert client_for(world.mentor_a).get(reverse("scoring:kpi_template", args=[world.programme.pk])).status_code == 404
