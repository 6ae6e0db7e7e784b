"""Synthetic student rows and .xlsx files made of them (for tests and the browser test)."""

import io
import random

import openpyxl

from programs.students import demo as synthetic
from programs.students.imports import COLUMNS

# The columns of a list made before the team column (optional) existed; TEAM is its header.
TEAM = next(c.label for c in COLUMNS if c.key == "team_name")
HEADERS = [c.label for c in COLUMNS if c.key != "team_name"]


def student_rows(n: int, class_name: str = "19电商1班", *, start: int = 1, seed: int = 7) -> list[dict]:
    """``n`` valid synthetic rows keyed by header (student numbers from ``start``)."""
    rng = random.Random(seed * 1_000_003 + start)  # distinct people for distinct ranges
    rows = []
    for i in range(start, start + n):
        rows.append({
            "班级": class_name, "姓名": synthetic.make_name(rng), "学号": f"2020{i:06d}",
            "身份证号": synthetic.make_id_number(rng), "手机号": synthetic.make_phone(rng),
            "银行卡号": synthetic.make_bank_card(rng), "开户行": "中国建设银行长沙分行",
            "店铺账号": f"shop:{i:06d}", "开户网点": "五一路支行", "户名": None,
        })
    return rows


def xlsx_bytes(rows: list[dict], headers: list[str] | None = None, *, write_only: bool = True,
               before: list[list] = ()) -> bytes:
    """A workbook with ``headers`` (default: the template's) and ``rows``.

    Written write-only by default, like most generated files: no dimension
    record, so readers must iterate. ``before`` rows go above the header.
    """
    headers = headers or HEADERS
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("学生名单") if write_only else workbook.active
    for extra in before:
        sheet.append(extra)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h.strip()) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
