"""Synthetic identities for demo and test data: valid in form, belonging to nobody.

Names are drawn from common characters, ID numbers carry a correct check
character, and bank cards pass Luhn. Never load real people's data here.

Demo data shaped like the 2020 Double-11 programme of the seeds: four
classes of about fifty synthetic students, four brand teams with a mentor
each, group leaders, and the phases with their dates. Safe to run again.
"""

import random
from datetime import date, timedelta

from stdnum import luhn

from programs.agreements.models import Agreement, Phase, Programme
from programs.students import demo as synthetic
from programs.students.models import Enrolment, SchoolClass, Student, Team
from programs.students.rules import id_check_character
from trainingweek.models import Organisation, User

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"


GIVEN = "子浩宇轩涵雨欣怡佳琪梦婷思雅晨阳博文嘉俊一诺心悦可馨雪丽静慧敏杰磊鹏飞婉清晓燕"


# Region codes of a few Changsha districts (public administrative codes).
REGIONS = ["430102", "430103", "430104", "430105", "430111", "430121"]


def make_id_number(rng: random.Random, birth_year: int = 2001) -> str:
    birth = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
    body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_character(body)


def make_bank_card(rng: random.Random) -> str:
    body = "621700" + "".join(str(rng.randrange(10)) for _ in range(12))
    return body + luhn.calc_check_digit(body)


def make_phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(str(rng.randrange(10)) for _ in range(9))


def make_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


DEMO_PASSWORD = "trainingweek-demo"


PROGRAMME_NAME = "双十一客服实训"


CLASSES = ["19电商1班", "19电商2班", "19电商3班", "19电商4班"]


TEAMS = [("森马组", "森马"), ("巴拉巴拉组", "巴拉巴拉"), ("康恩组", "康恩"), ("群达组", "群达")]


PHASES = [
    (Phase.Kind.TRAINING, date(2020, 9, 7), date(2020, 10, 23)),
    (Phase.Kind.INTENSIVE, date(2020, 10, 24), date(2020, 10, 25)),
    (Phase.Kind.PRACTICE, date(2020, 10, 26), date(2020, 11, 10)),
    (Phase.Kind.PRE_SALE, date(2020, 11, 11), date(2020, 11, 11)),
    (Phase.Kind.AFTER_SALE, date(2020, 11, 12), date(2020, 11, 22)),
]


STUDENTS_PER_CLASS = 50


def _user(username, role, organisation, name, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "organisation": organisation, "display_name": name, **extra},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def build(context: dict, log=print) -> None:
    rng = random.Random(2020)
    school, _ = Organisation.objects.get_or_create(name="示范商务职业技术学院", defaults={"kind": "school"})
    company, _ = Organisation.objects.get_or_create(name="示范服饰电商有限公司", defaults={"kind": "company"})
    coordinator = _user("coordinator", User.Role.COORDINATOR, school, "周老师")
    mentors = [_user(f"mentor{i}", User.Role.MENTOR, company, f"导师{i}") for i in range(1, 5)]
    _user("finance", User.Role.FINANCE, company, "财务甲")
    _user("finance2", User.Role.FINANCE, company, "财务乙")
    _user("admin", User.Role.ADMIN, None, "管理员", is_staff=True, is_superuser=True)
    context["logins"] = [
        ("校方负责人 coordinator", "coordinator", DEMO_PASSWORD),
        ("企业导师 mentor (森马组)", "mentor1", DEMO_PASSWORD),
        ("企业导师 mentor (巴拉巴拉组)", "mentor2", DEMO_PASSWORD),
        ("财务 finance (制单)", "finance", DEMO_PASSWORD),
        ("财务 finance (复核)", "finance2", DEMO_PASSWORD),
        ("管理员 admin", "admin", DEMO_PASSWORD),
    ]
    context.update(school=school, company=company, coordinator=coordinator, mentors=mentors)

    agreement, _ = Agreement.objects.get_or_create(
        school=school, company=company, course_title="《电子商务客户服务与管理》课程建设与实训",
        defaults={"signed_on": date(2020, 9, 1), "term_start": date(2020, 9, 1), "term_end": date(2023, 8, 31)},
    )
    programme, created = Programme.objects.get_or_create(
        agreement=agreement, year=2020, name=PROGRAMME_NAME,
        defaults={"brands": "森马, 巴拉巴拉, 康恩, 群达", "headcount_target": 200},
    )
    context["programme"] = programme
    if not created:
        log(f"演示项目已存在：{programme}")
        return
    Phase.objects.bulk_create(Phase(programme=programme, kind=k, start=s, end=e) for k, s, e in PHASES)
    classes = [SchoolClass.objects.create(programme=programme, name=n) for n in CLASSES]
    teams = []
    for (name, brand), mentor in zip(TEAMS, mentors, strict=True):
        team = Team.objects.create(programme=programme, name=name, brand=brand)
        team.mentors.add(mentor)
        teams.append(team)

    students = []
    for c, school_class in enumerate(classes):
        for i in range(STUDENTS_PER_CLASS):
            s = Student(
                school=school, student_number=f"2019{c + 1:02d}{i + 1:03d}", name=synthetic.make_name(rng),
                id_number=synthetic.make_id_number(rng), phone=synthetic.make_phone(rng),
                bank_card=synthetic.make_bank_card(rng), bank_name="中国建设银行长沙分行",
            )
            s.refresh_digests()
            students.append((s, school_class))
    Student.objects.bulk_create([s for s, _ in students])
    enrolments = []
    for n, (student, school_class) in enumerate(students):
        # Each class is split over two teams, as the seeds' brand groups were.
        enrolments.append(Enrolment(
            programme=programme, student=student, school_class=school_class,
            team=teams[n % len(teams)], shop_account_id=f"demo:{student.student_number}",
        ))
    Enrolment.objects.bulk_create(enrolments)
    # One group leader per ten members of each team.
    for team in teams:
        members = list(Enrolment.objects.filter(team=team).order_by("student__student_number"))
        leaders = members[::10]
        for leader in leaders:
            leader.is_group_leader = True
        for k, member in enumerate(members):
            if not member.is_group_leader:
                member.group_leader = leaders[k // 10]
        Enrolment.objects.bulk_update(members, ["is_group_leader", "group_leader"])
    log(f"已创建演示项目：{programme}（{len(students)} 名学生）")
