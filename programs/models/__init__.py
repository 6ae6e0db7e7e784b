from .attendance import Attendance, Departure, LeaveRequest
from .rosters import (
    CellKind,
    RosterEntry,
    RosterPlan,
    RosterSpecialDay,
    ScheduleOverride,
    ShiftTemplate,
)
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
    "Attendance",
    "CellKind",
    "Departure",
    "Enrolment",
    "LeaveRequest",
    "Phase",
    "Programme",
    "RosterEntry",
    "RosterPlan",
    "RosterSpecialDay",
    "ScheduleOverride",
    "SchoolClass",
    "ShiftTemplate",
    "Student",
    "Team",
]
