"""Small value types that policy parameters are made of."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Mapping

import attrs

__all__ = [
    "GRADED_STAGES",
    "SIX_THREE_THREE",
    "MonthDay",
    "Stage",
    "Term",
    "TransferWindow",
    "WindowReading",
]


def _valid_month_day(inst: MonthDay, attribute: attrs.Attribute[int], value: int) -> None:
    try:
        _dt.date(2000, inst.month, inst.day)  # 2000 is a leap year: 29 Feb is allowed
    except ValueError:
        raise ValueError(f"no such day of the year: {inst.month:02d}-{inst.day:02d}") from None


@attrs.frozen(order=True)
class MonthDay:
    """A day of the year such as 30 September, written ``"09-30"``.

    >>> MonthDay.parse("09-30").in_year(2026)
    datetime.date(2026, 9, 30)
    >>> str(MonthDay(2, 29)), MonthDay(2, 29).in_year(2027)
    ('02-29', datetime.date(2027, 2, 28))
    """

    month: int
    day: int = attrs.field(validator=_valid_month_day)

    @classmethod
    def parse(cls, text: str) -> MonthDay:
        """From ``"MM-DD"``."""
        try:
            m, d = text.split("-")
            month, day = int(m), int(d)
        except ValueError:
            raise ValueError(f"expected MM-DD, not {text!r}") from None
        return cls(month, day)  # "09-31": no such day of the year (the validator says)

    def in_year(self, year: int) -> _dt.date:
        """The date in ``year`` (29 February falls back to the 28th in common years)."""
        try:
            return _dt.date(year, self.month, self.day)
        except ValueError:
            return _dt.date(year, 2, 28)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


class Stage(enum.StrEnum):
    """学段: the stage of schooling (Art 2)."""

    PRIMARY = "primary"  # 小学, grades 1-6 (6-3-3; a profile's school_system says)
    JUNIOR = "junior"  # 初中, grades 7-9
    SENIOR = "senior"  # 普通高中, grades 10-12
    SPECIAL = "special"  # 特殊教育 (its own grades, 1-9)

    @property
    def zh(self) -> str:
        """The Chinese name (小学, 初中, 高中, 特殊教育), as reports print it.

        >>> Stage.SENIOR.zh
        '高中'
        """
        return _STAGE_ZH[self]


_STAGE_ZH = {
    Stage.PRIMARY: "小学",
    Stage.JUNIOR: "初中",
    Stage.SENIOR: "高中",
    Stage.SPECIAL: "特殊教育",
}


GRADED_STAGES: tuple[Stage, ...] = (Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR)
"""The stages whose grades follow one another from 1 to 12 (a grade's stage is one of
them); special education keeps grades of its own beside them."""

SIX_THREE_THREE: Mapping[Stage, frozenset[int]] = {
    Stage.PRIMARY: frozenset(range(1, 7)),
    Stage.JUNIOR: frozenset(range(7, 10)),
    Stage.SENIOR: frozenset(range(10, 13)),
    Stage.SPECIAL: frozenset(range(1, 10)),
}
"""The 6-3-3 school system (六三制): primary 1-6, junior 7-9, senior 10-12, special
education 1-9; the value of a profile's ``school_system`` (a 五四制 profile writes
primary 1-5, junior 6-9). Not to be changed in place: build another mapping."""


@attrs.frozen
class Term:
    """A school term (学期) as days of the year; ``end`` may be in the next year."""

    name: str
    start: MonthDay
    end: MonthDay

    def dates(self, start_year: int) -> tuple[_dt.date, _dt.date]:
        """The first and last day of the term that starts in ``start_year``."""
        first = self.start.in_year(start_year)
        last = self.end.in_year(start_year)
        if last < first:
            last = self.end.in_year(start_year + 1)
        return first, last


class WindowReading(enum.StrEnum):
    """How "学期开学后或结束前1个月内" (Art 25(2)) is read."""

    START_OR_END = "start_or_end"
    """Within the month after the term starts, or within the month before it ends."""
    START_TO_END = "start_to_end"
    """Any time from the term's start until one month before its end."""


@attrs.frozen
class TransferWindow:
    """When transfers are normally made (Art 25(2)).

    Outside the window a request is not refused: it is a warning that needs a
    stated reason ("学期期中确有正当理由需要转学的，应予妥善解决").
    """

    reading: WindowReading = WindowReading.START_OR_END
    # a window of 1 to 12 months (found by the province review: 0 and 13 loaded,
    # although docs/policy.md said months below 1 were refused)
    months: int = attrs.field(
        default=1, validator=[attrs.validators.ge(1), attrs.validators.le(12)]
    )
