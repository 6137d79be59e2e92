"""A write-behind unit of work: a bulk command's writes kept in memory, stored in batches.

A command that touches many records one by one (the deadline sweep approving
thousands of overdue stages) would pay the store's per-statement cost several times
per record. :class:`WriteBehind` wraps the command's :class:`UnitOfWork`: the
records the command will read are loaded with one query per batch (:meth:`preload`),
updates of students and requests and new change-log entries are kept in memory, and
:meth:`flush` stores them with one ``update_many``/``append_many`` each. Reads see the
command's own writes. Any other repository method flushes first and then goes to the
store, so nothing is ever read stale. Optimistic concurrency is kept: each record is
written only if the store still holds the version the batch first read.

It uses only the storage protocols, so it works over every store.

>>> from xueji.storage.memory import MemoryStore
>>> store = MemoryStore()
>>> with store.unit_of_work() as uow:
...     wb = WriteBehind(uow)
...     wb.log.last() is None
True
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from xueji.errors import ConcurrencyConflict
from xueji.lifecycle.tables import SEATED
from xueji.model import ChangeEntry, Request, Student
from xueji.numbers import SequenceAllocator
from xueji.storage.protocols import (
    ChangeLog,
    ClassRepository,
    MetaRepository,
    RequestRepository,
    SchoolRepository,
    StudentRepository,
    UnitOfWork,
    UnitRepository,
)

__all__ = ["WriteBehind"]


_conflict = ConcurrencyConflict.version


class _Owner:
    """The batch a buffer belongs to, held weakly: a buffer and its batch would
    otherwise make a reference cycle, and a bulk command that pauses the garbage
    collector (the rollover's batches) would keep every batch it has finished, with
    the records it read, until the command ends."""

    __slots__ = ("_ref",)

    def __init__(self, owner: WriteBehind) -> None:
        self._ref = weakref.ref(owner)

    def flush(self, alone: Callable[[], None]) -> None:
        """Flush the batch; a buffer kept after its batch was let go flushes itself
        (``alone``), so that its writes are stored and its reads are not stale."""
        owner = self._ref()
        if owner is not None:
            owner.flush()
        else:
            alone()


class _Buffered:
    """Records of one kind: loaded (with the version read), changed (not yet stored)."""

    kind = ""

    def __init__(self, owner: WriteBehind, base: Any) -> None:
        self.owner = _Owner(owner)
        self.base = base
        self.seen: dict[str, Any] = {}  # the current value, stored or not
        self.read_at: dict[str, int] = {}  # the stored version each record was read at
        self.stored: dict[str, Any] = {}  # the value the store holds (read or flushed)
        self.dirty: dict[str, Any] = {}

    def remember(self, values: Iterable[Any]) -> None:
        for v in values:
            if v.id not in self.seen:
                self.seen[v.id] = v
                self.read_at[v.id] = v.version
                self.stored[v.id] = v

    def get(self, key: str) -> Any:
        if key not in self.seen:
            value = self.base.get(key)
            if value is None:
                return None
            self.remember([value])
        return self.seen[key]

    def update(self, value: Any) -> None:
        current = self.get(value.id)
        if current is None or current.version != value.version - 1:
            found = -1 if current is None else current.version
            raise _conflict(self.kind, value.id, value.version - 1, found)
        self.seen[value.id] = value
        self.dirty[value.id] = value

    def flush(self) -> None:
        if self.dirty:
            items = [(v, self.read_at[k]) for k, v in self.dirty.items()]
            self.base.update_many(items)
            for k, v in self.dirty.items():
                self.read_at[k] = v.version
                self.stored[k] = v
            self.dirty.clear()

    def __getattr__(self, name: str) -> Any:
        """Any other method: store what is pending, then ask the store."""
        self.owner.flush(self.flush)
        self.seen.clear()
        self.read_at.clear()
        self.stored.clear()
        return getattr(self.base, name)


class _Students(_Buffered):
    kind = "student"

    def __init__(self, owner: WriteBehind, base: Any) -> None:
        super().__init__(owner, base)
        self.counts: dict[tuple[str, int], int] = {}  # the store's, read by preload
        self.moved: dict[tuple[str, int], int] = {}  # seats the batch's changes move

    def update(self, value: Any) -> None:
        before = self.dirty.get(value.id) or self.get(value.id)
        super().update(value)
        if before is not None:  # (the batch's last value of it, moved from)
            self._move(before, -1)
        self._move(value, 1)

    def _move(self, s: Student, by: int) -> None:
        if s.status in SEATED:
            key = (s.class_id, s.grade)
            self.moved[key] = self.moved.get(key, 0) + by

    def count_in_class(self, class_id: str, grade: int) -> int:
        """The store's count with the batch's own moves, not stored yet: no flush (the
        deadline sweep asks at each transfer it completes, Art 16). The store's count
        is the one :meth:`WriteBehind.preload` read, if it read it."""
        n = self.counts.get((class_id, grade))
        if n is None:
            n = self.counts[class_id, grade] = self.base.count_in_class(class_id, grade)
        return n + self.moved.get((class_id, grade), 0)

    def flush(self) -> None:
        super().flush()
        self.counts.clear()  # (the store's counts now hold the moves stored)
        self.moved.clear()

    def __getattr__(self, name: str) -> Any:
        self.counts.clear()
        self.moved.clear()
        return super().__getattr__(name)


class _Requests(_Buffered):
    kind = "request"


class _Log:
    """New entries kept in order; ``last`` answers from them first."""

    def __init__(self, owner: WriteBehind, base: ChangeLog) -> None:
        self.owner = _Owner(owner)
        self.base = base
        self.pending: list[ChangeEntry] = []
        self.latest: dict[str | None, ChangeEntry | None] = {}

    def preload(self, subjects: Iterable[str]) -> None:
        wanted = [s for s in subjects if s not in self.latest]
        found = self.base.last_many(wanted)
        for s in wanted:
            self.latest[s] = found.get(s)

    def last(self, subject: str | None = None) -> ChangeEntry | None:
        if subject not in self.latest:
            self.latest[subject] = self.base.last(subject)
        return self.latest[subject]

    def append(self, entry: ChangeEntry) -> ChangeEntry:
        previous = self.last()
        expected = (previous.seq if previous else 0) + 1
        if entry.seq != expected:
            raise _conflict("change log", str(entry.seq), expected, entry.seq)
        self.pending.append(entry)
        self.latest[None] = entry
        self.latest[entry.subject] = entry
        return entry

    def flush(self) -> None:
        if self.pending:
            self.base.append_many(self.pending)
            self.pending = []

    def __getattr__(self, name: str) -> Any:
        self.owner.flush(self.flush)
        return getattr(self.base, name)


class _Meta:
    """The meta table of a batch: a key read once is answered again from memory, a
    key written or deleted through it is remembered so (the batch's own unit of
    work is the only writer it sees). The deadline sweep asks a key per default
    approval (whether any class seat is held for a transfer: the registry's
    ``held_seats:any``); before, each was a query (a fifth of the sweep's time)."""

    def __init__(self, base: MetaRepository) -> None:
        self.base = base
        self.known: dict[str, str | None] = {}

    def get(self, key: str) -> str | None:
        if key not in self.known:
            self.known[key] = self.base.get(key)
        return self.known[key]

    def set(self, key: str, value: str) -> None:
        self.base.set(key, value)
        self.known[key] = value

    def prefixed(self, prefix: str) -> Iterator[tuple[str, str]]:
        return self.base.prefixed(prefix)

    def delete(self, keys: Iterable[str]) -> int:
        gone = list(keys)
        n = self.base.delete(gone)
        self.known.update(dict.fromkeys(gone))
        return n


class WriteBehind:
    """A :class:`~xueji.storage.protocols.UnitOfWork` over ``uow`` whose student,
    request and change-log writes are stored by :meth:`flush` (call it before the
    unit of work ends; leaving the ``with`` block of the outer unit without flushing
    loses the pending writes, by design of an explicit batch)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.base = uow
        self._students = _Students(self, uow.students)
        self._requests = _Requests(self, uow.requests)
        self._log = _Log(self, uow.log)
        self._meta = _Meta(uow.meta)

    @property
    def students(self) -> StudentRepository:
        return self._students

    @property
    def requests(self) -> RequestRepository:
        return self._requests

    @property
    def log(self) -> ChangeLog:
        return self._log

    @property
    def units(self) -> UnitRepository:
        return self.base.units

    @property
    def schools(self) -> SchoolRepository:
        return self.base.schools

    @property
    def classes(self) -> ClassRepository:
        return self.base.classes

    @property
    def meta(self) -> MetaRepository:
        return self._meta

    @property
    def allocator(self) -> SequenceAllocator:
        return self.base.allocator

    def preload(self, requests: Iterable[Request]) -> None:
        """Load, with one query each, what work on ``requests`` will read: the
        requests themselves (as given), their students, and the last change-log entry
        of each."""
        reqs = list(requests)
        self._requests.remember(reqs)
        wanted = {r.student for r in reqs} - self._students.seen.keys()
        self._students.remember(self.base.students.get_many(wanted).values())
        self._log.preload([*(r.id for r in reqs), *(r.student for r in reqs)])
        # the schools and classes they name (the store's unit keeps what it read), and
        # each class's size in its grade (Art 16, asked again at a final approval)
        self.base.schools.get_many(
            {c for r in reqs for c in (r.from_school, r.to_school) if c is not None}
        )
        classes = self.base.classes.get_many({r.to_class for r in reqs if r.to_class})
        wanted_sizes = {
            k: c.grade for k, c in classes.items() if (k, c.grade) not in self._students.counts
        }
        if wanted_sizes:
            sizes = self.base.students.count_in_classes(wanted_sizes)
            self._students.counts.update(((k, wanted_sizes[k]), n) for k, n in sizes.items())

    def preload_students(self, students: Iterable[Student]) -> None:
        """Take ``students`` as read (each written only if the store still holds the
        version given) and load the last change-log entry of each with one query: a
        bulk command on students it has listed (the rollover's 结业)."""
        found = list(students)
        self._students.remember(found)
        self._log.preload(s.id for s in found)

    def flush(self) -> None:
        """Store every pending write: students, requests, then the log entries."""
        self._students.flush()
        self._requests.flush()
        self._log.flush()

    def pending(self) -> int:
        """Writes not stored yet."""
        return len(self._students.dirty) + len(self._requests.dirty) + len(self._log.pending)
