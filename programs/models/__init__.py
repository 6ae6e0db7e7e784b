from .attendance import Attendance, Departure, LeaveRequest
from .rosters import (
    CellKind,
    RosterEntry,
    RosterPlan,
    RosterSpecialDay,
    ScheduleOverride,
    ShiftTemplate,
)
from .settlement import (
    DeadlineReminder,
    HolidayCalendarDay,
    HolidayCalendarYear,
    Room,
    RoomUse,
    SettlementPayment,
    SettlementRecord,
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
from .students import StudentImport

__all__ = [
    "Agreement",
    "Attendance",
    "CellKind",
    "DeadlineReminder",
    "Departure",
    "Enrolment",
    "HolidayCalendarDay",
    "HolidayCalendarYear",
    "LeaveRequest",
    "Phase",
    "Programme",
    "Room",
    "RoomUse",
    "RosterEntry",
    "RosterPlan",
    "RosterSpecialDay",
    "ScheduleOverride",
    "SchoolClass",
    "SettlementPayment",
    "SettlementRecord",
    "ShiftTemplate",
    "Student",
    "StudentImport",
    "Team",
]
