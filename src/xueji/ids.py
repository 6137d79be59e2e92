"""Resident identity numbers (公民身份号码, GB 11643-1999).

An identity number has 18 characters: a six-digit address code (GB/T 2260), the
birth date as ``YYYYMMDD``, a three-digit sequence (odd for men, even for women)
and a check character computed with ISO 7064 MOD 11-2 (``0``-``9`` or ``X``).
The first-generation form had 15 digits (``YYMMDD``, no check character);
:func:`upgrade` converts it.

>>> rid = parse(" 11010519491231002x ")
>>> rid.number, rid.region, rid.birth_date.isoformat(), rid.sex
('11010519491231002X', '110105', '1949-12-31', 'F')
>>> rid
ResidentId(number='110105********002X', region='110105', sex='F')
>>> is_valid("11010519491231002X"), is_valid("110105194912310021")
(True, False)
>>> validate("110105194912310021")
Traceback (most recent call last):
    ...
xueji.errors.InvalidResidentId: 身份号码 110105********0021 校验码错误，应为 X (identity number 110105********0021 has a wrong check character; expected X)
>>> upgrade("110105491231002")
'11010519491231002X'
>>> mask("11010519491231002X")
'110105********002X'

How verdicts differ from python-stdnum's ``cn.ric`` (on purpose):

* **Region rule.** GB 11643 numbers keep the address code they were issued with,
  and a number is issued at or after birth. So the code must have been in use in
  the birth year *or any later year* (:func:`xueji.regions.in_use_since`).
  stdnum requires the code to have been in use *in* the birth year, which rejects
  real adults whose number was issued after their county got a newer code, and
  GB 11643's own example ``440524188001010014``. xueji accepts those.
* **No crash.** stdnum raises ``KeyError`` for codes whose province exists but whose
  county entry does not (e.g. ``349999...``); xueji reports ``id.region`` and
  :func:`is_valid` returns ``False``, for any ``str``.
* **Future birth dates** are refused (against an injectable ``today``); stdnum
  accepts them.
* **Normalisation.** Full-width digits and ``Ｘ`` are folded (NFKC) and a lower-case
  ``x`` is upper-cased before checking. stdnum 2.2 takes full-width digits and a
  lower-case ``x`` too (``ric.is_valid("11010519491231002x")`` is True), not a
  full-width ``Ｘ``.
* **Years before 1800** are refused as birth dates (:data:`MIN_BIRTH_YEAR`); stdnum
  accepts them (``322421178308276037``).
* **Foreigners' permanent residence ID cards** of the 2023 form (外国人永久居留身份证,
  issued since 1 December 2023) are taken: ``9``, the 2-digit province code of
  issue, a 3-digit nationality code, then the birth date, the sequence and the check
  character where GB 11643 has them. The province code is checked (one of the
  mainland's, in use since :data:`FOREIGN_FORM_SINCE`), the nationality code is not.
  stdnum refuses them (no address code ``9xxxxx``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import time
import unicodedata
from typing import Literal

import attrs

from xueji import regions
from xueji.errors import InvalidResidentId
from xueji.masking import IdMask, mask

__all__ = [
    "FOREIGN_FORM_SINCE",
    "MIN_BIRTH_YEAR",
    "ResidentId",
    "check_character",
    "is_valid",
    "mask",
    "normalize",
    "parse",
    "upgrade",
    "validate",
]

MIN_BIRTH_YEAR = 1800
"""The earliest birth year accepted. GB 11643 sets no bound; its own example is
born in 1880, and no living person was born before 1800."""

FOREIGN_FORM_SINCE = "2023"
"""The year the 2023 form of the foreigners' permanent residence ID card (外国人永久居留
身份证) was first issued (1 December 2023): its province code of issue is one in use
then or later."""

_FOREIGN_PROVINCE_DIGITS = frozenset("123456")
"""The first digits of the mainland's province codes (11-65), where the card is issued."""

_CHECK = "10X98765432"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DIGITS = frozenset("0123456789")
_LAST = frozenset("0123456789X")
_MONTH_DAYS = frozenset(
    f"{m:02d}{d:02d}"
    for m, n in enumerate((31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), start=1)
    for d in range(1, n + 1)
)
_MIN_BIRTH = f"{MIN_BIRTH_YEAR}0101"
_CST = _dt.timezone(_dt.timedelta(hours=8), "CST")

Sex = Literal["M", "F"]


def _not_a_str(text: object) -> InvalidResidentId:
    return InvalidResidentId(
        "id.format", "身份号码应为字符串", f"an identity number is a str, not {type(text)}"
    )


def check_character(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a 17-digit body.

    A body that is not 17 ASCII digits is :class:`~xueji.errors.InvalidResidentId`
    (``id.length`` or ``id.format``; a ``ValueError`` too).

    >>> check_character("11010519491231002")
    'X'
    """
    if not isinstance(body17, str):
        raise _not_a_str(body17)
    if len(body17) != 17:
        raise InvalidResidentId(
            "id.length",
            f"身份号码的本体码应为17位数字，而不是 {len(body17)} 位",
            f"the body of an identity number is 17 ASCII digits, not {len(body17)} characters",
        )
    if not body17.isascii() or not body17.isdigit():
        raise InvalidResidentId(
            "id.format",
            "身份号码的本体码应为17位数字",
            "the body of an identity number is 17 ASCII digits",
        )
    # sum(w_i * d_i) with w_i = 2**(17-i) mod 11: evaluating the body in base 13 gives
    # the same value mod 11 (13 = 2 mod 11) in one C call.
    return _CHECK[int(body17, 13) * 2 % 11]


def normalize(text: str) -> str:
    """Strip white space, fold full-width characters (NFKC), upper-case ``x``.

    A ``text`` that is not a ``str`` is :class:`~xueji.errors.InvalidResidentId`
    (``id.format``), as in :func:`validate`."""
    if not isinstance(text, str):
        raise _not_a_str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.strip()
    if text[-1:] == "x":
        text = text[:-1] + "X"
    return text


_today_cache: tuple[float, str] = (0.0, "")


def _today_key() -> str:
    """Today's date in China Standard Time as ``YYYYMMDD``, cached until midnight."""
    global _today_cache
    now = time.time()
    if now >= _today_cache[0]:
        local = _dt.datetime.fromtimestamp(now, _CST)
        midnight = (local + _dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)
        _today_cache = (midnight.timestamp(), local.strftime("%Y%m%d"))
    return _today_cache[1]


def _failure(number: str, today: str) -> str | None:
    """The code of the first failed check of a normalised number, or None.

    Written for speed (it is the whole of :func:`is_valid`): every step is one
    C-level operation or a dict look-up, and dates are compared as ``YYYYMMDD``
    strings.
    """
    if len(number) != 18:
        return "id.length"
    body = number[:17]
    if not (body.isdigit() and body.isascii() and number[17] in _LAST):
        return "id.format"
    if _CHECK[int(body, 13) * 2 % 11] != number[17]:
        return "id.checksum"
    birth = number[6:14]
    month_day = birth[4:]
    if month_day not in _MONTH_DAYS or birth > today or birth < _MIN_BIRTH:
        return "id.birth_date"
    if month_day == "0229":
        year = int(birth[:4])
        if year % 4 or (year % 100 == 0 and year % 400):
            return "id.birth_date"
    if number[0] == "9":  # a foreign permanent resident's (the 2023 form)
        province = (_REGION_LAST or _load_regions()).get(f"{number[1:3]}0000", "")
        if number[1] not in _FOREIGN_PROVINCE_DIGITS or province < FOREIGN_FORM_SINCE:
            return "id.region"
        return None
    if (_REGION_LAST or _load_regions()).get(number[:6], "") < birth[:4]:
        return "id.region"
    return None


_REGION_LAST: dict[str, str] = {}


def _load_regions() -> dict[str, str]:
    """Code -> last year in use as four digits (``"9999"`` if current), loaded once."""
    _REGION_LAST.update({code: f"{r.last_year:04d}" for code, r in regions.table().items()})
    return _REGION_LAST


@functools.lru_cache(maxsize=64)
def _day_key(day: _dt.date) -> str:
    return day.strftime("%Y%m%d")


def _today_str(today: _dt.date | None) -> str:
    if today is None:
        return _today_key()
    if not isinstance(today, _dt.date):
        raise InvalidResidentId(
            "id.today",
            f"today 应为日期（datetime.date），而不是 {type(today).__name__}",
            f"today is a datetime.date, not {type(today).__name__}",
        )
    return _day_key(today)


def is_valid(text: str, *, today: _dt.date | None = None) -> bool:
    """True if ``text`` is a valid identity number; never raises for a ``str``.

    ``today`` is the date against which a birth date in the future is refused
    (default: today in China Standard Time); a ``today`` that is not a date is
    :class:`~xueji.errors.InvalidResidentId` with code ``id.today``, the one error.
    """
    if not isinstance(text, str):
        return False
    if len(text) != 18 or not text.isascii() or text[17] == "x":
        text = normalize(text)
    return _failure(text, _today_str(today)) is None


_MESSAGES = {
    "id.length": ("长度应为18位", "must have 18 characters"),
    "id.format": (
        "前17位应为数字，末位应为数字或X",
        "must be 17 digits followed by a digit or X",
    ),
    "id.birth_date": (
        "出生日期不是真实日期或晚于今天",
        "has a birth date that is not a real date or is in the future",
    ),
    "id.region": (
        "地址码在出生年份及以后均未使用",
        "has an address code not in use in or after the birth year",
    ),
}


def validate(text: str, *, today: _dt.date | None = None) -> str:
    """Return the normalised number, or raise :class:`~xueji.errors.InvalidResidentId`.

    The error's ``code`` says which part failed (``id.length``, ``id.format``,
    ``id.checksum``, ``id.birth_date``, ``id.region``); its message names the
    number masked.
    """
    if not isinstance(text, str):
        raise _not_a_str(text)
    number = normalize(text)
    code = _failure(number, _today_str(today))
    if code is None:
        return number
    shown_zh = shown_en = mask(number)
    if len(number) != 18:  # (its length: a masked 19 or 20 would show a wrong mask)
        shown_zh, shown_en = f"<{len(number)}位>", f"<{len(number)} characters>"
    if code == "id.region" and number[0] == "9":
        zh = "（外国人永久居留身份证号码）受理地省级代码无效"
        en = (
            "(a foreigner's permanent residence ID card number) has no valid province code of issue"
        )
    elif code == "id.checksum":
        want = _CHECK[int(number[:17], 13) * 2 % 11]
        zh = f"校验码错误，应为 {want}"
        en = f"has a wrong check character; expected {want}"
    else:
        zh, en = _MESSAGES[code]
        if code == "id.length" and len(number) == 15:
            zh += "（15位旧号码请先升位：命令行 xueji id upgrade，程序中 ids.upgrade()）"
            en += (
                " (convert a 15-digit number first: xueji id upgrade on the command line,"
                " ids.upgrade() in a program)"
            )
    raise InvalidResidentId(code, f"身份号码 {shown_zh} {zh}", f"identity number {shown_en} {en}")


def upgrade(number15: str) -> str:
    """Convert a first-generation 15-digit number to its 18-digit form.

    The two-digit year gets the prefix ``19`` (first-generation numbers were issued
    to people born in the twentieth century) and the check character is appended.
    The result is checked like any other number. A ``number15`` that is not a
    ``str`` is :class:`~xueji.errors.InvalidResidentId` (``id.format``).
    """
    number = normalize(number15)
    if len(number) != 15 or not (number.isascii() and number.isdigit()):
        raise InvalidResidentId(
            "id.length", "15位旧身份号码应为15位数字", "a 15-digit identity number has 15 digits"
        )
    body = number[:6] + "19" + number[6:]
    return validate(body + check_character(body))


def _mask_repr(number: str) -> str:
    return repr(mask(number))


@attrs.frozen
class ResidentId:
    """A parsed, valid identity number. ``repr`` masks the number and shows no
    birth date: the mask hides exactly the birth date, which shown beside it gave the
    whole number back (Art 30; found by the privacy review). The sequence is left out
    of it too (it is in the mask's last four).

    ``number`` is the full normalised number: read it only where the full number
    is needed, and prefer :meth:`masked` for display.
    """

    number: str = attrs.field(repr=_mask_repr)
    region: str
    birth_date: _dt.date = attrs.field(repr=False)
    sequence: int = attrs.field(repr=False)
    sex: Sex

    @property
    def foreign_permanent_resident(self) -> bool:
        """True for the number of a foreigner's permanent residence ID card of the 2023
        form (first digit ``9``): its ``region`` is then ``9``, the province code of
        issue and the 3-digit nationality code, not a GB/T 2260 code."""
        return self.number[0] == "9"

    def masked(self, spec: IdMask | None = None) -> str:
        """The number masked by ``spec`` (default: first 6 and last 4 shown)."""
        return mask(self.number, spec)

    def __str__(self) -> str:
        return self.masked()


def parse(text: str, *, today: _dt.date | None = None) -> ResidentId:
    """Validate ``text`` and split it into its parts (see :func:`validate`)."""
    number = validate(text, today=today)
    seq = int(number[14:17])
    return ResidentId(
        number=number,
        region=number[:6],
        birth_date=_dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        sequence=seq,
        sex="M" if seq % 2 else "F",
    )
