"""Reads: which teams and enrolments of a programme a user sees (a mentor: their own teams)."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from programs.agreements.models import Programme
from programs.agreements.selectors import count_by_programme, visible_programmes
from programs.students import rules
from programs.students.models import Enrolment, Student, StudentImport, Team
from trainingweek import crypto
from trainingweek.history import history_entries
from trainingweek.permissions import is_admin, is_mentor

#: A student's encrypted columns. List pages never load them: they show the
#: masked copies (``Student.*_masked``), so a list decrypts nothing.
PERSONAL_COLUMNS = ("id_number", "phone", "bank_card")


def without_personal_data(queryset: QuerySet, *paths: str) -> QuerySet:
    """``queryset`` with the encrypted columns of the students it loads
    deferred: ``paths`` name them from the queryset's model (``"student"``,
    ``"group_leader__student"``; ``""`` for a Student queryset itself). Reading
    one of them later would load and decrypt it: the tests of the list pages
    count decryptions."""
    return queryset.defer(*(f"{path}__{column}" if path else column for path in paths for column in PERSONAL_COLUMNS))


def student_search(value: str, *, student: str = "student", exact_personal: bool = False,
                   card_digest: str | None = None) -> Q:
    """What a list's search box matches: a name or student number containing
    ``value``; with ``exact_personal`` (users who may see personal data
    unmasked: finance) also a whole ID number, phone or bank card, found by
    its keyed digest, never by decrypting a row. ``student`` is the path to
    the student from the list's model; ``card_digest`` the path of a digest
    of a card frozen on the row itself (a payout item's account).

    For anyone else a typed ID number matches nothing by ID: the search must
    not tell a coordinator whose ID a number is (the import keeps the same
    rule, see ``tests/students/test_id_oracle.py``)."""
    value = value.strip()
    found = Q(**{f"{student}__name__icontains": value}) | Q(**{f"{student}__student_number__icontains": value})
    if not exact_personal:
        return found
    for column, check in (("id_number", rules.check_id_number), ("phone", rules.check_phone),
                          ("bank_card", rules.check_bank_card)):
        checked = check(value)
        if checked.ok:
            digest = crypto.digest(checked.value)
            found |= Q(**{f"{student}__{column}_digest": digest})
            if column == "bank_card" and card_digest:
                found |= Q(**{card_digest: digest})
    return found


def _mentor_only(user) -> bool:
    return is_mentor(user) and not is_admin(user)


def active_enrolments_of(by: str):
    """An annotation: the number of active enrolments of the row's programme,
    team or class (``by``: the enrolment's field pointing at the row), 0 when
    none. A correlated subquery, read from the enrolments' index for the rows
    shown only: not a GROUP BY over every row's enrolments, and no
    COUNT(DISTINCT) where a join multiplies the rows (a mentor's programmes)."""
    counted = (Enrolment.objects.filter(**{by: OuterRef("pk")}, status=Enrolment.Status.ACTIVE).order_by()
               .values(by).annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted), 0)


def visible_teams(user, programme: Programme) -> QuerySet[Team]:
    qs = programme.teams.all()
    if _mentor_only(user):
        qs = qs.filter(mentors=user)
    return qs


def visible_team_ids(user, programme: Programme) -> set[int] | None:
    """The ids of the teams a mentor works on; None for everyone else (no team limit)."""
    return set(visible_teams(user, programme).values_list("pk", flat=True)) if not is_admin(user) else None


def visible_enrolments(user, programme: Programme) -> QuerySet[Enrolment]:
    """The programme's enrolments the user sees: a mentor, those of their teams
    of the programme (a team's enrolments are its programme's: ``assign_team``
    refuses another's), found through the team index, so what a mentor's page
    reads does not grow with the programme's other students."""
    if _mentor_only(user):
        return Enrolment.objects.filter(team__in=visible_teams(user, programme).values("pk"))
    return Enrolment.objects.filter(programme=programme)


def require_team(user, programme: Programme, team_id) -> Team:
    """The team if the user may work on it (a mentor: only their own), else 404."""
    return get_object_or_404(visible_teams(user, programme), pk=team_id)


def enrolments_seen_by(user) -> QuerySet[Enrolment]:
    """The enrolments of every programme the user sees (a mentor: their teams'
    students only), as one queryset: what the inbox counts over."""
    qs = Enrolment.objects.filter(programme__in=visible_programmes(user).values("pk"))
    if _mentor_only(user):
        qs = qs.filter(team__mentors=user)
    return qs


def teams_seen_by(user) -> QuerySet[Team]:
    """The teams of every programme the user sees (a mentor: their own)."""
    qs = Team.objects.filter(programme__in=visible_programmes(user).values("pk"))
    if _mentor_only(user):
        qs = qs.filter(mentors=user)
    return qs


def rejected_imports(user) -> list[tuple[Programme, int]]:
    """Per programme the user sees, the rejected student imports not followed
    by a successful one (the list still waits for a good file). One query."""
    later_success = StudentImport.objects.filter(
        programme=OuterRef("programme"), status=StudentImport.Status.IMPORTED, created_at__gt=OuterRef("created_at"))
    return count_by_programme(StudentImport.objects.filter(
        programme__in=visible_programmes(user).values("pk"), status=StudentImport.Status.REJECTED,
    ).filter(~Exists(later_success)))


def group_leaders(programme: Programme) -> QuerySet[Enrolment]:
    """The programme's group leaders with their students and teams (one query)."""
    return Enrolment.objects.filter(programme=programme, is_group_leader=True).select_related(
        "student", "team").order_by("team__name", "student__student_number")


def chosen_enrolment_ids(programme: Programme, *, checked=(), school_class_id=None, leader_id=None) -> set:
    """What a coordinator chose on the enrolment list, as enrolment ids: the
    ticked ones (as posted: the service refuses ids not of the programme),
    every student of a class of the programme (every page, not only the one
    shown) and a group leader of the programme with their group. Raises
    ``LookupError`` for a class or leader not of this programme."""
    ids = set(checked)
    if school_class_id:
        if not programme.classes.filter(pk=school_class_id).exists():
            raise LookupError(school_class_id)
        ids |= set(Enrolment.objects.filter(programme=programme, school_class_id=school_class_id)
                   .values_list("pk", flat=True))
    if leader_id:
        leader = Enrolment.objects.filter(programme=programme, pk=leader_id, is_group_leader=True).first()
        if leader is None:
            raise LookupError(leader_id)
        ids |= {leader.pk, *Enrolment.objects.filter(programme=programme, group_leader=leader)
                .values_list("pk", flat=True)}
    return ids


def student_history(student) -> list:
    """The audit history of a student's record (ID number, phone and bank card masked)."""
    return history_entries(Student, id=student.pk)


def students_without_team(user) -> list[tuple[Programme, int]]:
    """Per programme the user sees, its active students in no team yet (no
    mentor sees them: no attendance, no KPI values). One query."""
    return count_by_programme(enrolments_seen_by(user).filter(team__isnull=True, status=Enrolment.Status.ACTIVE))
