"""Two mentors (or two tabs) on one KPI grid: each save writes only the cells
its user changed; a cell someone else changed since the load is a conflict,
reported and kept for the user, never a lost update."""

from decimal import Decimal

from scoring import selectors, services
from scoring.models import KpiValue, TeamKpiValue
from tests.grid_forms import form_fields

from .conftest import kpi, period
from .test_pages import _grid_url

D = Decimal


def load(setup, world):
    """What the grid page shows: {(enrolment id | None, KPI id): Loaded(version, text)}."""
    grid = selectors.kpi_grid(setup, world.team_a, period(setup))
    shown = {(row.enrolment.pk, c.kpi.pk): services.Loaded(c.version, c.text) for row in grid.rows for c in row.cells}
    shown.update({(None, c.kpi.pk): services.Loaded(c.version, c.text) for c in grid.team_cells})
    return shown


def post_everything(loaded, changes):
    return [services.CellInput(e, k, changes.get((e, k), was.value), was) for (e, k), was in loaded.items()]


def save(setup, world, cells, user=None):
    return services.save_kpi_grid(setup=setup, team=world.team_a, period=period(setup), cells=cells,
                                  user=user or world.mentor_a)


def value(enrolment, k):
    row = KpiValue.objects.filter(enrolment=enrolment, kpi=k).first()
    return None if row is None else row.value


def test_two_stale_saves_of_different_cells_both_survive(world, setup):
    sales, conversion, qc = kpi(setup, "sales"), kpi(setup, "conversion"), kpi(setup, "qc")
    a0, a1, _a2 = world.enrolments_a
    assert save(setup, world, [services.CellInput(a0.pk, sales.pk, "80000")]).ok
    first, second = load(setup, world), load(setup, world)
    r1 = save(setup, world, post_everything(first, {(a0.pk, sales.pk): "81000", (None, qc.pk): "95"}))
    r2 = save(setup, world, post_everything(second, {(a1.pk, conversion.pk): "61.5%"}), user=world.admin)
    assert (r1.saved, r1.conflicts, r2.saved, r2.conflicts) == (2, {}, 1, {})
    assert value(a0, sales) == D("81000") and value(a1, conversion) == D("61.5")
    assert TeamKpiValue.objects.get(team=world.team_a, kpi=qc).value == D("95")


def test_the_same_cell_changed_twice_is_a_conflict_naming_student_and_kpi(world, setup):
    sales, conversion = kpi(setup, "sales"), kpi(setup, "conversion")
    a0, a1, _a2 = world.enrolments_a
    assert save(setup, world, [services.CellInput(a0.pk, sales.pk, "80000")]).ok
    first, second = load(setup, world), load(setup, world)
    assert save(setup, world, post_everything(first, {(a0.pk, sales.pk): "81000"})).saved == 1
    result = save(setup, world, post_everything(second, {(a0.pk, sales.pk): "79000", (a1.pk, conversion.pk): "60"}))
    assert result.ok and result.saved == 1
    conflict = result.conflicts[(a0.pk, sales.pk)]
    assert (conflict.yours, conflict.current, conflict.version) == ("79000", D("81000"), 2)
    assert a0.student.name in conflict.message and sales.name in conflict.message
    assert "81000" in conflict.message and "79000" in conflict.message
    assert value(a0, sales) == D("81000") and value(a1, conversion) == D("60")


def test_a_team_value_created_since_the_load_is_a_conflict(world, setup):
    qc = kpi(setup, "qc")
    stale = load(setup, world)
    assert save(setup, world, [services.CellInput(None, qc.pk, "90")], user=world.admin).ok
    result = save(setup, world, post_everything(stale, {(None, qc.pk): "70"}))
    assert result.conflicts[(None, qc.pk)].current == D("90")
    assert world.team_a.name in result.conflicts[(None, qc.pk)].message
    assert TeamKpiValue.objects.get(team=world.team_a, kpi=qc).value == D("90")


def test_an_import_moves_the_version(world, setup):
    sales = kpi(setup, "sales")
    a0 = world.enrolments_a[0]
    assert save(setup, world, [services.CellInput(a0.pk, sales.pk, "80000")]).ok
    stale = load(setup, world)
    services.upsert_values(student_rows=[KpiValue(enrolment=a0, kpi=sales, period=period(setup), value=D("90000"))],
                           team_rows=[])
    assert KpiValue.objects.get(enrolment=a0, kpi=sales).version == 2
    result = save(setup, world, post_everything(stale, {(a0.pk, sales.pk): "1"}))
    assert list(result.conflicts) == [(a0.pk, sales.pk)] and value(a0, sales) == D("90000")


def test_a_bad_cell_still_saves_nothing(world, setup):
    sales = kpi(setup, "sales")
    a0, a1, _a2 = world.enrolments_a
    stale = load(setup, world)
    result = save(setup, world, post_everything(stale, {(a0.pk, sales.pk): "1", (a1.pk, sales.pk): "lots"}))
    assert not result.ok and not KpiValue.objects.exists()


def test_two_mentors_on_the_grid_page_and_a_stale_tab(world, setup, client_for):
    sales, conversion = kpi(setup, "sales"), kpi(setup, "conversion")
    a0, a1, _a2 = world.enrolments_a
    world.team_a.mentors.add(world.other_mentor)
    assert save(setup, world, [services.CellInput(a0.pk, sales.pk, "80000")]).ok
    one, two = client_for(world.mentor_a), client_for(world.other_mentor)
    url = _grid_url(world, setup)
    form1 = form_fields(one.get(url).content.decode(), "kpi-form")
    form2 = form_fields(two.get(url).content.decode(), "kpi-form")
    form1[f"v_{a0.pk}_{sales.pk}"] = "81000"
    assert one.post(url, form1).status_code == 302
    form2[f"v_{a1.pk}_{conversion.pk}"] = "62.52%"  # the rest posted as loaded, a0's sales at 80000
    assert two.post(url, form2).status_code == 302
    assert value(a0, sales) == D("81000") and value(a1, conversion) == D("62.52")

    form2[f"v_{a0.pk}_{sales.pk}"] = "70000"  # still against the 80000 it loaded
    response = two.post(url, form2)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="grid-conflicts"' in page
    assert a0.student.name in page and f'data-testid="current-{a0.pk}-{sales.pk}"' in page
    shown = form_fields(page, "kpi-form")
    assert shown[f"v_{a0.pk}_{sales.pk}"] == "70000" and shown[f"was_v_{a0.pk}_{sales.pk}"] == "2|81000"
    assert value(a0, sales) == D("81000")
    assert two.post(url, shown).status_code == 302
    assert value(a0, sales) == D("70000")
