"""A coordinator sets up a programme and imports its students through the
real pages in headless Chromium, then sees them listed with masked IDs."""

import re

from playwright.sync_api import expect

from programs.agreements.models import Programme
from tests.students.files import student_rows, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _create_programme_with_class(page, world) -> Programme:
    page.goto(f"/programs/agreements/{world.agreement.pk}/")
    page.click(f"a[href='/programs/agreements/{world.agreement.pk}/programmes/new/']")
    page.fill("input[name=year]", "2021")
    page.fill("input[name=name]", "2021双十一实训")
    page.fill("input[name=brands]", "森马, 巴拉巴拉")
    page.fill("input[name=headcount_target]", "120")
    page.select_option("select[name=phases-0-kind]", "practice")
    page.fill("input[name=phases-0-start]", "2021-10-26")
    page.fill("input[name=phases-0-end]", "2021-11-10")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(re.compile(r"/programs/\d+/$"))
    programme = Programme.objects.get(name="2021双十一实训")
    expect(page.get_by_test_id("phases")).to_contain_text("2021-10-26")

    page.click(f"a[href='/programs/{programme.pk}/classes/new/']")
    page.fill("input[name=name]", "21电商1班")
    page.click("input[type=submit][name=save]")
    page.wait_for_url(f"**/programs/{programme.pk}/")
    expect(page.get_by_test_id("classes")).to_contain_text("21电商1班")
    return programme


def test_coordinator_creates_a_programme_and_imports_students(world, page, login):
    login(world.coordinator)
    programme = _create_programme_with_class(page, world)
    page.goto(f"/programs/{programme.pk}/enrolments/")
    page.get_by_test_id("import-students").click()
    expect(page.get_by_test_id("import-limits")).to_contain_text("20000")

    rows = student_rows(12, "21电商1班", start=500)
    page.set_input_files("input[name=file]", files=[{"name": "学生名单.xlsx", "mimeType": XLSX,
                                                      "buffer": xlsx_bytes(rows)}])
    page.get_by_test_id("import-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("count-created")).to_have_text("12")

    page.get_by_test_id("to-enrolments").click()
    table = page.get_by_test_id("enrolment-list")
    for row in rows[:3]:
        line = table.locator("tr", has_text=row["学号"])
        expect(line).to_contain_text(row["姓名"])
        expect(line).to_contain_text(row["身份证号"][:4] + "*" * 10 + row["身份证号"][-4:])
    expect(table).not_to_contain_text(rows[0]["身份证号"])
    expect(table).not_to_contain_text(rows[0]["银行卡号"])
    expect(table.locator("tbody tr")).to_have_count(12)


def test_a_bad_file_lists_the_bad_rows_and_imports_nothing(world, page, login):
    login(world.coordinator)
    rows = student_rows(5, "19电商1班", start=900)
    rows[2]["手机号"] = "12345"
    page.goto(f"/programs/{world.programme.pk}/students/import/")
    page.set_input_files("input[name=file]", files=[{"name": "bad.xlsx", "mimeType": XLSX,
                                                      "buffer": xlsx_bytes(rows)}])
    page.get_by_test_id("import-form").locator("button[type=submit]").click()
    bad = page.get_by_test_id("bad-rows")
    expect(bad.locator("tbody tr")).to_have_count(1)
    expect(bad.locator("tbody tr").first).to_contain_text("手机号 E4")
    expect(page.get_by_test_id("upload-again")).to_be_visible()


def test_a_long_file_runs_in_the_background_with_progress(world, page, login, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    login(world.coordinator)
    page.goto(f"/programs/{world.programme.pk}/students/import/")
    rows = student_rows(9, "19电商2班", start=700)
    page.set_input_files("input[name=file]", files=[{"name": "long.xlsx", "mimeType": XLSX,
                                                      "buffer": xlsx_bytes(rows)}])
    page.get_by_test_id("import-form").locator("button[type=submit]").click()
    # The job page polls, then follows the job's result to the import result.
    page.wait_for_url(re.compile(r"/students/import/\d+/$"))
    expect(page.get_by_test_id("count-created")).to_have_text("9")
