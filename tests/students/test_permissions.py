"""Every URL of the students area × every role: the expected status.

Outside the user's scope a page is 404 (nothing revealed about what exists);
inside it, a role without the right gets 403; anonymous users go to login.
"""

import pytest
from django.urls import reverse

from programs.students.models import StudentImport

OK, FORBIDDEN, HIDDEN, LOGIN, NOT_ALLOWED = 200, 403, 404, 302, 405
ROLES = ["anonymous", "coordinator", "mentor_a", "mentor_b", "finance", "admin",
         "other_coordinator", "other_finance", "other_mentor"]

# Import pages: the coordinators of the programme's school (and admins).
MANAGE = dict(zip(ROLES, [LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, HIDDEN, HIDDEN, HIDDEN], strict=True))
# A team A student's page: whoever sees the enrolment (mentor B does not).
DETAIL = dict(zip(ROLES, [LOGIN, OK, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN], strict=True))
# Reveal (POST): finance only.
REVEAL = dict(zip(ROLES, [LOGIN, FORBIDDEN, FORBIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN], strict=True))


def _urls(world):
    record = StudentImport.objects.create(programme=world.programme, created_by=world.coordinator,
                                          file_name="a.xlsx", status=StudentImport.Status.IMPORTED)
    p, e = world.programme.pk, world.enrolments_a[0].pk
    return {
        "import": ("get", reverse("programs:student_import", args=[p]), MANAGE),
        "import_post": ("post", reverse("programs:student_import", args=[p]), {**MANAGE, "coordinator": OK, "admin": OK}),
        "template": ("get", reverse("programs:student_import_template", args=[p]), MANAGE),
        "result": ("get", reverse("programs:student_import_result", args=[p, record.pk]), MANAGE),
        "detail": ("get", reverse("programs:enrolment_detail", args=[p, e]), DETAIL),
        "reveal": ("post", reverse("programs:enrolment_reveal", args=[p, e]), REVEAL),
        "reveal_get": ("get", reverse("programs:enrolment_reveal", args=[p, e]),
                       {**REVEAL, "coordinator": NOT_ALLOWED, "mentor_a": NOT_ALLOWED, "finance": NOT_ALLOWED,
                        "admin": NOT_ALLOWED, "mentor_b": NOT_ALLOWED, "other_coordinator": NOT_ALLOWED,
                        "other_finance": NOT_ALLOWED, "other_mentor": NOT_ALLOWED}),
    }


@pytest.mark.parametrize("page", ["import", "import_post", "template", "result", "detail", "reveal", "reveal_get"])
@pytest.mark.parametrize("role", ROLES)
def test_status_by_role(world, client_for, page, role):
    method, url, expected = _urls(world)[page]
    user = None if role == "anonymous" else getattr(world, role)
    response = getattr(client_for(user), method)(url)
    assert response.status_code == expected[role], (page, role)
    if expected[role] == LOGIN:
        assert response["Location"].startswith(reverse("login"))


def test_result_of_another_programme_is_hidden(world, client_for):
    from tests.factories import ProgrammeFactory

    other = ProgrammeFactory(agreement=world.agreement, name="另一个项目")
    record = StudentImport.objects.create(programme=other, created_by=world.coordinator, file_name="a.xlsx")
    url = reverse("programs:student_import_result", args=[world.programme.pk, record.pk])
    assert client_for(world.coordinator).get(url).status_code == 404
