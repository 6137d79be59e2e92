"""Clocks: the only place xueji learns the date. Rules never read a clock.

>>> import datetime as dt
>>> c = ManualClock(dt.date(2026, 9, 1))
>>> c.advance_to(dt.date(2026, 10, 8)); c.today()
datetime.date(2026, 10, 8)
"""

from __future__ import annotations

import datetime as _dt
from typing import Protocol, runtime_checkable

from xueji.errors import ClockBackwards
from xueji.workdays import CHINA_TZ

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Gives today's date in China Standard Time."""

    def today(self) -> _dt.date:
        """Today's date in China Standard Time (Asia/Shanghai): the date every command
        of the registry is dated and decided on, and deadlines are counted from."""
        ...


class SystemClock:
    """The system clock, read in China Standard Time."""

    def today(self) -> _dt.date:
        """Today in Asia/Shanghai."""
        return _dt.datetime.now(CHINA_TZ).date()


class ManualClock:
    """A clock that moves only when told (tests, scenarios, the demo)."""

    def __init__(self, start: _dt.date) -> None:
        self._today = start

    def today(self) -> _dt.date:
        """The date the clock was last set to."""
        return self._today

    def advance_to(self, day: _dt.date) -> None:
        """Move the clock forward; moving it back is refused (time does not run back):
        :class:`~xueji.errors.ClockBackwards` (a ``ValueError``)."""
        if day < self._today:
            raise ClockBackwards(self._today, day)
        self._today = day
