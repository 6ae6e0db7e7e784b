from .structure import (
    Agreement,
    Enrolment,
    Phase,
    Programme,
    SchoolClass,
    Student,
    Team,
)

__all__ = [
    "Agreement",
    "Enrolment",
    "Phase",
    "Programme",
    "SchoolClass",
    "Student",
    "Team",
]
