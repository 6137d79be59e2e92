"""Storage protocols: what the :class:`~xueji.registry.Registry` needs from a store.

A host application implements these (or uses :mod:`xueji.storage.memory` or
:mod:`xueji.storage.sql`), and proves its store with the contract suite,
:class:`xueji.testing.contract.StoreContract`. All writes of one command go through
one :class:`UnitOfWork`: they are committed together or not at all, and the
change-log entry is written in the same unit as the change it records.

The errors a store raises, each rolling the unit of work back:

- every ``add`` / ``add_many`` of a key the store holds already (a unit's, school's
  or class's code, a student's or request's id):
  :class:`~xueji.errors.DuplicateKey` (code ``storage.duplicate``). Not a conflict:
  the :class:`~xueji.registry.Registry` does not retry it. It is raised with no
  driver error behind it: not chained (``raise ... from e``) and not raised inside
  the driver's ``except`` block (``__cause__`` and ``__context__`` are None), since a
  driver's error keeps the row it was given, identity numbers in full (Art 30);
- every ``update`` is optimistic: the caller passes the new value whose ``version``
  is one more than the stored one; a store that finds another version raises
  :class:`~xueji.errors.ConcurrencyConflict` (code ``storage.conflict``;
  ``ConcurrencyConflict.version`` builds it), as does a change-log entry whose
  ``seq`` is not the next: another writer committed first, and the Registry runs the
  command again. A record never added has no stored version: its ``update`` or
  ``update_many`` is refused the same way, never turned into an add. A store whose database gave up waiting for a lock raises
  :class:`~xueji.errors.StoreBusy` (``storage.busy``), which it does not;
- a stored row that does not read back as a valid record:
  :class:`~xueji.errors.CorruptRecord`, naming its table and key;
- the database failing under the command: :class:`~xueji.errors.StorageError`.

Where a method promises no order, the Registry does not depend on one.

A record a store hands back is the caller's value: changing it changes nothing the
store holds. xueji's records are frozen, their mappings included
(:class:`~xueji.model.FrozenDict`), so a store that keeps the records it is given and
hands the same ones back (the memory store) keeps this promise; a store must not hand
out a mutable part of what it keeps.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from xueji.lifecycle.tables import StudentStatus
from xueji.model import ChangeEntry, Request, School, SchoolClass, Student, Unit
from xueji.numbers import SequenceAllocator
from xueji.policy.values import Stage

__all__ = [
    "ChangeLog",
    "ClassRepository",
    "MetaRepository",
    "RequestRepository",
    "SchoolRepository",
    "Store",
    "StudentRepository",
    "UnitOfWork",
    "UnitRepository",
]


class UnitRepository(Protocol):
    """Education authorities (Art 8)."""

    def get(self, code: str) -> Unit | None: ...
    def add(self, unit: Unit) -> None: ...
    def list(self) -> Iterable[Unit]:
        """Every unit, in no promised order."""
        ...


class SchoolRepository(Protocol):
    """Schools (Art 9)."""

    def get(self, code: str) -> School | None: ...
    def get_many(self, codes: Iterable[str]) -> dict[str, School]:
        """The schools of ``codes`` that exist, by code (one query for a bulk command)."""
        ...

    def add(self, school: School) -> None: ...
    def list(self) -> Iterable[School]:
        """Every school, in no promised order."""
        ...


class ClassRepository(Protocol):
    """Classes (Art 10)."""

    def get(self, class_id: str) -> SchoolClass | None: ...
    def get_many(self, class_ids: Iterable[str]) -> dict[str, SchoolClass]:
        """The classes of ``class_ids`` that exist, by id."""
        ...

    def add(self, klass: SchoolClass) -> None: ...
    def update(self, klass: SchoolClass) -> None:
        """Replace a class."""
        ...

    def promote(
        self,
        statuses: frozenset[StudentStatus],
        final_grades: Mapping[Stage, int],
        exclude: frozenset[str],
    ) -> int:
        """Set-based promotion of classes (the 1 August rollover): every class holding
        a student of its own grade whom :meth:`StudentRepository.promote` with the same
        arguments moves up goes up one grade with them; call it first, before the
        students move. A
        class in the final grade of its stage (its students graduate or are held),
        an empty class (one opened in July for the new first grade) and a class whose
        students are all held stay where they are. Returns how many classes moved."""
        ...

    def by_school(self, school: str) -> Iterable[SchoolClass]: ...


class StudentRepository(Protocol):
    """Student registry records.

    Three methods are optional, and the :class:`~xueji.registry.Registry` uses them where
    a repository has them: ``schools_of(student_ids) -> dict[str, str]`` (the school of
    each existing student, without reading the records: a county's Art 32 report then
    reads the records of its own students only), ``ids_in_school(school) ->
    list[str]`` (the ids of a school's students, without reading the records: a
    county's Art 32 report looks for records no log entry names; without it, it reads
    the school's records), and ``tally_flags(schools) -> dict[(school, stage, grade,
    status), (students, migrant, special_needs)]`` (:meth:`tally` with the migrant
    children, 随迁子女, and the special-needs students, 残疾学生, of each count beside
    it: the Art 28 statistics count them; without it, they leave the two counts
    blank)."""

    def get(self, student_id: str) -> Student | None: ...
    def add(self, student: Student) -> None: ...
    def add_many(self, students: Sequence[Student]) -> None:
        """Store new records at once (a bulk enrolment's write-behind batch); a key that
        exists already fails the whole batch."""
        ...

    def update(self, student: Student) -> None:
        """Replace the stored record whose version is ``student.version - 1``: any
        other version, or no stored record, is a
        :class:`~xueji.errors.ConcurrencyConflict`."""
        ...

    def get_many(self, student_ids: Iterable[str]) -> dict[str, Student]:
        """The records of ``student_ids`` that exist, by id."""
        ...

    def update_many(self, items: Sequence[tuple[Student, int]]) -> None:
        """Replace each record whose stored version is the one paired with it (a
        write-behind batch that may have moved a record several versions on); any
        other version fails the batch with :class:`~xueji.errors.ConcurrencyConflict`."""
        ...

    def by_id_number(self, id_number: str) -> list[Student]: ...
    def by_id_numbers(self, id_numbers: Iterable[str]) -> dict[str, list[Student]]:
        """:meth:`by_id_number` for many numbers at once; numbers with no record are
        left out."""
        ...

    def by_registry_number(self, number: str) -> list[Student]:
        """Students who hold or ever held ``number``, except those for whom it is voided
        (:meth:`~xueji.numbers.NumberRecord.answers_to`: a G number issued from an
        identity number later corrected is another person's)."""
        ...

    def by_guardian(self, guardian_id: str) -> list[Student]: ...
    def by_school(self, school: str) -> list[Student]: ...
    def count_in_class(self, class_id: str, grade: int) -> int:
        """The students who hold a seat in the class (Art 16's class size): those of
        ``class_id`` whose status is in :data:`xueji.lifecycle.SEATED` (draft, pending
        review, registered, suspended; not a dropout, whose registry is kept but not
        the seat) and whose grade is ``grade``, the class's own. A student held in
        their grade at the rollover (suspended, under the default policy) still names
        the class that went up with their classmates, and takes no seat in it."""
        ...

    def count_in_classes(self, classes: Mapping[str, int]) -> dict[str, int]:
        """:meth:`count_in_class` for many classes at once: ``classes`` maps each class
        id to its grade; the answer has every class asked for."""
        ...

    def all(self) -> Iterator[Student]:
        """Every student; a store may read them a batch at a time (the SQL store does),
        so consume the iterator inside the unit of work."""
        ...

    def promote(
        self,
        statuses: frozenset[StudentStatus],
        final_grades: Mapping[Stage, int],
        exclude: frozenset[str],
    ) -> int:
        """Set-based promotion (the 1 August rollover): every student whose status is in
        ``statuses``, whose grade is below ``final_grades[stage]`` and whose id is not in
        ``exclude`` moves up one grade (version + 1). Returns how many moved."""
        ...

    def count_where(
        self, status: StudentStatus, final_grades: Mapping[Stage, int] | None = None
    ) -> int:
        """Students in ``status`` (only those in the final grade of their stage or above
        it, ``grade >= final_grades[stage]``, if ``final_grades`` is given: a student
        kept past the final grade, a special-education student in grade 10 of a stage
        that ends at 9, say, is counted)."""
        ...

    def tally(self, schools: Iterable[str]) -> dict[tuple[str, Stage, int, StudentStatus], int]:
        """How many of the students :meth:`by_school` finds in each of ``schools`` are
        in each stage, grade and status, keyed ``(school, stage, grade, status)``
        (combinations with none left out): the Art 28 statistics without reading a
        record."""
        ...

    def in_final_grade(
        self, status: StudentStatus, final_grades: Mapping[Stage, int]
    ) -> Iterator[Student]:
        """Students in ``status`` in the final grade of their stage or above it
        (``grade >= final_grades[stage]``, as :meth:`count_where`). The rollover
        writes some of them (结业) while it reads on, out of the result: a store
        streams them in a way that tolerates this, each student found once however
        the writes and its pages fall (the SQL store reads keyset pages, each after
        the last key read; the memory store a snapshot). Pages by OFFSET over the
        live rows would skip a page's worth of students each page."""
        ...


class RequestRepository(Protocol):
    """Requests awaiting approval.

    Three methods are optional, and the :class:`~xueji.registry.Registry` uses them where
    a repository has them: ``of_kind(kind, state) -> Iterator[Request]`` (every request
    of one kind in one state, in key order, read like :meth:`all`: the Art 27 report of
    a term's dropouts then reads the approved dropouts, not every request), and
    ``for_student(student_id) -> list[Request]`` (every request of one student, open or
    decided, in key order: a transfer into a senior high reads the student's earlier
    refusals on false material, Art 25, without reading every request). Without them
    the registry picks the requests from :meth:`all`. A store whose rows can be damaged
    outside it (the SQL store) may have ``readable_due_before(day, unreadable) ->
    list[Request]``: :meth:`open_due_before`, each request that cannot be read put in
    the dict ``unreadable`` by id (its :class:`~xueji.errors.CorruptRecord`) instead of
    raised; the deadline sweep then holds those and approves the others. Without it,
    such a request stops the sweep, as before. Likewise ``readable_all(unreadable) ->
    Iterator[Request]``, :meth:`all` read past such a request: the Art 32 report
    (``Registry.detect``) names it instead of stopping; and ``readable_open(unreadable)``,
    :meth:`open` so: a unit's inbox (``Registry.pending``) lists the others."""

    def get(self, request_id: str) -> Request | None: ...
    def add(self, request: Request) -> None: ...
    def update(self, request: Request) -> None:
        """As :meth:`StudentRepository.update`."""
        ...

    def update_many(self, items: Sequence[tuple[Request, int]]) -> None:
        """As :meth:`StudentRepository.update_many`."""
        ...

    def open_for_student(self, student_id: str) -> list[Request]: ...
    def open_due_before(self, day: _dt.date) -> list[Request]:
        """Open requests whose deadline is before ``day`` (overdue on ``day``), by
        deadline and then by id: the deadline sweep approves them in this order, so the
        change log's order (and its hashes) follow it."""
        ...

    def all(self) -> Iterator[Request]:
        """Every request; read like :meth:`StudentRepository.all`."""
        ...

    def open(self) -> Iterator[Request]:
        """Every open request in key order, read like :meth:`all` but never touching
        the closed ones (most of a province's: one registration review per student,
        and every decided change since)."""
        ...


class ChangeLog(Protocol):
    """The append-only change log (Art 19), hash-chained by :mod:`xueji.audit`."""

    def append(self, entry: ChangeEntry) -> ChangeEntry:
        """Store ``entry``, whose ``seq`` must be the next number (else
        :class:`~xueji.errors.ConcurrencyConflict`), and return it."""
        ...

    def append_many(self, entries: Sequence[ChangeEntry]) -> None:
        """Store consecutive entries at once (the first must be the next number)."""
        ...

    def last(self, subject: str | None = None) -> ChangeEntry | None:
        """The latest entry (of ``subject``, if given)."""
        ...

    def entries(self, subject: str | None = None) -> list[ChangeEntry]:
        """Every entry (of ``subject``, if given), in sequence order."""
        ...

    def stream(self) -> Iterator[ChangeEntry]:
        """Every entry in sequence order, read a batch at a time, so that a province's
        log is never in memory at once (verifying it, scanning it). Consume it inside
        the unit of work."""
        ...

    def last_many(self, subjects: Iterable[str]) -> dict[str, ChangeEntry]:
        """:meth:`last` for many subjects at once (subjects with no entry left out)."""
        ...


class MetaRepository(Protocol):
    """Small facts about the store as a whole (the last rollover year, ...)."""

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...

    def prefixed(self, prefix: str) -> Iterator[tuple[str, str]]:
        """Every ``(key, value)`` whose key starts with ``prefix`` (compared exactly:
        ``idem:`` is not ``IDEM:``), in key order, read a batch at a time. Consume it
        inside the unit of work."""
        ...

    def delete(self, keys: Iterable[str]) -> int:
        """Remove ``keys`` (those absent are ignored); returns how many were removed."""
        ...


@runtime_checkable
class UnitOfWork(Protocol):
    """The repositories of one atomic unit of work."""

    @property
    def units(self) -> UnitRepository: ...
    @property
    def schools(self) -> SchoolRepository: ...
    @property
    def classes(self) -> ClassRepository: ...
    @property
    def students(self) -> StudentRepository: ...
    @property
    def requests(self) -> RequestRepository: ...
    @property
    def log(self) -> ChangeLog: ...
    @property
    def meta(self) -> MetaRepository: ...
    @property
    def allocator(self) -> SequenceAllocator: ...


class Store(Protocol):
    """A store hands out units of work. Leaving the context commits; an exception
    inside it rolls back every write of the unit.

    Two methods are optional, and the :class:`~xueji.registry.Registry` uses them where
    a store has them: ``in_unit_of_work() -> bool`` (whether the calling thread has a
    unit open: a command that lost a race is then retried) and ``reading()`` (a unit
    of work for reads only, which need not hold the locks a writer takes: on SQLite
    it does not take the write lock, so a long report does not hold up commands).
    ``reading()`` opened while the calling thread has a unit of work open is that
    unit, its writes visible (a report run inside a host's own unit of work sees what
    the unit wrote, and waits on no lock the unit holds), as ``unit_of_work()``
    nests."""

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]: ...
