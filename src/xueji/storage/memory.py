"""The in-memory store: the reference implementation of the storage protocols.

Units of work are serialised by one lock and write straight into the tables,
recording an undo action for each write; an exception inside the unit undoes them in
reverse order, so a refused or failed command leaves nothing behind.

>>> store = MemoryStore()
>>> from xueji.model import Unit, UnitLevel
>>> with store.unit_of_work() as uow:
...     uow.units.add(Unit("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000"))
>>> try:
...     with store.unit_of_work() as uow:
...         uow.units.add(Unit("3401", "合肥市教育局", UnitLevel.CITY, "340100", "34"))
...         raise RuntimeError("boom")
... except RuntimeError:
...     pass
>>> with store.unit_of_work() as uow:
...     [u.code for u in uow.units.list()]
['34']
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import attrs

from xueji.errors import ConcurrencyConflict, DuplicateKey
from xueji.lifecycle.tables import SEATED, RequestKind, RequestState, StudentStatus
from xueji.model import ChangeEntry, Request, School, SchoolClass, Student, Unit
from xueji.numbers import check_counts
from xueji.policy.values import Stage

__all__ = ["MemoryStore"]

T = TypeVar("T")
Undo = list[Callable[[], None]]


_conflict = ConcurrencyConflict.version


class _Table:
    """A dict with undo, shared by the simple repositories."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows: dict[str, Any] = {}
        self.undo: Undo = []

    def put_new(self, key: str, value: Any) -> None:
        if key in self.rows:
            raise DuplicateKey(self.kind, key)
        self.rows[key] = value
        self.undo.append(lambda: self.rows.pop(key, None))

    def replace(self, key: str, value: Any, expected: int | None = None) -> None:
        """Replace the row whose version is ``expected`` (default: one before the new)."""
        want = value.version - 1 if expected is None else expected
        old = self.rows.get(key)
        if old is None:
            raise _conflict(self.kind, key, want, -1)
        if old.version != want:
            raise _conflict(self.kind, key, want, old.version)
        self.rows[key] = value
        self.undo.append(lambda: self.rows.__setitem__(key, old))


class _Units:
    def __init__(self, t: _Table, schools: _Table) -> None:
        self.t = t
        self.schools = schools  # one code space with the schools'

    def get(self, code: str) -> Unit | None:
        return self.t.rows.get(code)

    def add(self, unit: Unit) -> None:
        if unit.code in self.schools.rows:
            raise DuplicateKey("school", unit.code, adding="unit")
        self.t.put_new(unit.code, unit)

    def list(self) -> Iterable[Unit]:
        return list(self.t.rows.values())


class _Schools:
    def __init__(self, t: _Table, units: _Table) -> None:
        self.t = t
        self.units = units  # one code space with the units'

    def get(self, code: str) -> School | None:
        return self.t.rows.get(code)

    def get_many(self, codes: Iterable[str]) -> dict[str, School]:
        return {c: self.t.rows[c] for c in codes if c in self.t.rows}

    def add(self, school: School) -> None:
        if school.code in self.units.rows:
            raise DuplicateKey("unit", school.code, adding="school")
        self.t.put_new(school.code, school)

    def list(self) -> Iterable[School]:
        return list(self.t.rows.values())


def _moves_up(
    s: Student,
    statuses: frozenset[StudentStatus],
    final_grades: Mapping[Stage, int],
    exclude: frozenset[str],
) -> bool:
    """The rollover's test of a student who goes up a grade: the students' promotion,
    and the classes' (a class goes up with its students)."""
    return s.status in statuses and s.grade < final_grades[s.stage] and s.id not in exclude


class _Classes:
    def __init__(self, t: _Table, students: _Table) -> None:
        self.t = t
        self.students = students  # promote: a class moves up with its students

    def get(self, class_id: str) -> SchoolClass | None:
        return self.t.rows.get(class_id)

    def get_many(self, class_ids: Iterable[str]) -> dict[str, SchoolClass]:
        return {c: self.t.rows[c] for c in class_ids if c in self.t.rows}

    def add(self, klass: SchoolClass) -> None:
        self.t.put_new(klass.id, klass)

    def update(self, klass: SchoolClass) -> None:
        old = self.t.rows[klass.id]
        self.t.rows[klass.id] = klass
        self.t.undo.append(lambda: self.t.rows.__setitem__(klass.id, old))

    def promote(
        self,
        statuses: frozenset[StudentStatus],
        final_grades: Mapping[Stage, int],
        exclude: frozenset[str],
    ) -> int:
        moving = {
            (s.class_id, s.grade)
            for s in self.students.rows.values()
            if _moves_up(s, statuses, final_grades, exclude)
        }
        moved = 0
        for class_id in sorted({c for c, _ in moving}):
            c = self.t.rows.get(class_id)
            if c is not None and (class_id, c.grade) in moving:
                self.update(attrs.evolve(c, grade=c.grade + 1))
                moved += 1
        return moved

    def by_school(self, school: str) -> Iterable[SchoolClass]:
        return [c for c in self.t.rows.values() if c.school == school]


class _Index:
    """A multi-valued secondary index (key -> set of ids) with undo."""

    def __init__(self, undo: Undo) -> None:
        self.map: dict[str, set[str]] = {}
        self.undo = undo

    def add(self, key: str | None, ident: str) -> None:
        if key is None:
            return
        bucket = self.map.setdefault(key, set())
        if ident not in bucket:
            bucket.add(ident)
            self.undo.append(lambda: bucket.discard(ident))

    def remove(self, key: str | None, ident: str) -> None:
        if key is None:
            return
        bucket = self.map.get(key)
        if bucket and ident in bucket:
            bucket.discard(ident)
            self.undo.append(lambda: bucket.add(ident))

    def get(self, key: str) -> set[str]:
        return self.map.get(key, set())


def _numbers_of(s: Student) -> list[str]:
    """The numbers that find ``s`` (:meth:`~xueji.numbers.NumberRecord.answers_to`)."""
    if not s.numbers:
        return []
    return [n.text for n in s.numbers.all_numbers if n.text not in s.numbers.voided]


class _Students:
    def __init__(self, t: _Table) -> None:
        self.t = t
        self.by_id = _Index(t.undo)
        self.by_number = _Index(t.undo)
        self.by_guardian_ix = _Index(t.undo)
        self.by_school_ix = _Index(t.undo)
        self.class_count: dict[tuple[str, int], int] = {}  # seats by (class, grade)

    def _count(self, s: Student, delta: int) -> None:
        if s.status in SEATED:
            key = (s.class_id, s.grade)
            self.class_count[key] = self.class_count.get(key, 0) + delta
            self.t.undo.append(
                lambda: self.class_count.__setitem__(key, self.class_count[key] - delta)
            )

    def _index(self, s: Student, add: bool) -> None:
        for ix, key in (
            (self.by_id, s.id_number),
            (self.by_guardian_ix, s.guardian_id),
            (self.by_school_ix, s.school),
            *((self.by_number, n) for n in _numbers_of(s)),
        ):
            if add:
                ix.add(key, s.id)
            else:
                ix.remove(key, s.id)
        self._count(s, 1 if add else -1)

    def get(self, student_id: str) -> Student | None:
        return self.t.rows.get(student_id)

    def add(self, student: Student) -> None:
        self.t.put_new(student.id, student)
        self._index(student, True)

    def add_many(self, students: Sequence[Student]) -> None:
        for s in students:  # the unit of work undoes a partial batch
            self.add(s)

    def update(self, student: Student, expected: int | None = None) -> None:
        old: Student = self.t.rows.get(student.id, student)
        self.t.replace(student.id, student, expected)
        self._index(old, False)
        self._index(student, True)

    def get_many(self, student_ids: Iterable[str]) -> dict[str, Student]:
        return {i: self.t.rows[i] for i in student_ids if i in self.t.rows}

    def schools_of(self, student_ids: Iterable[str]) -> dict[str, str]:
        """The school of each of ``student_ids`` that exists (see the SQL store's)."""
        return {i: self.t.rows[i].school for i in student_ids if i in self.t.rows}

    def ids_in_school(self, school: str) -> list[str]:
        """The ids of the school's students (see the SQL store's)."""
        return sorted(self.by_school_ix.get(school))

    def update_many(self, items: Sequence[tuple[Student, int]]) -> None:
        for student, expected in items:  # the unit of work undoes a partial batch
            self.update(student, expected)

    def _many(self, ids: Iterable[str]) -> list[Student]:
        return [self.t.rows[i] for i in sorted(ids)]

    def by_id_number(self, id_number: str) -> list[Student]:
        return self._many(self.by_id.get(id_number))

    def by_id_numbers(self, id_numbers: Iterable[str]) -> dict[str, list[Student]]:
        return {n: self.by_id_number(n) for n in set(id_numbers) if self.by_id.get(n)}

    def by_registry_number(self, number: str) -> list[Student]:
        return self._many(self.by_number.get(number))

    def by_guardian(self, guardian_id: str) -> list[Student]:
        return self._many(self.by_guardian_ix.get(guardian_id))

    def by_school(self, school: str) -> list[Student]:
        return self._many(self.by_school_ix.get(school))

    def count_in_class(self, class_id: str, grade: int) -> int:
        return self.class_count.get((class_id, grade), 0)

    def count_in_classes(self, classes: Mapping[str, int]) -> dict[str, int]:
        return {c: self.class_count.get((c, g), 0) for c, g in classes.items()}

    def all(self) -> Iterator[Student]:
        return iter(list(self.t.rows.values()))

    def tally(self, schools: Iterable[str]) -> dict[tuple[str, Stage, int, StudentStatus], int]:
        return {key: n for key, (n, _, _) in self.tally_flags(schools).items()}

    def tally_flags(
        self, schools: Iterable[str]
    ) -> dict[tuple[str, Stage, int, StudentStatus], tuple[int, int, int]]:
        """:meth:`tally` with the migrant (随迁子女) and special-needs (残疾学生) students
        of each count beside it: ``(students, migrant, special_needs)``."""
        out: dict[tuple[str, Stage, int, StudentStatus], tuple[int, int, int]] = {}
        for code in set(schools):
            for s in self.by_school(code):
                key = (code, s.stage, s.grade, s.status)
                n, migrant, special = out.get(key, (0, 0, 0))
                out[key] = (n + 1, migrant + s.migrant, special + s.special_needs)
        return out

    def promote(
        self,
        statuses: frozenset[StudentStatus],
        final_grades: Mapping[Stage, int],
        exclude: frozenset[str],
    ) -> int:
        moved = 0
        for s in list(self.t.rows.values()):
            if _moves_up(s, statuses, final_grades, exclude):
                self.update(attrs.evolve(s, grade=s.grade + 1, version=s.version + 1))
                moved += 1
        return moved

    def count_where(
        self, status: StudentStatus, final_grades: Mapping[Stage, int] | None = None
    ) -> int:
        return sum(
            1
            for s in self.t.rows.values()
            if s.status is status and (final_grades is None or s.grade >= final_grades[s.stage])
        )

    def in_final_grade(
        self, status: StudentStatus, final_grades: Mapping[Stage, int]
    ) -> Iterator[Student]:
        return iter(
            [
                s
                for s in self.t.rows.values()
                if s.status is status and s.grade >= final_grades[s.stage]
            ]
        )


class _Requests:
    def __init__(self, t: _Table) -> None:
        self.t = t
        self.open_by_student = _Index(t.undo)
        self.open_ids = _Index(t.undo)
        self.by_student = _Index(t.undo)  # every request, open or decided

    def _index(self, r: Request, add: bool) -> None:
        if r.is_open:
            if add:
                self.open_by_student.add(r.student, r.id)
                self.open_ids.add("open", r.id)
            else:
                self.open_by_student.remove(r.student, r.id)
                self.open_ids.remove("open", r.id)

    def get(self, request_id: str) -> Request | None:
        return self.t.rows.get(request_id)

    def add(self, request: Request) -> None:
        self.t.put_new(request.id, request)
        self._index(request, True)
        self.by_student.add(request.student, request.id)  # (a request keeps its student)

    def update(self, request: Request, expected: int | None = None) -> None:
        old: Request = self.t.rows.get(request.id, request)
        self.t.replace(request.id, request, expected)
        self._index(old, False)
        self._index(request, True)

    def update_many(self, items: Sequence[tuple[Request, int]]) -> None:
        for request, expected in items:
            self.update(request, expected)

    def open_for_student(self, student_id: str) -> list[Request]:
        return [self.t.rows[i] for i in sorted(self.open_by_student.get(student_id))]

    def for_student(self, student_id: str) -> list[Request]:
        return [self.t.rows[i] for i in sorted(self.by_student.get(student_id))]

    def open_due_before(self, day: _dt.date) -> list[Request]:
        rows = (self.t.rows[i] for i in self.open_ids.get("open"))
        return sorted(
            (r for r in rows if r.deadline is not None and r.deadline < day),
            key=lambda r: (r.deadline, r.id),
        )

    def all(self) -> Iterator[Request]:
        return iter(list(self.t.rows.values()))

    def open(self) -> Iterator[Request]:
        return iter([self.t.rows[i] for i in sorted(self.open_ids.get("open"))])

    def of_kind(self, kind: RequestKind, state: RequestState) -> Iterator[Request]:
        found = [r for r in self.t.rows.values() if r.kind is kind and r.state is state]
        return iter(sorted(found, key=lambda r: r.id))


class _Log:
    def __init__(self, undo: Undo) -> None:
        self.rows: list[ChangeEntry] = []
        self.by_subject: dict[str, list[ChangeEntry]] = {}
        self.undo = undo

    def append(self, entry: ChangeEntry) -> ChangeEntry:
        if entry.seq != len(self.rows) + 1:
            raise _conflict("change log", str(entry.seq), len(self.rows) + 1, entry.seq)
        self.rows.append(entry)
        self.by_subject.setdefault(entry.subject, []).append(entry)
        self.undo.append(self._drop_last)
        return entry

    def append_many(self, entries: Sequence[ChangeEntry]) -> None:
        for e in entries:
            self.append(e)

    def _drop_last(self) -> None:
        entry = self.rows.pop()
        self.by_subject[entry.subject].pop()

    def last(self, subject: str | None = None) -> ChangeEntry | None:
        rows = self.rows if subject is None else self.by_subject.get(subject, [])
        return rows[-1] if rows else None

    def entries(self, subject: str | None = None) -> list[ChangeEntry]:
        return list(self.rows if subject is None else self.by_subject.get(subject, []))

    def stream(self) -> Iterator[ChangeEntry]:
        return iter(self.rows.copy())  # the entries are in memory already: no batches

    def last_many(self, subjects: Iterable[str]) -> dict[str, ChangeEntry]:
        return {s: self.by_subject[s][-1] for s in subjects if self.by_subject.get(s)}


class _Meta:
    def __init__(self, t: _Table) -> None:
        self.t = t

    def get(self, key: str) -> str | None:
        return self.t.rows.get(key)

    def set(self, key: str, value: str) -> None:
        old = self.t.rows.get(key)
        self.t.rows[key] = value
        self.t.undo.append(
            (lambda: self.t.rows.pop(key, None))
            if old is None
            else (lambda: self.t.rows.__setitem__(key, old))
        )

    def prefixed(self, prefix: str) -> Iterator[tuple[str, str]]:
        found = sorted((k, v) for k, v in self.t.rows.items() if k.startswith(prefix))
        return iter(found)

    def delete(self, keys: Iterable[str]) -> int:
        gone = {k: v for k in set(keys) if (v := self.t.rows.pop(k, None)) is not None}
        if gone:
            self.t.undo.append(lambda: self.t.rows.update(gone))
        return len(gone)


class _Allocator:
    def __init__(self, undo: Undo) -> None:
        self.next_: dict[str, int] = {}
        self.undo = undo

    def next(self, key: str) -> int:
        return self.reserve({key: 1})[key]

    def reserve(self, counts: Mapping[str, int]) -> dict[str, int]:
        check_counts(counts)
        first = {k: self.next_.get(k, 0) + 1 for k in counts}
        before = {k: self.next_.get(k) for k in counts}
        for key, n in counts.items():
            self.next_[key] = first[key] + n - 1
        self.undo.append(lambda: self._restore(before))
        return first

    def _restore(self, before: Mapping[str, int | None]) -> None:
        for key, value in before.items():
            if value is None:
                self.next_.pop(key, None)
            else:
                self.next_[key] = value


class MemoryStore:
    """Every table in memory; units of work serialised and undone on failure."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._undo: Undo = []
        t = {k: _Table(k) for k in ("unit", "school", "class", "student", "request", "meta")}
        for table in t.values():
            table.undo = self._undo
        self.units = _Units(t["unit"], t["school"])
        self.schools = _Schools(t["school"], t["unit"])
        self.classes = _Classes(t["class"], t["student"])
        self.students = _Students(t["student"])
        self.requests = _Requests(t["request"])
        self.log = _Log(self._undo)
        self.meta = _Meta(t["meta"])
        self.allocator = _Allocator(self._undo)
        self._depth = 0
        self._owner: int | None = None  # the thread whose unit of work is open

    def in_unit_of_work(self) -> bool:
        """Whether the calling thread has a unit of work of this store open."""
        return self._depth > 0 and self._owner == threading.get_ident()

    def reading(self) -> AbstractContextManager[MemoryStore]:
        """A unit of work for reads only (in memory, any unit: they are serialised)."""
        return self.unit_of_work()

    @contextmanager
    def unit_of_work(self) -> Iterator[MemoryStore]:
        """A unit of work over this store (nested units join the outer one)."""
        with self._lock:
            self._depth += 1
            self._owner = threading.get_ident()
            mark = len(self._undo)
            try:
                yield self
            except BaseException:
                while len(self._undo) > mark:
                    self._undo.pop()()
                raise
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._undo.clear()  # committed (or already undone): nothing to keep
