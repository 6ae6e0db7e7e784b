# ruff: noqa: F811 (the rostered fixtures are imported, then named as arguments)
"""Issue #11: the online-hours import's optional customers served and average
response time are stored with the day and feed the KPIs ``customers`` and
``response_time`` of every scoring period the imported days fall in."""

from datetime import date
from decimal import Decimal as D

from django.urls import reverse

from programs.attendance import imports
from programs.attendance.models import Attendance
from scoring.models import KpiDefinition, KpiValue
from tests.attendance.test_mapping import PLATFORM, XLSX, csv, initial, upload, with_accounts
from tests.rosters.conftest import add_students, rostered, shifts  # noqa: F401 (fixtures)
from tests.scoring.conftest import kpi

HEADER = "客服账号,日期,在线时长,接待人数,平均响应时间(秒)"
NOV10, NOV11 = date(2020, 11, 10), date(2020, 11, 11)


def periods(setup):
    return {p.name: p for p in setup.periods}  # Pre-sale 10-26…11-11, Double-11 day, After-sale 11-12…, Whole


def values(setup, enrolment, code) -> dict:
    return {v.period.name: v.value for v in KpiValue.objects.filter(enrolment=enrolment, kpi=kpi(setup, code))}


def run(world, *lines):
    return imports.import_online_hours(world.programme, csv(HEADER, *lines), world.mentor_a, None)


def test_the_figures_are_stored_with_the_day_and_feed_every_period_the_days_fall_in(world, rostered, setup):
    with_accounts(world)
    a, b = world.enrolments_a[0], world.enrolments_a[1]
    # A value typed by hand for B, who has no figures in the file: left alone.
    typed = KpiValue.objects.create(enrolment=b, kpi=kpi(setup, "customers"), period=periods(setup)["Pre-sale"],
                                    value=D("77"))
    result = run(world, f"{a.shop_account_id},2020-11-10,8,100,30", f"{a.shop_account_id},2020-11-11,9,150,41",
                 f"{b.shop_account_id},2020-11-11,7,,")
    assert result.ok, result.errors
    day = Attendance.objects.get(enrolment=a, day=NOV11)
    assert (day.online_hours, day.customers_served, day.response_seconds) == (D("9"), 150, D("41"))
    assert Attendance.objects.filter(enrolment=b, customers_served=None, response_seconds=None).count() == 1
    # Sum of customers, mean of response times; After-sale holds none of the days.
    assert values(setup, a, "customers") == {"Pre-sale": 250, "Double-11 day": 150, "Whole programme": 250}
    assert values(setup, a, "response_time") == {"Pre-sale": D("35.5"), "Double-11 day": 41, "Whole programme": D("35.5")}
    assert values(setup, b, "customers") == {"Pre-sale": 77} and not values(setup, b, "response_time")
    typed.refresh_from_db()
    assert typed.version == 1


def test_a_later_import_recomputes_the_period_from_every_day_and_moves_the_versions(world, rostered, setup):
    with_accounts(world)
    a = world.enrolments_a[0]
    assert run(world, f"{a.shop_account_id},2020-11-10,8,100,30", f"{a.shop_account_id},2020-11-11,9,150,41").ok
    whole = KpiValue.objects.get(enrolment=a, kpi=kpi(setup, "response_time"), period=periods(setup)["Whole programme"])
    day_version = Attendance.objects.get(enrolment=a, day=NOV11).version
    # Only 11-11 again, with new figures: the period still counts 11-10 from the first import.
    assert run(world, f"{a.shop_account_id},2020-11-11,9,50,10").ok
    assert values(setup, a, "customers") == {"Pre-sale": 150, "Double-11 day": 50, "Whole programme": 150}
    assert values(setup, a, "response_time") == {"Pre-sale": 20, "Double-11 day": 10, "Whole programme": 20}
    assert Attendance.objects.get(enrolment=a, day=NOV11).version == day_version + 1
    before = whole.version
    whole.refresh_from_db()
    assert whole.version == before + 1 and whole.value == 20
    # A file with empty cells keeps the day's figures (and the KPI values).
    assert run(world, f"{a.shop_account_id},2020-11-11,6,,").ok
    assert Attendance.objects.get(enrolment=a, day=NOV11).customers_served == 50
    assert values(setup, a, "customers")["Double-11 day"] == 50


def test_a_bad_number_is_an_error_of_its_row_and_nothing_is_written(world, rostered, setup):
    with_accounts(world)
    a, b = world.enrolments_a[0].shop_account_id, world.enrolments_a[1].shop_account_id
    result = run(world, f"{a},2020-11-10,8,100,30", f"{b},2020-11-10,8,abc,30", f"{a},2020-11-11,8,1.5,30",
                 f"{b},2020-11-11,8,10,-4")
    assert sorted((e.row, e.key) for e in result.errors) == [(3, "customers"), (4, "customers"), (5, "response")]
    assert not Attendance.objects.exists() and not KpiValue.objects.exists()


def test_a_programme_without_those_kpis_just_imports_the_day(world, rostered, setup):
    with_accounts(world)
    KpiDefinition.objects.filter(programme=world.programme, code__in=["customers", "response_time"]).delete()
    a = world.enrolments_a[0]
    assert run(world, f"{a.shop_account_id},2020-11-10,8,100,30").ok
    day = Attendance.objects.get(enrolment=a, day=NOV10)
    assert (day.online_hours, day.customers_served, day.response_seconds) == (D("8"), 100, D("30"))
    assert not KpiValue.objects.exists()


def test_the_mapping_step_preselects_the_optional_columns_and_confirming_feeds_the_kpis(
        world, rostered, setup, client_for):
    with_accounts(world, PLATFORM)
    client = client_for(world.mentor_a)
    page = client.get(upload(client, world, XLSX.read_bytes(), "export.xlsx")["Location"])
    # 接待人数 (D) and 平均响应时间(秒) (G); never 接待时长 (E).
    assert initial(page) == {"day": 0, "account": 2, "hours": 5, "customers": 3, "response": 6}
    assert not page.context["form"].fields["customers"].required
    assert client.post(page.request["PATH_INFO"], initial(page)).status_code == 302
    first = world.enrolments_a[0]
    day = Attendance.objects.get(enrolment=first, day=date(2020, 11, 9))
    assert (day.customers_served, day.response_seconds) == (170, D("55"))
    served = dict(Attendance.objects.filter(enrolment=first).values_list("day", "customers_served"))
    assert set(served) == {date(2020, 11, 9), NOV10, NOV11}  # the file's three days
    assert values(setup, first, "customers") == {
        "Pre-sale": sum(served.values()), "Double-11 day": served[NOV11], "Whole programme": sum(served.values())}


def test_the_optional_columns_may_be_left_unchosen(world, rostered, setup, client_for):
    with_accounts(world, PLATFORM)
    client = client_for(world.mentor_a)
    page = client.get(upload(client, world, XLSX.read_bytes(), "export.xlsx")["Location"])
    assert client.post(page.request["PATH_INFO"], {"day": "0", "account": "2", "hours": "5"}).status_code == 302
    assert Attendance.objects.filter(enrolment=world.enrolments_a[0]).exists()
    assert not Attendance.objects.exclude(customers_served=None).exists() and not KpiValue.objects.exists()
    assert reverse("programs:online_hours_import", kwargs={"pk": world.programme.pk})
