"""The to-do inbox each role lands on: one registry, filled by the apps.

Core imports no app, so the apps register their own items, in their
``inbox.py`` (imported by their ``AppConfig.ready``), the way they register
job kinds::

    @register_inbox_item("attendance.leave_for_mentor", roles=[User.Role.MENTOR],
                         label=_("Leave waiting for you"), order=10)
    def leave_for_mentor(user, today) -> list[InboxEntry]: ...

A provider reads through its app's selectors with a fixed number of queries
(never one per programme, team or student) and only within what the user
may see (the ``visible_*`` selectors). It returns one :class:`InboxEntry` per
place the work is done (a programme's leave list, a batch…), each with its
count and the URL of that page; no entries means nothing to do.

:func:`inbox_for` asks every provider of the user's role and returns the
items with work first (in their order), then the done ones.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone


@dataclass(frozen=True)
class InboxEntry:
    """Work waiting in one place: how much, where it is done, and what the place is."""

    count: int
    url: str
    where: str = ""


Provider = Callable[[object, date], list[InboxEntry]]


@dataclass(frozen=True)
class InboxKind:
    key: str
    roles: frozenset[str]
    label: str
    order: int
    provider: Provider


@dataclass
class InboxItem:
    """One kind of task on a user's inbox, with the places it waits (none: done)."""

    key: str
    label: str
    entries: list[InboxEntry] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(e.count for e in self.entries)

    @property
    def done(self) -> bool:
        return self.total == 0


#: key → the kind of task (filled by each app's inbox.py).
INBOX_KINDS: dict[str, InboxKind] = {}


def register_inbox_item(key: str, *, roles: Iterable[str], label, order: int = 100) -> Callable[[Provider], Provider]:
    """Decorator: ``provider`` counts the tasks ``key`` of the users of ``roles``.

    ``label`` is what the task is (a lazy translation); ``order`` places it
    on the page. A key has one provider."""

    def register(provider: Provider) -> Provider:
        known = INBOX_KINDS.get(key)
        if known is not None and (known.provider.__module__, known.provider.__qualname__) != (
                provider.__module__, provider.__qualname__):
            raise ValueError(f"inbox item {key!r} is already registered by {known.provider.__module__}")
        INBOX_KINDS[key] = InboxKind(key, frozenset(str(r) for r in roles), label, order, provider)
        return provider

    return register


def today() -> date:
    """The day the inbox counts for (local time, Asia/Shanghai)."""
    return timezone.localdate()


def inbox_for(user, on: date | None = None) -> list[InboxItem]:
    """The inbox of ``user``'s role: work to do first, then what is done."""
    on = on or today()
    kinds = sorted((k for k in INBOX_KINDS.values() if getattr(user, "role", None) in k.roles),
                   key=lambda k: (k.order, k.key))
    items = [InboxItem(k.key, str(k.label), [e for e in k.provider(user, on) if e.count > 0]) for k in kinds]
    return [i for i in items if not i.done] + [i for i in items if i.done]
