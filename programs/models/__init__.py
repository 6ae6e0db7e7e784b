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
    "DeadlineReminder",
    "Enrolment",
    "HolidayCalendarDay",
    "HolidayCalendarYear",
    "Phase",
    "Programme",
    "Room",
    "RoomUse",
    "SchoolClass",
    "SettlementPayment",
    "SettlementRecord",
    "Student",
    "StudentImport",
    "Team",
]
