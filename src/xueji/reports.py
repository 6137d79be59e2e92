"""Reports and exports (Arts 27, 28, 31).

The 公示 class list (Art 31) carries no sensitive field: no identity number, no
birth date, no 户籍, no registry number; only what a class notice board shows.

>>> import datetime as dt
>>> from xueji.model import Student
>>> from xueji.lifecycle import StudentStatus
>>> from xueji.policy import Stage
>>> s = Student("S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.REGISTERED, "张一", "F",
...             dt.date(2020, 3, 1), "340104", dt.date(2026, 9, 1), id_number="340104202003010023")
>>> public_class_list([s])
[PublicListRow(class_id='A-1', grade=1, name='张一', sex='女', status='在籍')]
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from xueji.lifecycle.tables import StudentStatus
from xueji.masking import mask_ids
from xueji.model import Student

__all__ = ["PUBLIC_FIELDS", "PublicListRow", "public_class_list"]


@attrs.frozen
class PublicListRow:
    """One line of a published class list (公示, Art 31). An identity number in its
    text (a name holding one: a data-entry slip the registry accepts) is masked
    (Art 30, :func:`~xueji.masking.mask_ids`); before, the list printed it whole.
    ``sex`` and ``status`` are in Chinese, as the notice board shows them (男/女, as
    the national export writes 性别; before, ``sex`` was the record's M/F)."""

    class_id: str = attrs.field(converter=mask_ids)
    grade: int
    name: str = attrs.field(converter=mask_ids)
    sex: str
    status: str


PUBLIC_FIELDS = tuple(f.name for f in attrs.fields(PublicListRow))
"""The only fields a public list shows."""

_LISTED = frozenset({StudentStatus.REGISTERED, StudentStatus.SUSPENDED})

_SEX_ZH = {"M": "男", "F": "女"}
"""性别 as a published list writes it."""


def public_class_list(students: Iterable[Student]) -> list[PublicListRow]:
    """The 在籍 students (registered or suspended) by class and name, for 公示 (Art 31)."""
    rows = [
        PublicListRow(s.class_id, s.grade, s.name, _SEX_ZH.get(s.sex, s.sex), s.status.zh)
        for s in students
        if s.status in _LISTED
    ]
    return sorted(rows, key=lambda r: (r.grade, r.class_id, r.name))
