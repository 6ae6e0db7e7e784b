"""Benchmark of the class score-sheet PDF set.

    .venv/bin/python bench/score_sheets.py [--scale N]

Sets up its own database (SQLite under bench/out/, or PostgreSQL when
DATABASE_URL is set) with one class of N students (200 by default) in four
teams, the default KPIs with values for every student, school items and
mentor evaluations, and 20 days of attendance each. It then times, in the
same run:

1. ours: the class job's work without the Job row — load the score sheets
   (``selectors.score_sheets``), render the class as ONE document through
   ``trainingweek.pdf`` (shared FontConfiguration) and cut it into the ZIP of
   per-student PDFs (``documents.class_pdfs``), each PDF's fonts cut to its
   own glyphs (``trainingweek.pdf_fonts``);
2. bare: WeasyPrint alone rendering the same HTML (same CSS) to one PDF, with
   a FontConfiguration of its own, nothing else;
3. two workers: two processes each doing (1) for half of the class, against
   one process doing it all: the speed-up a second Celery worker gives.

Prints the scale, per-page times of ours and of bare WeasyPrint, the ratio,
the sizes (merged PDF, ZIP, per-student PDFs) and the two-worker speed-up.
"""

import argparse
import multiprocessing
import os
import time
from datetime import date, timedelta
from decimal import Decimal

from harness import ROOT, setup_django  # noqa: E402

setup_django("score_sheets", fresh=False)

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

TEAMS = 4
DAYS = 20
# Names drawn from ~190 characters, as a real class's are (the fonts carry
# every character of the class's names; "学生001" would flatter the sizes).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("子浩宇轩涵雨欣怡佳琪梦婷思雅晨阳博文嘉俊一诺心悦可馨雪丽静慧敏杰磊鹏飞婉清晓燕伟芳娜秀英华强军平刚桂兰霞明超"
         "辉玲红洋勇艳娟涛斌波宁丹萍建国云鑫凤琳瑶璐妍蕾彤昊然泽瑞豪凯铭航睿哲逸帆鸿毅")


def build(scale: int) -> int:
    """A fresh class of ``scale`` students with everything a sheet shows; returns the programme id."""
    import random

    from programs.agreements.models import Agreement, Phase, Programme
    from programs.attendance.models import Attendance
    from programs.students.models import Enrolment, SchoolClass, Student, Team
    from scoring import services
    from scoring.models import EnrolmentScore, KpiValue, TeamKpiValue
    from trainingweek.models import Organisation

    rng = random.Random(11)
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        school, _ = Organisation.objects.get_or_create(name="基准测试学院", defaults={"kind": "school"})
        company, _ = Organisation.objects.get_or_create(name="基准测试公司", defaults={"kind": "company"})
        agreement, _ = Agreement.objects.get_or_create(
            school=school, company=company, course_title="基准",
            defaults={"signed_on": date(2020, 9, 1), "term_start": date(2020, 9, 1), "term_end": date(2023, 8, 31)})
        Enrolment.objects.filter(student__school=school).delete()  # a previous run's data
        Programme.objects.filter(name="基准成绩评定").delete()
        Student.objects.filter(school=school).delete()
        programme = Programme.objects.create(agreement=agreement, year=2020, name="基准成绩评定")
        Phase.objects.create(programme=programme, kind="practice", start=date(2020, 10, 26), end=date(2020, 11, 22))
        school_class = SchoolClass.objects.create(programme=programme, name="19电商1班")
        teams = [Team.objects.create(programme=programme, name=f"品牌{n}组") for n in range(TEAMS)]
        students = []
        for i in range(scale):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            s = Student(school=school, student_number=f"2019{i:06d}", name=name, id_number=f"X{i}")
            s.id_number_digest = f"bench-{i}"  # the digests need no real key here
            students.append(s)
        Student.objects.bulk_create(students, batch_size=1000)
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(programme=programme, student=s, school_class=school_class, team=teams[n % TEAMS])
            for n, s in enumerate(students))
        setup = services.create_default_setup(programme=programme)
        whole = setup.sheet_period
        KpiValue.objects.bulk_create(
            (KpiValue(enrolment=e, kpi=k, period=whole, value=Decimal(rng.randint(1, 90)))
             for e in enrolments for k in setup.student_kpis), batch_size=2000)
        TeamKpiValue.objects.bulk_create(TeamKpiValue(team=t, kpi=k, period=whole, value=Decimal(rng.randint(1, 90)))
                                         for t in teams for k in setup.team_kpis)
        EnrolmentScore.objects.bulk_create(
            EnrolmentScore(enrolment=e, obedience=Decimal(90), learning=Decimal(85), teamwork=Decimal(88),
                           exam=Decimal(rng.randint(60, 99)), mentor=Decimal(rng.randint(70, 99))) for e in enrolments)
        first = date(2020, 10, 26)
        Attendance.objects.bulk_create(
            (Attendance(programme=programme, enrolment=e, day=first + timedelta(d), day_kind="practice",
                        status=rng.choice(["present"] * 8 + ["late", "absent"]))
             for e in enrolments for d in range(DAYS)), batch_size=5000)
    return programme.pk


def load(programme_id: int, part: int | None = None, parts: int = 1):
    """The programme and the score sheets of the class (or of one part of it)."""
    from programs.agreements.models import Programme
    from programs.students.models import Enrolment
    from scoring import selectors

    programme = Programme.objects.select_related("agreement__school", "agreement__company").get(pk=programme_id)
    enrolments = list(Enrolment.objects.filter(programme=programme).select_related("student", "team", "school_class")
                      .order_by("student__student_number"))
    if part is not None:
        enrolments = enrolments[part::parts]
    return programme, selectors.score_sheets(selectors.load_setup(programme), programme, enrolments)


def ours(programme_id: int, part: int | None = None, parts: int = 1) -> tuple[int, dict]:
    """The job's work: sheets, one document, the ZIP. Returns (pages, sizes in bytes)."""
    import io
    import zipfile

    from scoring import documents

    programme, sheets = load(programme_id, part, parts)
    merged, archive = documents.class_pdfs(programme, sheets)
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        files = [info.file_size for info in z.infolist()]
    return len(sheets), {"merged": len(merged), "zip": len(archive), "largest": max(files),
                         "mean": sum(files) // len(files)}


def _worker(args):
    programme_id, part, parts = args
    connections.close_all()  # a forked child opens its own connection
    return ours(programme_id, part, parts)


def bare(html: str) -> int:
    """WeasyPrint alone: the same HTML and CSS, its own FontConfiguration, one PDF."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from scoring.documents import SHEET_CSS
    from trainingweek.pdf import BASE_CSS

    config = FontConfiguration()
    css = CSS(string=BASE_CSS + SHEET_CSS, font_config=config)
    return len(HTML(string=html, base_url=str(ROOT)).write_pdf(stylesheets=[css], font_config=config))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=200, help="students in the class (default 200)")
    scale = parser.parse_args().scale
    programme_id = build(scale)
    print(f"database: {connection.vendor}; scale: one class of {scale} students, one A4 page each")

    from scoring import documents

    programme, sheets = load(programme_id)
    documents.student_pdf(programme, sheets[0])  # warm the shared fonts; the forked workers below inherit them
    html = documents.sheets_html(programme, sheets)

    t = time.perf_counter()
    pages, sizes = ours(programme_id)
    one = time.perf_counter() - t
    t = time.perf_counter()
    bare(html)
    raw = time.perf_counter() - t
    print(f"ours  (sheets + one document + ZIP): {one:7.2f} s  {one / pages * 1000:6.1f} ms/page")
    print(f"bare  (WeasyPrint, same HTML)       : {raw:7.2f} s  {raw / pages * 1000:6.1f} ms/page")
    print(f"ratio ours / bare                   : {one / raw:7.2f}")
    print(f"sizes: merged PDF {sizes['merged'] / 1024:.0f} KiB, ZIP {sizes['zip'] / 1024:.0f} KiB, "
          f"per-student PDF mean {sizes['mean'] / 1024:.1f} KiB, largest {sizes['largest'] / 1024:.1f} KiB")

    connections.close_all()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        t = time.perf_counter()
        done = pool.map(_worker, [(programme_id, 0, 2), (programme_id, 1, 2)])
        two = time.perf_counter() - t
    assert sum(n for n, _ in done) == pages
    print(f"two workers (half the class each)   : {two:7.2f} s  {two / pages * 1000:6.1f} ms/page")
    print(f"speed-up from a second worker       : {one / two:7.2f}x  (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
