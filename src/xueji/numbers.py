"""Registry numbers (学籍号, Arts 12-13) and regional student numbers (地区学号).

A registry number has 19 characters: a letter and 18 characters (the national
system's form):

* ``G`` + the student's 18-character resident identity number: the formal number.
* ``J`` + a number built like an identity number (the school's 6-digit area code,
  the 8-digit birth date, a 3-digit sequence and an ISO 7064 check character): the
  formal number of a student with no identity number. Anhui Art 13 identifies such
  a student by a guardian's identity number; the J number is what keeps two
  children of one guardian (twins) apart, because its sequence is allocated per
  (area, birth date) and never reused.
* ``L`` + area code + birth date + a 4-digit sequence: a temporary number.

"一人一号，终身不变": an issued number is never changed or reused. When a student
identified by a guardian later gets an identity number, :func:`link_resident_id`
adds the G number to the student's :class:`NumberRecord` and keeps the earlier
number in its history, so a look-up by either number finds the student.

>>> g = parse("G11010519491231002X")
>>> g.kind, g.body
('G', '11010519491231002X')
>>> g
RegistryNumber(text='G110105********002X')
>>> alloc = MemoryAllocator()
>>> from datetime import date
>>> a = issue_j("340104", date(2019, 5, 1), "M", alloc)
>>> b = issue_j("340104", date(2019, 5, 1), "M", alloc)  # a twin brother
>>> a.text, b.text
('J34010420190501001X', 'J340104201905010036')
>>> is_valid("J34010420190501001X"), is_valid("J340104201905010017")
(True, False)
"""

from __future__ import annotations

import datetime as _dt
import functools
import string
import threading
from collections.abc import Callable, Mapping
from typing import Literal, Protocol, runtime_checkable

import attrs

from xueji import ids, regions
from xueji.errors import InvalidRegistryNumber, InvalidResidentId, NumberSpaceExhausted
from xueji.masking import IdMask, mask, mask_ids
from xueji.policy.model import Policy
from xueji.policy.values import Stage

__all__ = [
    "MemoryAllocator",
    "NumberChange",
    "NumberRecord",
    "RegistryNumber",
    "SequenceAllocator",
    "correct_resident_id",
    "format_regional_number",
    "is_valid",
    "issue_g",
    "issue_j",
    "issue_l",
    "issue_regional_number",
    "link_resident_id",
    "mask_number",
    "needs_regional_number",
    "new_record",
    "normalize",
    "parse",
]

Kind = Literal["G", "J", "L"]

STAGE_DIGITS = {Stage.PRIMARY: "1", Stage.JUNIOR: "2", Stage.SENIOR: "3", Stage.SPECIAL: "4"}
"""The stage digit used by the default 地区学号 format."""


def mask_number(text: str, *, every_kind: bool = False, spec: IdMask | None = None) -> str:
    """A registry number for display: a G number's identity digits masked (J and L
    numbers hold no identity number and are shown whole unless ``every_kind``), with
    ``spec`` (default :data:`xueji.masking.DEFAULT_MASK`).

    >>> mask_number("G11010519491231002X"), mask_number("L340104201905010001")
    ('G110105********002X', 'L340104201905010001')
    """
    if text[:1] == "G" or (every_kind and text[:1] in ("J", "L")):
        return text[0] + mask(text[1:], spec)
    return text


def _mask_repr(text: str) -> str:
    return repr(mask_number(text, every_kind=True))


@attrs.frozen
class RegistryNumber:
    """A valid registry number. ``repr`` masks a G number's identity digits."""

    text: str = attrs.field(repr=_mask_repr)

    @property
    def kind(self) -> Kind:
        """``G``, ``J`` or ``L``."""
        k = self.text[0]
        assert k in ("G", "J", "L")
        return k  # type: ignore[return-value]

    @property
    def body(self) -> str:
        """The 18 characters after the letter."""
        return self.text[1:]

    @property
    def area(self) -> str:
        """The area code: the identity number's region (G) or the school's (J, L)."""
        return self.text[1:7]

    @property
    def birth_date(self) -> _dt.date:
        """The birth date written in the number."""
        b = self.text[7:15]
        return _dt.date(int(b[:4]), int(b[4:6]), int(b[6:]))

    @property
    def is_temporary(self) -> bool:
        """True for an L number."""
        return self.text[0] == "L"

    def __str__(self) -> str:
        return mask_number(self.text)


def _bad(code: str, text: str, zh: str, en: str) -> InvalidRegistryNumber:
    # masked whatever its letter: a number refused for its letter or length may be an
    # identity number typed with a digit too many, or with a wrong letter before it
    shown = mask_number(text, every_kind=True) if text[:1] in ("G", "J", "L") else mask(text)
    return InvalidRegistryNumber(code, f"学籍号 {shown} {zh}", f"registry number {shown} {en}")


def normalize(text: str) -> str:
    """A registry number as :func:`parse` reads it: white space stripped, full-width
    characters folded, the letter and a final ``x`` upper-cased. Not validated.

    >>> normalize(" g11010519491231002x ")
    'G11010519491231002X'
    """
    t = ids.normalize(text)
    return t[:1].upper() + t[1:]


def parse(text: str, *, today: _dt.date | None = None) -> RegistryNumber:
    """Validate a G, J or L number (normalised like identity numbers) and return it.

    ``today`` is the date against which a birth date in the future is refused, as for
    an identity number (:func:`xueji.ids.validate`): by default today in China
    Standard Time (before, a J or L number took the server's local date); a
    ``datetime`` is taken as its date; anything else is ``number.today`` (before, a
    J or L number raised a raw ``TypeError``)."""
    if not isinstance(text, str):
        raise InvalidRegistryNumber(
            "number.format", "学籍号应为字符串", "a registry number is a str"
        )
    try:
        today_key = ids._today_str(today)  # (YYYYMMDD; China's today by default)
    except InvalidResidentId as e:
        raise InvalidRegistryNumber("number.today", e.message_zh, e.message_en) from None
    t = normalize(text)
    if len(t) != 19:
        raise _bad("number.length", t, "长度应为19位", "must have 19 characters")
    kind = t[0]
    if kind == "G":
        try:
            ids.validate(t[1:], today=today)
        except InvalidResidentId as e:
            raise _bad(
                "number.g_id",
                t,
                f"中的身份号码无效：{e.message_zh}",
                f"has a bad ID: {e.message_en}",
            ) from e
        return RegistryNumber(t)
    if kind not in ("J", "L"):
        raise _bad("number.prefix", t, "首字母应为 G、J 或 L", "must start with G, J or L")
    body = t[1:]
    digits = body[:17] if kind == "J" else body
    if not (digits.isascii() and digits.isdigit()) or (
        kind == "J" and body[17] not in "0123456789X"
    ):
        raise _bad("number.format", t, "含有非法字符", "has characters out of place")
    if kind == "J" and ids.check_character(body[:17]) != body[17]:
        raise _bad("number.checksum", t, "校验码错误", "has a wrong check character")
    try:
        born = _dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise _bad("number.birth_date", t, "出生日期无效", "has an impossible birth date") from None
    if body[6:14] > today_key or born.year < ids.MIN_BIRTH_YEAR:
        raise _bad("number.birth_date", t, "出生日期无效", "has an impossible birth date")
    if not regions.in_use_since(body[:6], born.year):
        spans = regions.years_in_use(body[:6])
        if spans:  # a known code, retired before the birth year: said so, with when
            last = regions.last_year_in_use(body[:6])
            raise _bad(
                "number.area",
                t,
                f"的地区码 {body[:6]} 已于 {last} 年停用（{spans}），早于出生年份",
                f"has area code {body[:6]}, no longer in use after {last} ({spans}), "
                "before the birth year",
            )
        raise _bad("number.area", t, "地区码无效", "has an unknown area code")
    return RegistryNumber(t)


def is_valid(text: str, *, today: _dt.date | None = None) -> bool:
    """True if ``text`` is a valid G, J or L number; never raises for a ``str`` (a
    ``today`` that is not a date gives False, as :func:`parse` refuses it)."""
    try:
        parse(text, today=today)
    except (InvalidRegistryNumber, InvalidResidentId):
        return False
    return True


@runtime_checkable
class SequenceAllocator(Protocol):
    """Hands out sequence numbers per key, each at most once, starting at 1.

    Storage implements it (so that allocation is atomic with the rest of a unit
    of work); :class:`MemoryAllocator` is the in-memory implementation.
    """

    def next(self, key: str) -> int:
        """The next unused sequence number for ``key`` (1, 2, 3, ...)."""
        ...

    def reserve(self, counts: Mapping[str, int]) -> dict[str, int]:
        """Take the next ``counts[key]`` numbers of every key at once; returns the first
        number of each key's block (a bulk command allocates with a few statements,
        not one per record). A count below 1 is a ``ValueError``."""
        ...


class MemoryAllocator:
    """A thread-safe in-memory :class:`SequenceAllocator`."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def next(self, key: str) -> int:
        """The next unused sequence number for ``key``."""
        return self.reserve({key: 1})[key]

    def reserve(self, counts: Mapping[str, int]) -> dict[str, int]:
        """Take ``counts[key]`` numbers of each key; returns the first of each block."""
        check_counts(counts)
        with self._lock:
            first = {k: self._next.get(k, 0) + 1 for k in counts}
            for k, n in counts.items():
                self._next[k] = first[k] + n - 1
            return first


def check_counts(counts: Mapping[str, int]) -> None:
    """Refuse a reservation of fewer than one number (a bug in the caller)."""
    bad = {k: n for k, n in counts.items() if n < 1}
    if bad:
        raise ValueError(f"counts must be at least 1: {bad}")


def issue_g(id_number: str, *, today: _dt.date | None = None) -> RegistryNumber:
    """The formal number of a student with an identity number: ``G`` + the number."""
    return RegistryNumber("G" + ids.validate(id_number, today=today))


def _check_area(area: str, born: _dt.date) -> None:
    if not regions.in_use_since(area, born.year):
        spans = regions.years_in_use(area)
        if spans:  # a code retired before the birth year (a school added with it)
            raise InvalidRegistryNumber(
                "number.area",
                f"地区码 {area} 在 {born.year} 年已停用（{spans}）：学校的行政区划码须为现行代码",
                f"area code {area} was no longer in use in {born.year} ({spans}): a "
                "school's region must be a code in use",
            )
        raise InvalidRegistryNumber(
            "number.area", f"地区码 {area} 无效", f"area code {area} is not a valid region code"
        )


def issue_j(
    area: str,
    birth_date: _dt.date,
    sex: Literal["M", "F"],
    allocator: SequenceAllocator,
    *,
    held: Callable[[str], bool] | None = None,
) -> RegistryNumber:
    """A new J number for a student with no identity number.

    J numbers are built like identity numbers, so the sequence follows GB 11643's
    convention: odd for boys, even for girls (500 boys and 499 girls per area and birth date).
    The n-th boy gets ``2n - 1`` and the n-th girl ``2n``, from one allocator key
    per (area, birth date, sex): two children of one guardian therefore never
    share a number, and a number is never reused.

    ``held``: whether a number is held already (the registry asks its store). A J
    number can come from outside, not from the allocator (a student taken in from
    another province or from abroad keeps the 学籍号 he arrives with, Arts 13, 22): a
    sequence number whose J number is held is skipped, never issued again (found by
    the review: two students answering to one 学籍号).
    """
    if sex not in ("M", "F"):
        raise ValueError(f"sex is 'M' or 'F', not {sex!r}")
    _check_area(area, birth_date)
    born = birth_date.strftime("%Y%m%d")
    while True:
        n = allocator.next(f"J:{area}:{born}:{sex}")
        seq = 2 * n - 1 if sex == "M" else 2 * n
        if seq > 999:
            raise NumberSpaceExhausted(
                "number.exhausted",
                f"地区 {area} 出生日期 {born} 的J号序号已用完",
                f"no J sequence numbers left for area {area} and birth date {born}",
            )
        body = f"{area}{born}{seq:03d}"
        j = RegistryNumber("J" + body + ids.check_character(body))
        if held is None or not held(j.text):
            return j


def issue_l(
    area: str,
    birth_date: _dt.date,
    allocator: SequenceAllocator,
    *,
    held: Callable[[str], bool] | None = None,
) -> RegistryNumber:
    """A new temporary L number (area + birth date + 4-digit sequence); a number
    ``held`` already (one taken in from outside) is skipped, as by :func:`issue_j`."""
    _check_area(area, birth_date)
    born = birth_date.strftime("%Y%m%d")
    while True:
        n = allocator.next(f"L:{area}:{born}")
        if n > 9999:
            raise NumberSpaceExhausted(
                "number.exhausted",
                f"地区 {area} 出生日期 {born} 的L号序号已用完",
                f"no L sequence numbers left for area {area} and birth date {born}",
            )
        number = RegistryNumber(f"L{area}{born}{n:04d}")
        if held is None or not held(number.text):
            return number


# -- the number history ----------------------------------------------------------


@attrs.frozen
class NumberChange:
    """One event in a student's number history. ``repr`` masks the number and any
    identity or registry number in ``reason`` (a reason written before the numbers
    in it were masked holds a whole J number, whose birth date beside the masked
    identity number gave the whole number back, Art 30)."""

    on: _dt.date
    number: RegistryNumber
    reason: str = attrs.field(repr=lambda v: repr(mask_ids(v)))


@attrs.frozen
class NumberRecord:
    """A student's registry numbers: the current one and every one ever issued.

    ``guardian_id`` is the identifying guardian's identity number (Art 13) while
    the student has none; ``id_number`` the student's own once known. Both are
    masked in ``repr``.
    """

    current: RegistryNumber
    history: tuple[NumberChange, ...]
    id_number: str | None = attrs.field(default=None, repr=lambda v: repr(v and mask(v)))
    guardian_id: str | None = attrs.field(default=None, repr=lambda v: repr(v and mask(v)))
    voided: tuple[str, ...] = attrs.field(
        default=(), repr=lambda v: repr(tuple(mask_number(n, every_kind=True) for n in v))
    )
    """Numbers issued from an identity number later corrected (Art 29): they were
    never the student's, belong to whoever holds that identity number, and no longer
    identify this student (they stay in ``history``)."""

    @property
    def all_numbers(self) -> tuple[RegistryNumber, ...]:
        """Every number issued to the student, oldest first (voided ones included)."""
        return tuple(c.number for c in self.history)

    def answers_to(self, text: str) -> bool:
        """True if ``text`` is a number the student has held (not a voided one)."""
        return text not in self.voided and any(n.text == text for n in self.all_numbers)


def new_record(
    on: _dt.date,
    *,
    id_number: str | None = None,
    guardian_id: str | None = None,
    area: str | None = None,
    birth_date: _dt.date | None = None,
    sex: Literal["M", "F"] | None = None,
    allocator: SequenceAllocator | None = None,
    validated: bool = False,
    held: Callable[[str], bool] | None = None,
) -> NumberRecord:
    """Issue a student's first number.

    With ``id_number``: a G number. Without: the guardian's identity number is
    required (Art 13) and a J number is issued from the school's ``area``, the
    student's ``birth_date`` and ``sex``, skipping numbers ``held`` already (see
    :func:`issue_j`). With ``validated`` the caller promises
    ``id_number`` is the normalised result of :func:`xueji.ids.validate` (the
    facade validates each row's number once, on input), and it is not validated
    again.
    """
    if id_number is not None:
        g = RegistryNumber("G" + id_number) if validated else issue_g(id_number, today=on)
        return NumberRecord(g, (NumberChange(on, g, "issued"),), g.body, None)
    if guardian_id is None:
        raise InvalidRegistryNumber(
            "number.no_identifier",
            "无身份证号的学生须以父母或其他法定监护人的身份证号为标识号（第十三条）",
            "a student with no ID number is identified by a guardian's ID number (Art 13)",
        )
    guardian = ids.validate(guardian_id, today=on)
    if area is None or birth_date is None or sex is None or allocator is None:
        raise ValueError("a J number needs area, birth_date, sex and allocator")
    j = issue_j(area, birth_date, sex, allocator, held=held)
    return NumberRecord(j, (NumberChange(on, j, "issued"),), None, guardian)


def link_resident_id(record: NumberRecord, id_number: str, on: _dt.date) -> NumberRecord:
    """The record after the student got an identity number.

    The G number becomes current; the earlier J or L number stays in the history
    (and still identifies the student). Linking the same number again changes
    nothing; linking a different number to a record that already has one is refused.
    """
    number = ids.validate(id_number, today=on)
    if record.id_number == number:
        return record
    if record.id_number is not None:
        raise InvalidRegistryNumber(
            "number.relink",
            "学生已有身份证号，更正须走关键信息变更审批（第二十九条）",
            "the student already has an ID number; changing it is a key-field correction (Art 29)",
        )
    g = RegistryNumber("G" + number)
    # the number replaced, masked: a whole J or L number holds the birth date, which
    # the masked identity number beside it hides (Art 30)
    replaced = mask_number(record.current.text, every_kind=True)
    change = NumberChange(on, g, f"linked resident ID, replacing {replaced}")
    return attrs.evolve(record, current=g, history=(*record.history, change), id_number=number)


def correct_resident_id(record: NumberRecord, id_number: str, on: _dt.date) -> NumberRecord:
    """The record after an approved correction of the student's identity number
    (Art 29): the G number is issued anew from the corrected number and becomes
    current, and the G number issued from the wrong one is voided.

    Art 13 builds the 学籍号 on the identity number. One built on a wrong number holds
    another person's identity number (and perhaps the wrong birth date and sex), and
    that person, enrolled later, is issued the same G number (found by the analysts'
    review: two students held one 学籍号). Reading: the 学籍号 follows the corrected
    identity number; the voided number stays in ``history`` for the record's past
    (what was reported under it), but no longer identifies the student
    (:meth:`NumberRecord.answers_to`). A J or L number held before stays valid. A
    record without an identity number gets one as :func:`link_resident_id` gives it.

    >>> import datetime as dt
    >>> r = new_record(dt.date(2026, 9, 1), id_number="11010520190301001X")
    >>> fixed = correct_resident_id(r, "110105201903010028", dt.date(2026, 10, 8))
    >>> fixed.current.text, fixed.voided
    ('G110105201903010028', ('G11010520190301001X',))
    >>> fixed.answers_to("G11010520190301001X")
    False
    """
    number = ids.validate(id_number, today=on)
    if record.id_number is None:
        return link_resident_id(record, number, on)
    if record.id_number == number:
        return record
    old = "G" + record.id_number
    g = RegistryNumber("G" + number)
    change = NumberChange(
        on, g, f"identity number corrected (Art 29): re-issued, voiding {mask_number(old)}"
    )
    voided = record.voided if old in record.voided else (*record.voided, old)
    return attrs.evolve(
        record,
        current=g,
        history=(*record.history, change),
        id_number=number,
        voided=tuple(v for v in voided if v != g.text),
    )


# -- 地区学号 (regional student numbers) -------------------------------------------------


def needs_regional_number(grade: int, policy: Policy) -> bool:
    """True if entering ``grade`` assigns a new 地区学号 (Art 12: grades 1, 7, 10)."""
    return grade in policy.initial_grades.value


@functools.lru_cache(maxsize=64)
def _format_fields(fmt: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(fmt) if f)


@functools.lru_cache(maxsize=4096)
def _regional_width(fmt: str, region: str, year: int, stage: Stage) -> int:
    """The length of the first number of a sequence: later ones must not be longer."""
    return len(format_regional_number(fmt, region=region, year=year, stage=stage, seq=1))


def format_regional_number(fmt: str, *, region: str, year: int, stage: Stage, seq: int) -> str:
    """Apply a policy's 地区学号 format (fields: region, year, stage, seq)."""
    unknown = _format_fields(fmt) - {"region", "year", "stage", "seq"}
    if unknown:
        raise InvalidRegistryNumber(
            "number.format_spec",
            f"地区学号格式含未知字段 {sorted(unknown)[0]}",
            f"unknown field {sorted(unknown)[0]!r} in the regional number format",
        )
    return fmt.format(region=region, year=year, stage=STAGE_DIGITS[stage], seq=seq)


def regional_key(region: str, year: int, stage: Stage) -> str:
    """The allocator key of the 地区学号 sequence of (region, year, stage)."""
    return f"R:{region}:{year}:{stage.value}"


def issue_regional_number(
    policy: Policy, allocator: SequenceAllocator, *, region: str, year: int, stage: Stage
) -> str:
    """A new 地区学号 for a student entering an initial grade in ``year``.

    The sequence is allocated per (region, year, stage); with the region in the
    number, numbers are unique within the province. A sequence that no longer fits
    the format's width is refused rather than silently widened.
    """
    fmt = policy.regional_number_format.value
    n = allocator.next(regional_key(region, year, stage))
    text = format_regional_number(fmt, region=region, year=year, stage=stage, seq=n)
    if len(text) != _regional_width(fmt, region, year, stage):
        raise NumberSpaceExhausted(
            "number.exhausted",
            f"地区 {region} {year}年 地区学号序号已用完",
            f"no regional sequence numbers left for {region} in {year}",
        )
    return text
