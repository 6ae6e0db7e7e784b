"""Role checks on the user alone; object-level checks live in each app's permissions.py."""
from trainingweek.models import User


def is_admin(user) -> bool:
    return user.is_superuser or user.role == User.Role.ADMIN


def is_mentor(user) -> bool:
    """Mentors (and admins) make the company's day-to-day entries: attendance,
    online hours, KPI values, incidents. Which teams is scoped separately."""
    return is_admin(user) or user.role == User.Role.MENTOR
