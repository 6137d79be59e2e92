"""Working days on the State Council holiday schedule, and deadlines counted in them.

A day is a working day when it is Monday to Friday and not a public holiday, or
when it is a make-up working day (调休, a weekend day worked in exchange for a
holiday). The schedule for 2004 onwards comes from the ``chinese-calendar``
package; later years are added by the caller from code or a data file the day
the State Council publishes them (:meth:`WorkdayCalendar.with_year`,
:meth:`WorkdayCalendar.load`). A date in a year that is not covered raises
:class:`~xueji.errors.CalendarNotCovered`: xueji never falls back to
Monday-to-Friday.

Counting follows Civil Code Art 201: the day of the triggering event is not
counted; a period of ``n`` working days ends at the end of the ``n``-th working
day after it. National Day 2026 runs 1-7 October with make-up days on Sunday 20
September and Saturday 10 October:

>>> from datetime import date
>>> add_working_days(date(2026, 9, 30), 1)
datetime.date(2026, 10, 8)
>>> is_working_day(date(2026, 10, 10))
True
>>> working_days_between(date(2026, 9, 30), date(2026, 10, 12))
4
>>> add_working_days(date(2026, 10, 8), -1)
datetime.date(2026, 9, 30)
>>> d = deadline(date(2026, 9, 25), 20)
>>> d.due, len(d.rest_days_skipped), d.makeup_days_counted
(datetime.date(2026, 10, 29), 14, (datetime.date(2026, 10, 10),))

Cost: the calendar builds, once, an index of every covered day (cumulative
working-day counts, and the ordinal of each working day), after which every call
is O(1): two list look-ups, no day-by-day loop.

**Datetimes.** An aware ``datetime`` is converted to China Standard Time
(Asia/Shanghai, via dateutil) before its date is taken. A naive ``datetime`` is
taken to be China Standard Time already: its date is used as it is.
"""

from __future__ import annotations

import datetime as _dt
import functools
import operator
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
from dateutil import tz

from xueji.errors import CalendarNotCovered, InvalidSchedule, NotADate

__all__ = [
    "CHINA_TZ",
    "Deadline",
    "DeadlineExplanation",
    "SkippedDay",
    "WorkdayCalendar",
    "YearSchedule",
    "add_working_days",
    "as_china_date",
    "deadline",
    "default_calendar",
    "explain_add",
    "is_working_day",
    "parse_schedules",
    "working_days_between",
]

CHINA_TZ: _dt.tzinfo = tz.gettz("Asia/Shanghai") or _dt.timezone(_dt.timedelta(hours=8), "CST")
"""China Standard Time. Falls back to a fixed UTC+8 (China has kept no summer time
since 1991) where the system has no time-zone database."""

DateLike = _dt.date | _dt.datetime


def as_china_date(value: DateLike) -> _dt.date:
    """The calendar date of ``value`` in China Standard Time.

    >>> from datetime import datetime, timezone
    >>> as_china_date(datetime(2026, 9, 30, 17, 0, tzinfo=timezone.utc))
    datetime.date(2026, 10, 1)
    >>> as_china_date(datetime(2026, 9, 30, 17, 0))  # naive: already China time
    datetime.date(2026, 9, 30)
    """
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(CHINA_TZ)
        return value.date()
    if isinstance(value, _dt.date):
        return value
    raise NotADate(value)  # (a TypeError, as before)


def _dates(values: Iterable[_dt.date]) -> frozenset[_dt.date]:
    try:
        out = frozenset(values)
    except TypeError:  # not iterable (None, a number), or items that are not hashable
        raise _bad_schedule(
            f"日期应为 datetime.date 的集合，而不是 {type(values).__name__}",
            f"dates are given as a collection of datetime.date, not {type(values).__name__}",
        ) from None
    for d in out:
        if not isinstance(d, _dt.date) or isinstance(d, _dt.datetime):
            shown = repr(d) if len(repr(d)) <= 40 else type(d).__name__
            raise _bad_schedule(
                f"日期应为 datetime.date，而不是 {shown}",
                f"a date is a datetime.date, not {shown}",
            )
    return out


def _whole_year(value: object) -> int:
    """A year as an ``int``: an int-like (``numpy.int64``) is taken, as counts of
    working days are; a bool, a float or text is refused."""
    if isinstance(value, bool):
        raise _bad_schedule("年份应为整数，而不是 bool", "a year is an int, not bool")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        name = type(value).__name__
        raise _bad_schedule(
            f"年份应为整数，而不是 {name}", f"a year is an int, not {name}"
        ) from None


@attrs.frozen
class YearSchedule:
    """One year's State Council schedule.

    ``holidays``: the rest days of public holidays that would otherwise be
    working days (weekend days may be listed too; they change nothing).
    ``makeup_workdays``: weekend days that are working days (调休).
    ``source``: where the schedule comes from (the notice's number), for audit.
    """

    year: int = attrs.field(converter=_whole_year)
    holidays: frozenset[_dt.date] = attrs.field(converter=_dates)
    makeup_workdays: frozenset[_dt.date] = attrs.field(converter=_dates)
    source: str = ""
    names: Mapping[_dt.date, str] = attrs.field(factory=dict, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        year = self.year
        if not _dt.MINYEAR <= year <= _dt.MAXYEAR:
            raise _bad_schedule(
                f"年份 {year} 不在 {_dt.MINYEAR} 至 {_dt.MAXYEAR} 之间",
                f"year {year} is not between {_dt.MINYEAR} and {_dt.MAXYEAR}",
            )
        for d in self.holidays | self.makeup_workdays:
            if d.year != self.year:
                raise _bad_schedule(
                    f"{d.isoformat()} 不在 {self.year} 年", f"{d} is not in {self.year}"
                )
        both = self.holidays & self.makeup_workdays
        if both:
            day = min(both).isoformat()
            raise _bad_schedule(
                f"{day} 既是假日又是调休工作日", f"{day} is both a holiday and a make-up day"
            )
        for d in self.makeup_workdays:
            if d.weekday() < 5:
                raise _bad_schedule(
                    f"调休工作日 {d.isoformat()} 不是周末", f"make-up day {d} is not a weekend day"
                )
        if not self.holidays:
            # every year's State Council schedule has holidays (the Spring Festival's
            # rest days at least): a year without is a schedule not filled in, which
            # would count the year Monday to Friday
            raise _bad_schedule(
                f"{year} 年没有列出任何节假日：国务院每年的节假日安排都有放假日期，请按通知"
                "填写（xueji 不按周一至周五推算）",
                f"{year} lists no holidays: every year's State Council schedule has some; "
                "list the notice's rest days (xueji never counts Monday to Friday alone)",
            )

    def is_working_day(self, day: _dt.date) -> bool:
        """The schedule's verdict on one day of its year."""
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


_BAD_ZH, _BAD_EN = "节假日安排有误：", "bad holiday schedule: "


def _bad_schedule(zh: str, en: str) -> InvalidSchedule:
    return InvalidSchedule("calendar.bad_schedule", f"{_BAD_ZH}{zh}", f"{_BAD_EN}{en}")


def _bad_input(zh: str, en: str) -> InvalidSchedule:
    """An argument the calendar cannot count with (a count that is not a whole
    number, a period of no working day): code ``calendar.bad_input``."""
    return InvalidSchedule("calendar.bad_input", zh, en)


def _count(n: object, *, positive: bool = False) -> int:
    """``n`` as a whole number of working days (a ``bool`` or a float is not one), at
    least 1 if ``positive``."""
    try:
        if isinstance(n, bool):
            raise TypeError
        k = operator.index(n)  # type: ignore[arg-type]
    except TypeError:
        raise _bad_input(
            f"工作日数应为整数，而不是 {type(n).__name__}",
            f"a number of working days is an int, not {type(n).__name__}",
        ) from None
    if positive and k < 1:
        raise _bad_input(
            f"期限至少为一个工作日，而不是 {k}",
            f"a period has at least one working day, not {k}",
        )
    return k


def _parse_day(value: object, where: str) -> list[_dt.date]:
    """A date, or an inclusive range ``"2027-02-05..2027-02-11"``, from a data file."""
    if isinstance(value, _dt.date):
        return [value]
    if isinstance(value, str):
        try:
            if ".." in value:
                a, b = (_dt.date.fromisoformat(p.strip()) for p in value.split("..", 1))
                if b < a:
                    raise ValueError
                return [a + _dt.timedelta(days=i) for i in range((b - a).days + 1)]
            return [_dt.date.fromisoformat(value.strip())]
        except ValueError:
            pass
    raise _bad_schedule(
        f"{where} 的日期无法识别：{value!r}", f"unreadable date in {where}: {value!r}"
    )


@attrs.frozen(eq=False)
class _Index:
    first: int  # ordinal of 1 January of the first covered year
    cum: list[int]  # cum[i]: working days in [first, first + i]
    workdays: list[int]  # ordinals of the working days, ascending
    years: range


class WorkdayCalendar:
    """An immutable set of year schedules with an O(1) index over them.

    The covered years must be contiguous (a gap would make a count across it a
    guess). Extend a calendar with :meth:`with_year` or :meth:`load`; each returns
    a new calendar and leaves this one as it was.
    """

    def __init__(self, schedules: Iterable[YearSchedule]) -> None:
        by_year: dict[int, YearSchedule] = {}
        for s in schedules:
            by_year[s.year] = s
        if not by_year:
            raise _bad_schedule("没有任何年份", "no year given")
        years = sorted(by_year)
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if missing:
            raise _bad_schedule(
                f"年份不连续，缺少 {missing[0]} 年",
                f"years are not contiguous: {missing[0]} missing",
            )
        self._schedules = by_year
        self.years = range(years[0], years[-1] + 1)
        self._index = self._build()

    def _build(self) -> _Index:
        first = _dt.date(self.years.start, 1, 1).toordinal()
        last = _dt.date(self.years.stop - 1, 12, 31).toordinal()
        cum: list[int] = []
        workdays: list[int] = []
        total = 0
        for year in self.years:
            sched = self._schedules[year]
            start = _dt.date(year, 1, 1).toordinal()
            stop = _dt.date(year, 12, 31).toordinal()
            for o in range(start, stop + 1):
                if sched.is_working_day(_dt.date.fromordinal(o)):
                    total += 1
                    workdays.append(o)
                cum.append(total)
        assert len(cum) == last - first + 1
        return _Index(first, cum, workdays, self.years)

    # -- construction -------------------------------------------------------------

    def with_year(
        self,
        year: int,
        holidays: Iterable[_dt.date],
        makeup_workdays: Iterable[_dt.date] = (),
        *,
        source: str = "",
    ) -> WorkdayCalendar:
        """A new calendar with ``year``'s schedule added (or replaced)."""
        sched = YearSchedule(year, holidays, makeup_workdays, source)
        return WorkdayCalendar([*self._schedules.values(), sched])

    def load(self, path: str | Path) -> WorkdayCalendar:
        """A new calendar with the years of a TOML data file added.

        The format, one table per year (dates ISO 8601; ``a..b`` is an inclusive
        range; list every rest day of a holiday that falls on a weekday, and every
        weekend day that is worked)::

            [2027]
            source = "国务院办公厅关于2027年部分节假日安排的通知"
            holidays = ["2027-01-01", "2027-02-05..2027-02-11"]
            makeup_workdays = ["2027-02-14"]
        """
        from xueji.policy.files import read_utf8

        def bad(where: str, zh: str, en: str) -> Exception:
            return _bad_schedule(f"{where}：{zh}", f"{where}: {en}")

        try:
            text = read_utf8(path, bad)
        except OSError as e:  # a file missing, unreadable, or a directory
            why = e.strerror or type(e).__name__
            raise _bad_schedule(f"无法读取 {path}：{why}", f"cannot read {path}: {why}") from None
        return self.with_schedules(parse_schedules(text, where=str(path)))

    def with_schedules(self, schedules: Iterable[YearSchedule]) -> WorkdayCalendar:
        """A new calendar with these year schedules added (or replaced)."""
        return WorkdayCalendar([*self._schedules.values(), *schedules])

    def schedule(self, year: int) -> YearSchedule:
        """The schedule of one covered year."""
        try:
            return self._schedules[year]
        except KeyError:
            raise CalendarNotCovered(year) from None

    # -- queries -----------------------------------------------------------------

    def _offset(self, day: DateLike) -> int:
        d = as_china_date(day)
        i = d.toordinal() - self._index.first
        if i < 0:  # before the first covered year: the year just before it is missing
            raise CalendarNotCovered(self._index.years.start - 1)
        if i >= len(self._index.cum):  # after the last: the year just after it is missing
            raise CalendarNotCovered(self._index.years.stop)
        return i

    def is_working_day(self, day: DateLike) -> bool:
        """True if ``day`` is a working day."""
        i = self._offset(day)
        return self._index.cum[i] != (self._index.cum[i - 1] if i else 0)

    def add_working_days(self, start: DateLike, n: int) -> _dt.date:
        """The ``n``-th working day strictly after ``start`` (``start`` not counted).

        ``n`` < 0 counts back: the ``|n|``-th working day strictly before ``start``.
        ``n`` == 0 returns ``start``'s date unchanged. An ``n`` that is not a whole
        number is :class:`~xueji.errors.InvalidSchedule` (``calendar.bad_input``).
        """
        n = _count(n)
        i = self._offset(start)
        if n == 0:
            return as_china_date(start)
        ix = self._index
        # cum[i] working days up to and including start; the k-th working day is
        # workdays[k - 1].
        before = ix.cum[i] - (1 if n < 0 and self.is_working_day(start) else 0)
        k = ix.cum[i] + n if n > 0 else before + n + 1
        if k < 1:
            raise CalendarNotCovered(ix.years.start - 1)
        if k > len(ix.workdays):
            raise CalendarNotCovered(ix.years.stop)
        return _dt.date.fromordinal(ix.workdays[k - 1])

    def working_days_between(self, start: DateLike, end: DateLike) -> int:
        """The number of working days ``d`` with ``start < d <= end`` (negative if
        ``end`` is before ``start``)."""
        i, j = self._offset(start), self._offset(end)
        return self._index.cum[j] - self._index.cum[i]

    def deadline(self, start: DateLike, n: int) -> Deadline:
        """The last day of a period of ``n`` >= 1 working days starting after
        ``start``, with what was skipped and counted on the way (for explanations).
        An ``n`` below 1 or not a whole number is :class:`~xueji.errors.InvalidSchedule`
        (``calendar.bad_input``; a ``ValueError``)."""
        n = _count(n, positive=True)
        begin = as_china_date(start)
        due = self.add_working_days(begin, n)
        skipped: list[_dt.date] = []
        makeup: list[_dt.date] = []
        o = begin.toordinal() + 1
        # The walk is over the period only, for the explanation; the answer above is O(1).
        for ordinal in range(o, due.toordinal() + 1):
            day = _dt.date.fromordinal(ordinal)
            working = self.is_working_day(day)
            if not working:
                skipped.append(day)
            elif day.weekday() >= 5:
                makeup.append(day)
        return Deadline(begin, n, due, tuple(skipped), tuple(makeup))

    def explain_add(self, start: DateLike, n: int) -> DeadlineExplanation:
        """Why the ``n``-th working day after ``start`` (``n`` >= 1) is the day it is:
        every working day counted, every rest day skipped (with the holiday's name
        where the schedule knows it) and every make-up working day (调休) counted.

        >>> from datetime import date
        >>> e = default_calendar().explain_add(date(2026, 9, 30), 3)
        >>> e.due, len(e.counted), e.makeup[0][0]
        (datetime.date(2026, 10, 10), 3, datetime.date(2026, 10, 10))
        >>> [(d.day.isoformat(), d.name_zh) for d in e.skipped][:2]
        [('2026-10-01', '国庆节'), ('2026-10-02', '国庆节')]
        """
        d = self.deadline(start, n)
        counted: list[_dt.date] = []
        skipped: list[SkippedDay] = []
        for ordinal in range(d.start.toordinal() + 1, d.due.toordinal() + 1):
            day = _dt.date.fromordinal(ordinal)
            if self.is_working_day(day):
                counted.append(day)
            else:
                name = self._schedules[day.year].names.get(day, "")
                holiday = day in self._schedules[day.year].holidays
                skipped.append(SkippedDay(day, "holiday" if holiday else "weekend", name))
        makeup = tuple(
            (day, self._schedules[day.year].names.get(day, "")) for day in d.makeup_days_counted
        )
        sources = sorted({self._schedules[y].source for y in range(d.start.year, d.due.year + 1)})
        return DeadlineExplanation(
            d.start,
            n,
            d.due,
            tuple(counted),
            tuple(skipped),
            makeup,
            tuple(s for s in sources if s),
        )

    def __repr__(self) -> str:
        return f"WorkdayCalendar(years={self.years.start}..{self.years.stop - 1})"

    @property
    def memory_bytes(self) -> int:
        """An estimate of the index's memory (lists and the ints in them)."""
        import sys

        ix = self._index
        ints = {id(x): x for x in ix.cum} | {id(x): x for x in ix.workdays}
        return (
            sys.getsizeof(ix.cum)
            + sys.getsizeof(ix.workdays)
            + sum(sys.getsizeof(x) for x in ints.values())
        )


@attrs.frozen
class Deadline:
    """A deadline with the facts behind it (Civil Code Art 201 counting)."""

    start: _dt.date
    working_days: int
    due: _dt.date
    rest_days_skipped: tuple[_dt.date, ...]
    makeup_days_counted: tuple[_dt.date, ...]

    def is_overdue(self, on: DateLike) -> bool:
        """True once ``on`` is after the due day (the period ends at the end of
        the due day)."""
        return as_china_date(on) > self.due


_HOLIDAY_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@attrs.frozen
class SkippedDay:
    """A rest day a deadline skipped: ``kind`` is ``"holiday"`` (a public holiday's
    rest day, ``name`` as the schedule gives it) or ``"weekend"``."""

    day: _dt.date
    kind: str
    name: str = ""

    @property
    def name_zh(self) -> str:
        """The holiday's Chinese name where known (``chinese-calendar`` names in English)."""
        return _HOLIDAY_ZH.get(self.name, self.name)


def _fmt_days(days: Iterable[_dt.date]) -> str:
    return ", ".join(d.isoformat() for d in days) or "-"


@attrs.frozen
class DeadlineExplanation:
    """A deadline with every day behind it: the working days counted, the rest days
    skipped (holidays named) and the make-up working days counted (Civil Code Art
    201: the start day is not counted). ``len(counted) == working_days``.

    It is a :class:`xueji.explain.Detail`: a decision step can carry it.
    """

    start: _dt.date
    working_days: int
    due: _dt.date
    counted: tuple[_dt.date, ...]
    skipped: tuple[SkippedDay, ...]
    makeup: tuple[tuple[_dt.date, str], ...]
    sources: tuple[str, ...] = ()

    @property
    def holidays_skipped(self) -> tuple[SkippedDay, ...]:
        """The skipped days that are public holidays' rest days."""
        return tuple(d for d in self.skipped if d.kind == "holiday")

    def lines(self, lang: str) -> list[str]:
        """The computation in a few lines of Chinese (``"zh"``) or English text."""
        zh = lang == "zh"
        weekends = [d.day for d in self.skipped if d.kind == "weekend"]
        by_name: dict[str, list[_dt.date]] = {}
        for d in self.holidays_skipped:
            by_name.setdefault((d.name_zh or "节假日") if zh else (d.name or "holiday"), []).append(
                d.day
            )
        holidays = "; ".join(f"{name} {_fmt_days(days)}" for name, days in by_name.items()) or "-"
        makeup = (
            ", ".join(
                f"{day.isoformat()}" + (f" ({_HOLIDAY_ZH.get(n, n) if zh else n})" if n else "")
                for day, n in self.makeup
            )
            or "-"
        )
        if zh:
            return [
                f"期限：{self.start} 起 {self.working_days} 个工作日（当日不计入），"
                f"截止 {self.due}（当日结束）",
                f"计入工作日 {len(self.counted)} 天：{_fmt_days(self.counted)}",
                f"跳过节假日：{holidays}",
                f"跳过周末：{_fmt_days(weekends)}",
                f"计入调休工作日：{makeup}",
            ]
        return [
            f"deadline: {self.working_days} working days after {self.start} "
            f"(start day not counted) end on {self.due} (end of day)",
            f"working days counted ({len(self.counted)}): {_fmt_days(self.counted)}",
            f"holidays skipped: {holidays}",
            f"weekends skipped: {_fmt_days(weekends)}",
            f"make-up working days counted: {makeup}",
        ]

    def text(self, lang: str = "zh") -> str:
        """:meth:`lines` joined."""
        return "\n".join(self.lines(lang))

    def __str__(self) -> str:
        return self.text("zh") + "\n" + self.text("en")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""
        return {
            "start": self.start.isoformat(),
            "working_days": self.working_days,
            "due": self.due.isoformat(),
            "counted": [d.isoformat() for d in self.counted],
            "skipped": [
                {
                    "date": d.day.isoformat(),
                    "kind": d.kind,
                    # a holiday of a loaded schedule file may have no name: as the text says
                    "name": d.name or ("holiday" if d.kind == "holiday" else ""),
                    "name_zh": d.name_zh or ("节假日" if d.kind == "holiday" else ""),
                }
                for d in self.skipped
            ],
            "makeup_counted": [{"date": d.isoformat(), "name": n} for d, n in self.makeup],
            "rule": "开始的当日不计入 (Civil Code Art 201): the start day is not counted",
            "sources": list(self.sources),
        }


def parse_schedules(text: str, *, where: str = "<string>") -> list[YearSchedule]:
    """Year schedules from the TOML text of a data file (see :meth:`WorkdayCalendar.load`)."""
    if not isinstance(text, str):
        raise _bad_schedule(
            f"{where} 应为 TOML 文本，而不是 {type(text).__name__}",
            f"{where}: the schedule is TOML text, not {type(text).__name__}",
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _bad_schedule(
            f"{where} 不是有效的 TOML：{e}", f"{where} is not valid TOML: {e}"
        ) from e
    out = []
    for key, table in data.items():
        # isascii: "²⁰²⁷" is digits to isdigit() but no year to int()
        if not (key.isascii() and key.isdigit()) or not isinstance(table, dict):
            raise _bad_schedule(
                f"{where} 的表名应为年份：{key!r}", f"{where}: table names are years, not {key!r}"
            )
        unknown = set(table) - {"source", "holidays", "makeup_workdays"}
        if unknown:
            name = sorted(unknown)[0]
            raise _bad_schedule(
                f"{where} [{key}] 未知字段 {name}", f"{where} [{key}]: unknown key {name}"
            )
        here = f"{where} [{key}]"
        holidays = _days_of(table, "holidays", here)
        makeup = _days_of(table, "makeup_workdays", here)
        source = table.get("source", "")
        if not isinstance(source, str):
            raise _bad_schedule(
                f"{here} 的 source 应为文本，而不是 {type(source).__name__}",
                f"{here}: source is text, not {type(source).__name__}",
            )
        try:
            out.append(YearSchedule(int(key), holidays, makeup, source))
        except InvalidSchedule as e:  # (the year's own checks: named by file and year)
            raise _bad_schedule(
                f"{here}：{e.message_zh.removeprefix(_BAD_ZH)}",
                f"{here}: {e.message_en.removeprefix(_BAD_EN)}",
            ) from None
    return out


def _days_of(table: Mapping[str, Any], key: str, where: str) -> list[_dt.date]:
    """The dates of a year table's list ``key`` (none if it is absent). A value that is
    not a list (``holidays = 5``, ``= true``, or one date as text, which was read
    character by character) is refused, naming the file, the year and the key (before,
    a raw ``TypeError``)."""
    values = table.get(key, [])
    if not isinstance(values, list):
        shown = repr(values) if len(repr(values)) <= 40 else type(values).__name__
        raise _bad_schedule(
            f'{where} 的 {key} 应为日期列表（如 ["2027-01-01"]），而不是 {shown}',
            f'{where}: {key} is a list of dates (such as ["2027-01-01"]), not {shown}',
        )
    return [d for v in values for d in _parse_day(v, where)]


def _holiday_name(info: object) -> str:
    """The English name ``chinese-calendar`` gives a day (a string, an enum member or
    a tuple whose first item is the name, by version)."""
    value = getattr(info, "value", info)
    if isinstance(value, tuple):
        value = value[0]
    return str(value) if value is not None else ""


def _chinese_calendar_schedules() -> list[YearSchedule]:
    import chinese_calendar

    holidays: dict[int, dict[_dt.date, str]] = {}
    makeup: dict[int, dict[_dt.date, str]] = {}
    for d, info in chinese_calendar.holidays.items():
        holidays.setdefault(d.year, {})[d] = _holiday_name(info)
    for d, info in chinese_calendar.workdays.items():
        makeup.setdefault(d.year, {})[d] = _holiday_name(info)
    source = f"chinese-calendar {chinese_calendar.__version__}"
    return [
        YearSchedule(
            y,
            frozenset(holidays.get(y, {})),
            frozenset(makeup.get(y, {})),
            source,
            {**holidays.get(y, {}), **makeup.get(y, {})},
        )
        for y in range(min(holidays), max(holidays) + 1)
    ]


@functools.cache
def default_calendar() -> WorkdayCalendar:
    """The calendar built from the installed ``chinese-calendar`` (2004 onwards)."""
    return WorkdayCalendar(_chinese_calendar_schedules())


def is_working_day(day: DateLike, *, calendar: WorkdayCalendar | None = None) -> bool:
    """True if ``day`` is a working day (see :class:`WorkdayCalendar`)."""
    return (calendar or default_calendar()).is_working_day(day)


def add_working_days(
    start: DateLike, n: int, *, calendar: WorkdayCalendar | None = None
) -> _dt.date:
    """The ``n``-th working day strictly after ``start``; negative ``n`` counts back."""
    return (calendar or default_calendar()).add_working_days(start, n)


def working_days_between(
    start: DateLike, end: DateLike, *, calendar: WorkdayCalendar | None = None
) -> int:
    """Working days ``d`` with ``start < d <= end``."""
    return (calendar or default_calendar()).working_days_between(start, end)


def deadline(start: DateLike, n: int, *, calendar: WorkdayCalendar | None = None) -> Deadline:
    """The last day of a period of ``n`` working days after ``start``, explained."""
    return (calendar or default_calendar()).deadline(start, n)


def explain_add(
    start: DateLike, n: int, *, calendar: WorkdayCalendar | None = None
) -> DeadlineExplanation:
    """The ``n``-th working day after ``start``, with every day behind it."""
    return (calendar or default_calendar()).explain_add(start, n)
