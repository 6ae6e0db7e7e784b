from .structure import (
    Agreement,
    Enrolment,
    Phase,
    Programme,
    SchoolClass,
    Student,
    Team,
)
from .students import StudentImport

__all__ = [
    "Agreement",
    "Enrolment",
    "Phase",
    "Programme",
    "SchoolClass",
    "Student",
    "StudentImport",
    "Team",
]
