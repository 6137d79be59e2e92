"""Working days and deadlines (xueji.workdays)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xueji import workdays
from xueji.errors import CalendarNotCovered, InvalidSchedule, XuejiError
from xueji.workdays import WorkdayCalendar, default_calendar

D = dt.date
CAL = default_calendar()
COVERED = st.dates(D(2004, 1, 1), D(2026, 12, 31))

# 2027's schedule as a province would load it the day it is published. (Illustrative:
# the real 2027 notice is the source a deployment must use.)
SCHEDULE_2027 = """
[2027]
source = "illustrative schedule for tests"
holidays = ["2027-01-01", "2027-02-05..2027-02-11", "2027-10-01..2027-10-07"]
makeup_workdays = ["2027-02-14", "2027-10-09"]
"""


def test_every_covered_day_agrees_with_chinese_calendar() -> None:
    day = D(2004, 1, 1)
    while day <= D(2026, 12, 31):
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_snapshot_of_dates_relied_on() -> None:
    # National Day 2026: 1-7 October off; Sunday 20 September and Saturday 10 October worked.
    assert not any(CAL.is_working_day(D(2026, 10, d)) for d in range(1, 8))
    assert CAL.is_working_day(D(2026, 9, 20))
    assert CAL.is_working_day(D(2026, 10, 10))
    # Spring Festival 2025 had four statutory days (28 Jan - 4 Feb off; 26 Jan, 8 Feb worked).
    assert not CAL.is_working_day(D(2025, 1, 28))
    assert not CAL.is_working_day(D(2025, 2, 4))
    assert CAL.is_working_day(D(2025, 1, 26))
    assert CAL.is_working_day(D(2025, 2, 8))
    assert CAL.years == range(2004, 2027)


def test_start_day_is_not_counted() -> None:
    # Civil Code Art 201: Monday 2026-11-23 + 1 working day is Tuesday.
    assert workdays.add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 24)
    # From a rest day the first working day after it is day 1 (chinese-calendar's
    # find_workday would say day 0).
    assert workdays.add_working_days(D(2026, 11, 28), 1) == D(2026, 11, 30)
    assert workdays.add_working_days(D(2026, 11, 28), 0) == D(2026, 11, 28)


def test_twenty_working_days_across_national_day() -> None:
    d = workdays.deadline(D(2026, 9, 25), 20)
    assert d.due == D(2026, 10, 29)
    assert D(2026, 10, 1) in d.rest_days_skipped
    assert d.makeup_days_counted == (D(2026, 10, 10),)
    assert workdays.working_days_between(d.start, d.due) == 20
    assert not d.is_overdue(D(2026, 10, 29))
    assert d.is_overdue(D(2026, 10, 30))
    with pytest.raises(ValueError, match="at least one"):
        workdays.deadline(D(2026, 9, 25), 0)


def test_negative_counts_back() -> None:
    assert workdays.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert workdays.add_working_days(D(2026, 10, 4), -1) == D(2026, 9, 30)  # from a holiday
    assert workdays.working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1


def test_uncovered_year_raises_naming_it() -> None:
    with pytest.raises(CalendarNotCovered) as err:
        workdays.is_working_day(D(2027, 1, 4))
    assert err.value.year == 2027
    assert isinstance(err.value, LookupError)
    assert isinstance(err.value, XuejiError)
    assert "2027" in str(err.value)
    with pytest.raises(CalendarNotCovered) as err:
        workdays.add_working_days(D(2026, 12, 20), 20)  # runs past the end of 2026
    assert err.value.year == 2027
    with pytest.raises(CalendarNotCovered) as err:
        workdays.is_working_day(D(2003, 12, 31))
    assert err.value.year == 2003


def test_uncovered_year_is_the_first_missing_one_not_the_date_s() -> None:
    """Found by the review: a date in 2028 reported 2028, though 2027 is the year to
    load first (the years must be contiguous: loading 2028 alone is refused)."""
    for call in (
        lambda: workdays.is_working_day(D(2028, 3, 1)),
        lambda: workdays.working_days_between(D(2026, 12, 1), D(2028, 3, 1)),
    ):
        with pytest.raises(CalendarNotCovered) as err:
            call()
        assert err.value.year == 2027
        assert "2027年" in str(err.value)
    with pytest.raises(CalendarNotCovered) as err:
        workdays.is_working_day(D(2001, 3, 1))
    assert err.value.year == 2003
    with pytest.raises(InvalidSchedule, match="2027 missing"):
        CAL.with_year(2028, [D(2028, 1, 1)])


def test_supplementary_year_from_code() -> None:
    cal = CAL.with_year(
        2027,
        holidays=[D(2027, 1, 1)],
        makeup_workdays=[],
        source="test",
    )
    assert cal.years == range(2004, 2028)
    assert not cal.is_working_day(D(2027, 1, 1))
    assert cal.is_working_day(D(2027, 1, 4))
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # the original calendar is unchanged
    with pytest.raises(CalendarNotCovered):
        CAL.is_working_day(D(2027, 1, 4))


def test_a_loaded_year_s_holiday_is_named_in_chinese_too(tmp_path: Path) -> None:
    """Found by the review: a holiday of a year loaded from a file (no name) was listed
    with an empty name in the Chinese explanation; it reads 节假日 (holiday in English)."""
    path = tmp_path / "2027.toml"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    e = CAL.load(path).explain_add(D(2026, 12, 31), 2)
    assert e.due == D(2027, 1, 5)
    assert "跳过节假日：节假日 2027-01-01" in e.text("zh")
    assert "holidays skipped: holiday 2027-01-01" in e.text("en")
    (day,) = [d for d in e.to_dict()["skipped"] if d["date"] == "2027-01-01"]
    assert (day["name"], day["name_zh"]) == ("holiday", "节假日")  # --json, as the text


def test_supplementary_year_from_file(tmp_path: Path) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    cal = CAL.load(path)
    assert not cal.is_working_day(D(2027, 2, 8))  # a Monday in the Spring Festival
    assert cal.is_working_day(D(2027, 2, 14))  # a Sunday worked
    assert cal.schedule(2027).source == "illustrative schedule for tests"
    assert workdays.is_working_day(D(2027, 2, 14), calendar=cal)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[2027]\nholidays = ['2027-13-01']", "unreadable date"),
        ("[2027]\nholidays = ['2026-01-01']", "not in 2027"),
        ("[2027]\nmakeup_workdays = ['2027-01-04']", "not a weekend day"),
        ("[2027]\nholidays=['2027-02-14']\nmakeup_workdays=['2027-02-14']", "both"),
        ("[2027]\nextra = 1", "unknown key"),
        ("[abc]\nholidays = []", "table names are years"),
        ('["²⁰²⁷"]\nholidays = []', "table names are years"),  # isdigit(), not int()
        ('["٢٠٢٧"]\nholidays = []', "table names are years"),  # Arabic-Indic digits
        ("[2029]\nholidays = ['2029-01-01']", "not contiguous"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_schedule_files_are_refused(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidSchedule, match=fragment):
        CAL.load(path)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("holidays = 5", "holidays"),
        ("holidays = true", "holidays"),
        ('holidays = "2027-01-01"', "holidays"),  # text: read character by character
        ("holidays = {a = 1}", "holidays"),
        ('holidays = ["2027-01-01"]\nmakeup_workdays = 7', "makeup_workdays"),
        ('holidays = ["2027-01-01"]\nmakeup_workdays = "2027-02-14"', "makeup_workdays"),
        ('holidays = ["2027-01-01"]\nsource = ["国办发明电"]', "source"),
    ],
)
def test_a_schedule_file_s_value_of_the_wrong_kind_is_named(
    tmp_path: Path, body: str, key: str
) -> None:
    """Found by the review: ``holidays = 5`` or ``= true`` (a non-list
    ``makeup_workdays`` too) raised a raw TypeError, and ``holidays = "2027-01-01"``
    was read character by character ("unreadable date '2'"); a ``source`` list was
    kept as its Python text. Each is refused naming the file, the year and the key."""
    path = tmp_path / "2027.toml"
    path.write_text(f"[2027]\n{body}\n", encoding="utf-8")
    with pytest.raises(InvalidSchedule) as e:
        CAL.load(path)
    assert e.value.code == "calendar.bad_schedule"
    for text in (e.value.message_zh, e.value.message_en):
        assert str(path) in text
        assert "[2027]" in text
        assert key in text


@pytest.mark.parametrize(
    "body", ["", 'source = "国办发明电"', "holidays = []", 'makeup_workdays = ["2027-02-14"]']
)
def test_a_year_with_no_holidays_is_refused(tmp_path: Path, body: str) -> None:
    """Found by the review: a year table with no holidays (``[2027]`` alone, or
    ``holidays = []``) loaded, and the year was counted Monday to Friday, which xueji
    never does (every State Council year has holidays: the file was not filled in).
    Refused naming the file, as ``with_year`` with no holidays is."""
    path = tmp_path / "2027.toml"
    path.write_text(f"[2027]\n{body}\n", encoding="utf-8")
    with pytest.raises(InvalidSchedule, match="no holidays") as e:
        CAL.load(path)
    assert str(path) in e.value.message_zh
    with pytest.raises(InvalidSchedule, match="no holidays"):
        CAL.with_year(2027, [], [D(2027, 2, 14)])


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: CAL.deadline(D(2026, 9, 1), 0), "calendar.bad_input"),
        (lambda: CAL.explain_add(D(2026, 9, 1), -1), "calendar.bad_input"),
        (lambda: workdays.deadline(D(2026, 9, 1), 2.0), "calendar.bad_input"),
        (lambda: CAL.add_working_days(D(2026, 9, 1), 1.5), "calendar.bad_input"),
        (lambda: CAL.add_working_days(D(2026, 9, 1), "5"), "calendar.bad_input"),
        (lambda: CAL.add_working_days(D(2026, 9, 1), True), "calendar.bad_input"),
        (lambda: CAL.with_year(2027, ["2027-01-01"]), "calendar.bad_schedule"),
        (lambda: CAL.with_year(2027, None), "calendar.bad_schedule"),
        (lambda: CAL.with_year(2027, [], [dt.datetime(2027, 2, 14)]), "calendar.bad_schedule"),
        (lambda: CAL.with_year("2027", []), "calendar.bad_schedule"),
        (lambda: CAL.load("/nonexistent/holidays.toml"), "calendar.bad_schedule"),
        (lambda: workdays.parse_schedules("[10000]\nholidays = []"), "calendar.bad_schedule"),
        (lambda: workdays.parse_schedules("[0]\nholidays = []"), "calendar.bad_schedule"),
        (lambda: workdays.parse_schedules(b"[2027]"), "calendar.bad_schedule"),
    ],
)
def test_bad_arguments_are_the_module_s_own_errors(call: object, code: str) -> None:
    """Review finding 5: a plain English ValueError, a TypeError, an AttributeError or
    a FileNotFoundError before (and years 0 and 10000 were accepted, then failed in
    datetime); now InvalidSchedule, in Chinese and English."""
    with pytest.raises(InvalidSchedule) as e:
        call()  # type: ignore[operator]
    assert e.value.code == code
    assert isinstance(e.value, ValueError)
    assert any("\u4e00" <= c <= "\u9fff" for c in e.value.message_zh)


def test_an_int_like_counts_and_a_directory_is_no_schedule(tmp_path: Path) -> None:
    class Index:  # an int-like without being an int (numpy.int64, say)
        def __index__(self) -> int:
            return 1

    assert CAL.add_working_days(D(2026, 9, 30), Index()) == D(2026, 10, 8)  # type: ignore[arg-type]
    cannot = CAL.load  # a directory is not a file either
    with pytest.raises(InvalidSchedule, match="cannot read"):
        cannot(tmp_path)


def test_a_schedule_file_with_a_bom_loads_and_one_in_gbk_is_named(tmp_path: Path) -> None:
    text = '[2027]\nsource = "国务院办公厅通知"\nholidays = ["2027-01-01"]\n'
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert not CAL.load(bom).is_working_day(dt.date(2027, 1, 1))
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes(text.encode("gbk"))
    with pytest.raises(InvalidSchedule, match=r"gbk\.toml: not UTF-8") as e:
        CAL.load(gbk)
    assert "不是 UTF-8 编码" in e.value.message_zh


def test_calendar_needs_years() -> None:
    with pytest.raises(InvalidSchedule):
        WorkdayCalendar([])


def test_datetimes() -> None:
    utc_evening = dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 Oct in Beijing
    assert workdays.as_china_date(utc_evening) == D(2026, 10, 1)
    assert not workdays.is_working_day(utc_evening)
    naive = dt.datetime(2026, 9, 30, 17, 0)  # naive: China time already
    assert workdays.is_working_day(naive)
    assert workdays.add_working_days(utc_evening, 1) == D(2026, 10, 8)
    with pytest.raises(TypeError):
        workdays.as_china_date("2026-09-30")  # type: ignore[arg-type]


@given(COVERED, st.integers(0, 60))
def test_between_inverts_add(start: dt.date, n: int) -> None:
    try:
        end = workdays.add_working_days(start, n)
    except CalendarNotCovered:
        return
    assert workdays.working_days_between(start, end) == n
    if n:
        assert workdays.is_working_day(end)


@given(COVERED, st.integers(1, 60))
def test_counting_back_finds_the_nth_working_day_before(start: dt.date, n: int) -> None:
    try:
        earlier = workdays.add_working_days(start, -n)
    except CalendarNotCovered:
        return
    assert workdays.is_working_day(earlier)
    # exactly n - 1 working days lie strictly between the two days
    before_start = workdays.working_days_between(earlier, start) - workdays.is_working_day(start)
    assert before_start == n - 1


@given(COVERED, st.integers(1, 60))
def test_add_matches_a_day_by_day_count(start: dt.date, n: int) -> None:
    day, left = start, n
    while left:
        day += dt.timedelta(days=1)
        if day.year > 2026:
            return
        left -= chinese_calendar.is_workday(day)
    assert workdays.add_working_days(start, n) == day


def test_a_year_may_be_an_int_like() -> None:
    """Found by the session review: ``with_year(numpy.int64(2027), ...)`` worked, then
    was refused when the years were checked; counts of working days take int-likes,
    and so do years now (a bool or a float does not)."""
    from xueji.errors import InvalidSchedule
    from xueji.workdays import default_calendar

    class Year:  # an int-like, as numpy.int64 is
        def __index__(self) -> int:
            return 2027

    cal = default_calendar().with_year(Year(), [dt.date(2027, 1, 1)])  # type: ignore[arg-type]
    assert cal.is_working_day(dt.date(2027, 1, 4))
    assert not cal.is_working_day(dt.date(2027, 1, 1))
    for bad in (True, 2027.0, "2027"):
        with pytest.raises(InvalidSchedule):
            default_calendar().with_year(bad, [])  # type: ignore[arg-type]


def test_the_clock_and_a_date_that_is_not_one_are_said_in_chinese_and_english() -> None:
    """Found by the newcomer walkthrough: ``ManualClock.advance_to`` going back said
    only ``the clock does not run back from ...``, and ``add_working_days("2026-09-25",
    3)`` only ``expected a date or datetime, not str``: English alone, where every
    other message is in Chinese with the English beside it. Both are ``XuejiError``
    now, with a stable code, and keep the type callers catch (``ValueError``,
    ``TypeError``)."""
    from xueji.clock import ManualClock

    clock = ManualClock(D(2026, 10, 8))
    with pytest.raises(ValueError, match="does not run back") as back:
        clock.advance_to(D(2026, 9, 1))
    assert isinstance(back.value, XuejiError)
    assert back.value.code == "clock.backwards"
    assert back.value.message_zh == "时钟不能倒退：从 2026-10-08 退回 2026-09-01"
    assert back.value.message_en == "the clock does not run back from 2026-10-08 to 2026-09-01"
    assert clock.today() == D(2026, 10, 8)
    with pytest.raises(TypeError) as text:
        workdays.add_working_days("2026-09-25", 3)  # type: ignore[arg-type]
    assert isinstance(text.value, InvalidSchedule)
    assert text.value.code == "calendar.bad_input"
    assert text.value.message_zh == (
        "应为日期（date 或 datetime），而不是 str：'2026-09-25'（文本请先用 date.fromisoformat 转换）"
    )
    assert text.value.message_en == (
        "expected a date or datetime, not str: '2026-09-25' "
        "(convert text with date.fromisoformat first)"
    )
    with pytest.raises(TypeError, match="not int") as number:
        workdays.as_china_date(20260925)  # type: ignore[arg-type]
    assert "不是 int" in number.value.message_zh
