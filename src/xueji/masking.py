"""Masking identity numbers for display and logs.

The mask is a policy parameter (:attr:`xueji.policy.Policy.id_mask`), which the
change log follows; reprs, error messages, explanations and reports, which have no
profile at hand, use :data:`DEFAULT_MASK` (``docs/privacy.md``). The default
shows the first 6 and the last 4 characters. Note what that still reveals: the
first 6 are the address code (where the number was issued) and the last 4 include
the sequence digit whose parity is the sex. A deployment that must hide those
chooses a stricter mask, e.g. ``IdMask(head=0, tail=2)``.

What the default mask hides is exactly the birth date (characters 7-14; of a
15-digit first-generation number, characters 7-12: it shows the first 6 and the last
3), so a masked number and a birth date are never shown together: the two give the whole number
back. No repr, explanation, change-log value or message shows a student's birth date
beside a masked number; where a value must be shown and a number may be beside it,
it is :data:`HIDDEN_DATE` (``docs/privacy.md``).

:func:`mask_ids` takes a number in one run, in its own groupings (6-8-4, 6-4-4-4) and
in any other grouping that is a whole run of digit groups with one kind of separator
and a birth date where the birth date belongs; ``docs/privacy.md`` says exactly what
it takes and what it leaves.

>>> mask("11010519491231002X")
'110105********002X'
>>> mask("11010519491231002X", IdMask(head=0, tail=2))
'****************2X'
>>> mask("123")
'***'
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Callable, Iterable

import attrs

__all__ = [
    "DEFAULT_MASK",
    "HIDDEN_DATE",
    "IdMask",
    "birth_dates_of",
    "hide_birth_dates",
    "mask",
    "mask_ids",
    "remask",
]


@attrs.frozen
class IdMask:
    """How many leading and trailing characters stay visible, and the fill character.

    ``head`` and ``tail`` count characters of the 18-character number (6 region, 8
    birth date, 3 sequence, 1 check character). A 15-character text, the
    first-generation number (6 region, the birth date as ``YYMMDD``, 3 sequence; no
    century, no check character), is masked so as to show what the mask shows of an
    18-character number: the default shows its first 6 and last 3, its birth date
    hidden (the last 4 showed the last digit of the day: ``110105*****1002``). A 16-
    or 17-character text is read as an 18-character number with its last 2 or 1
    characters left off (the birth date where it was): the tail loses them, so the
    default shows its first 6 and last 2 or 3 (``110105********002``); the 4 last
    showed a digit of the birth day. A longer text (19 characters or more: a bank
    card number, a number with a character too many) is masked with ``head`` and
    ``tail`` as they are: the default's first 6 and last 4 hold no birth date of an
    18-character number anywhere inside it."""

    head: int = attrs.field(default=6, validator=attrs.validators.ge(0))
    tail: int = attrs.field(default=4, validator=attrs.validators.ge(0))
    fill: str = attrs.field(default="*", validator=attrs.validators.min_len(1))

    def apply(self, text: str) -> str:
        """Mask ``text``; a text too short to keep head and tail is masked whole.

        >>> IdMask().apply("110105491231002")
        '110105******002'
        >>> IdMask().apply("11010519491231002")
        '110105********002'
        """
        n = len(text)
        head, tail = self.head, self.tail
        if n == 15:  # (the first generation: the 18's characters 7-8 and 18 missing)
            head, tail = max(min(head, 6), head - 2), max(tail - 1, 0)
        elif n in (16, 17):  # (an 18 with its last 2 or 1 left off: the tail is cut)
            tail = max(tail - (18 - n), 0)
        if n <= head + tail:
            return self.fill * n
        shown_tail = text[n - tail :] if tail else ""
        return text[:head] + self.fill * (n - head - tail) + shown_tail


DEFAULT_MASK = IdMask()

HIDDEN_DATE = "****-**-**"
"""A birth date where it is hidden (a request's payload in its ``repr``, a change-log
value): the birth date is what the default mask hides of an identity number (Art 30)."""


def mask(number: str, spec: IdMask | None = None) -> str:
    """Mask an identity number (or any identifier) for display and logs."""
    return (spec or DEFAULT_MASK).apply(number)


# 18 characters (17 digits and a check character) or the 15-digit first generation, not
# part of a longer run of digits. A registry number (G + 18) is masked inside its letter;
# 18 digits followed by a stray X (``340104198001010011x``) are masked, the X kept.
_ID_LIKE = re.compile(
    r"(?<!\d)(?:\d{17}[\dXxＸｘ](?!\d)(?![XxＸｘ][\dXxＸｘ])|\d{15}(?![\dXxＸｘ]))"
)  # (full-width Ｘ: ids takes it)

# Any other run of 15 digits or more (an X after it taken with it), not beside a
# lower-case hexadecimal letter (a digest's digits are no number): taken by _long_run.
_LONG_RUN = re.compile(r"(?<![\da-f])\d{15,}+[XxＸｘ]?(?![\da-f])")


def _long_run(run: str, masked: Callable[[str], str]) -> str:
    """``run`` masked by ``masked`` when it may be (or hold) an identity number: 16 or
    17 characters whose characters 7-14 are a birth date (:data:`_BIRTH_YEARS`), an
    18-character number with its last 2 or 1 left off (17 digits are the whole number:
    the check character follows from them; 16 leave one in eleven); 19 or more (a bank
    card number, a number with a digit too many: an identity number may be inside it),
    masked whole. As it is otherwise: 16 or 17 digits with no birth date where an
    identity number has it are no part of one (a 地区学号 of the default format,
    ``{region}{year}{stage}{seq:05d}``, mostly: a primary school's whose sequence is
    00100-03199 reads as a date in October, and is masked too, as a text does not say
    which of the two it is)."""
    if len(run) >= 19:
        return masked(run)
    if len(run) in (16, 17) and run[:14].isdigit():
        try:
            born = _dt.date(int(run[6:10]), int(run[10:12]), int(run[12:14]))
        except ValueError:
            return run
        if born.year in _BIRTH_YEARS:
            return masked(run)
    return run


_SEPARATOR_KINDS = (
    "-－‐‑‒–—",  # hyphens and dashes
    " \u3000\u00a0\t",  # spaces (ASCII, full-width, no-break) and a tab
    ".．",  # dots
    "/／",  # slashes
    "_＿",  # underscores
    "·・•‧",  # middle dots
)
"""What separates the groups of a number copied in groups, by kind: a number in a
grouping other than 6-8-4 and 6-4-4-4 is taken only with one kind between its groups."""

_SEPARATOR = "[" + re.escape("".join(_SEPARATOR_KINDS)) + "]"
_SEPARATOR_KIND = {c: i for i, kind in enumerate(_SEPARATOR_KINDS) for c in kind}

# The same 18 characters written in groups, 6-8-4 or 6-4-4-4, one or more separators
# between (of _SEPARATOR_KINDS, mixed or not), as people copy a number from a form: ids
# does not take them as a number, but a free text quoting one gives it away. These two
# groupings are the number's own (region, birth date, sequence), taken wherever they
# stand, after a phone number too.
_ID_GROUPED = re.compile(
    rf"(?<![\dXxＸｘ])\d{{6}}{_SEPARATOR}++(?:\d{{8}}|\d{{4}}{_SEPARATOR}++\d{{4}}){_SEPARATOR}++"
    r"\d{3}[\dXxＸｘ](?![\dXxＸｘ])"
)

# Any other grouping: a whole run of digit groups, taken by _grouped_number when it is
# one number. Possessive, and never failing on what follows (_whole_run says that), so
# that a long run is read once, never again from each of its groups.
_ID_RUN = re.compile(rf"(?<![\dXxＸｘ])\d++(?:{_SEPARATOR}++\d++)*+(?:{_SEPARATOR}*+[XxＸｘ])?")


def _whole_run(m: re.Match[str], fill: str = "") -> bool:
    """Whether the run ``m`` matched is not part of a longer run of the characters of a
    number (a digit, an X, or ``fill``, right after it)."""
    after = m.string[m.end() : m.end() + 1]
    return not after or not (after.isdigit() or after in "XxＸｘ" or after in fill)


_BIRTH_YEARS = range(1800, 2100)
"""The years a birth date of a number in any grouping is taken in: the centuries 18,
19 and 20 of GB 11643 (``ids.MIN_BIRTH_YEAR`` is 1800)."""


def _grouped_number(run: str) -> str | None:
    """The part of ``run`` (digit groups and separators) that is an identity number in
    some grouping, or None: the run's 17 digits and check character (or 18 digits and a
    stray X, the X left out), one kind of separator between the groups, and characters
    7-14 a birth date (:data:`_BIRTH_YEARS`). The birth date keeps a phone number, a
    bank card or a list of scores that happens to hold 18 digits from being taken."""
    run = _stray_x(run)[0]
    body = re.sub(_SEPARATOR, "", run)
    if len(body) != 18 or not body[:17].isdigit():
        return None
    if len({_SEPARATOR_KIND[c] for c in run if c in _SEPARATOR_KIND}) != 1:
        return None
    try:
        born = _dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return None
    return run if born.year in _BIRTH_YEARS else None


def _stray_x(run: str) -> tuple[str, str]:
    """``run`` (groups and separators) as the number's part and what follows it: 18
    characters and a stray X after them (``3401041980 01010011x``) are the 18 and the
    X; any other run is all the number's."""
    body = re.sub(_SEPARATOR, "", run)
    if len(body) == 19 and body[18] in "XxＸｘ" and body[17] not in "XxＸｘ":
        cut = run.rindex(body[17]) + 1
        return run[:cut], run[cut:]
    return run, ""


def _in_groups(written: str, mask_number: Callable[[str], str]) -> str:
    """``written``, a number in groups, masked by ``mask_number`` (given the number
    without its separators) and written back into the same groups."""
    chars = iter(mask_number(re.sub(_SEPARATOR, "", written)))
    return "".join(c if re.fullmatch(_SEPARATOR, c) else next(chars) for c in written)


def _in_any_grouping(run: str, mask_number: Callable[[str], str]) -> str:
    """``run`` with the number :func:`_grouped_number` finds in it masked in its groups;
    as it is when there is none."""
    number = _grouped_number(run)
    if number is None:
        return run
    return _in_groups(number, mask_number) + run[len(number) :]


def mask_ids(text: str, spec: IdMask | None = None) -> str:
    """``text`` with everything that looks like an identity number masked (Art 30),
    with ``spec`` (default :data:`DEFAULT_MASK`), and the birth date of each number
    masked, where the text also gives it, hidden (:data:`HIDDEN_DATE`): the default
    mask hides exactly the birth date, which beside it gave the number back (a free
    text quoting both, such as an info entry's).

    >>> mask_ids("no student 340104202003011018 (G340104202003011018)")
    'no student 340104********1018 (G340104********1018)'
    >>> mask_ids("证 340104202003011018", IdMask(head=0, tail=2))
    '证 ****************18'
    >>> mask_ids("2020年3月1日生，证号 340104202003011018；another: 2020-03-02")
    '****-**-**生，证号 340104********1018；another: 2020-03-02'

    A number written in groups is masked in its groups: 6-8-4 or 6-4-4-4 with any
    separators between (hyphens, spaces, dots, slashes, underscores, middle dots),
    and any other grouping where the whole run of groups is the number, one kind of
    separator between, its characters 7-14 a birth date (``docs/privacy.md``):

    >>> mask_ids("证号 110105-19491231-002X，110105 1949 1231 002X")
    '证号 110105-********-002X，110105 **** **** 002X'
    >>> mask_ids("110105.19491231.002X; 1101 0519 4912 3100 2X; tel 0551 6588 1234")
    '110105.********.002X; 1101 05** **** **00 2X; tel 0551 6588 1234'
    """
    apply = (spec or DEFAULT_MASK).apply
    born: set[str] = set()

    def masked(number: str) -> str:
        if len(number) == 15:
            born.add("19" + number[6:12])
        elif len(number) <= 18:  # (16 and 17: an 18 with its last characters left off)
            born.add(number[6:14])
        return apply(number)

    out = _ID_GROUPED.sub(lambda m: _in_groups(m.group(0), masked), text)
    out = _ID_RUN.sub(
        lambda m: _in_any_grouping(m.group(0), masked) if _whole_run(m) else m.group(0), out
    )
    out = _ID_LIKE.sub(lambda m: masked(m.group(0)), out)
    out = _LONG_RUN.sub(lambda m: _long_run(m.group(0), masked), out)
    return hide_birth_dates(out, born)


# a number as DEFAULT_MASK leaves it: 6 digits, its birth date's 8 characters filled,
# its last 4; a 15-digit one's first 6 and last 3 (6 + 6 + 3), or as it was masked
# before the 15-digit form hid its whole birth date (6 + 5 + 4); a 16- or 17-character
# one's first 6 and last 2 or 3 (6 + 8 + 2, 6 + 8 + 3); a longer run's first 6 and last
# 4 (6 + 9 or more + 4)
_DEFAULT_MASKED = re.compile(
    r"(?<![\d*])(?:\d{6}\*{8}[\dXxＸｘ]{4}(?![\d*])(?![XxＸｘ][\dXxＸｘ*])"
    r"|\d{6}\*{6}\d{3}(?![\dXxＸｘ*])|\d{6}\*{5}\d{4}(?![\dXxＸｘ*])"
    r"|\d{6}\*{8}\d{1,2}[\dXxＸｘ](?![\dXxＸｘ*])|\d{6}\*{9,}\d{3}[\dXxＸｘ](?![\dXxＸｘ*]))"
)


# the same written in groups, as mask_ids leaves a grouped number (6-8-4 or 6-4-4-4)
_DEFAULT_MASKED_GROUPED = re.compile(
    rf"(?<![\d*])\d{{6}}{_SEPARATOR}++(?:\*{{8}}|\*{{4}}{_SEPARATOR}++\*{{4}}){_SEPARATOR}++"
    r"[\dXxＸｘ]{4}(?![\dXxＸｘ*])"
)

# in any other grouping: a run of groups whose characters are the default's 6 + 8 + 4
_DEFAULT_MASKED_RUN = re.compile(
    rf"(?<![\d*XxＸｘ])[\d*]++(?:{_SEPARATOR}++[\d*]++)*+(?:{_SEPARATOR}*+[XxＸｘ])?"
)
_DEFAULT_MASKED_BODY = re.compile(r"\d{6}\*{8}[\dXxＸｘ]{4}")


def _masked_again(run: str, spec: IdMask) -> str:
    """``run``, a run of groups, masked again with ``spec`` in its groups if it is a
    number the default mask left in any grouping; as it is otherwise."""
    number, rest = _stray_x(run)
    if _DEFAULT_MASKED_BODY.fullmatch(re.sub(_SEPARATOR, "", number)) is None:
        return run
    return _in_groups(number, spec.apply) + rest


def remask(text: str, spec: IdMask | None = None) -> str:
    """``text`` masked with ``spec`` (as :func:`mask_ids`), the numbers already masked
    with :data:`DEFAULT_MASK` (a message made where no profile was at hand: an error,
    an explanation) masked again with ``spec``. Masking again only hides: what the
    default hid stays hidden whatever ``spec`` is (the command line masks its output so
    with the profile's ``id_mask``).

    >>> remask("学生 110105********002X 不存在; 证 11010519491231002X", IdMask(head=0, tail=2))
    '学生 ****************2X 不存在; 证 ****************2X'
    >>> remask("学生 110105********002X", IdMask(head=10, tail=4))
    '学生 110105********002X'

    A number the default mask left in its groups is masked again in them:

    >>> remask("学生 110105-********-002X", IdMask(head=0, tail=2))
    '学生 ******-********-**2X'
    """
    spec = spec or DEFAULT_MASK
    out = mask_ids(text, spec)
    if spec == DEFAULT_MASK:
        return out

    out = _DEFAULT_MASKED_GROUPED.sub(lambda m: _in_groups(m.group(0), spec.apply), out)
    out = _DEFAULT_MASKED_RUN.sub(
        lambda m: _masked_again(m.group(0), spec) if _whole_run(m, "*") else m.group(0), out
    )
    return _DEFAULT_MASKED.sub(lambda m: spec.apply(m.group(0)), out)


def birth_dates_of(numbers: Iterable[str | None]) -> set[str]:
    """The birth dates (``YYYYMMDD``) of the identity numbers among ``numbers``: an
    18-character number's characters 7-14, a 15-digit one's (``19`` and 7-12), a G
    registry number's after its letter; what is not one of those (None, empty, a J or
    L number) gives none.

    >>> sorted(birth_dates_of(["11010519491231002X", "G340104202003020053", None, "x"]))
    ['19491231', '20200302']
    """
    born: set[str] = set()
    for n in numbers:
        if not n:
            continue
        body = n[1:] if n[0] in "Gg" else n
        if len(body) == 18 and body[6:14].isdigit():
            born.add(body[6:14])
        elif len(body) == 15 and body.isdigit():
            born.add("19" + body[6:12])
    return born


def hide_birth_dates(text: str, born: set[str]) -> str:
    """``text`` with each of the birth dates ``born`` (``YYYYMMDD``, from
    :func:`birth_dates_of`) hidden (:data:`HIDDEN_DATE`), in the forms a text writes a
    date in (``20200302``, ``2020-03-02``, ``2020/3/2``, ``2020.3.2``,
    ``2020年3月2日``): for a free text logged or shown where a number they belong to
    is shown masked (the entry's, the record's), which beside its birth date gives
    it back (Art 30). :func:`mask_ids` hides those of the numbers inside the text
    itself; this, those of numbers shown elsewhere.

    >>> hide_birth_dates("出生日期 2020年3月2日 错录为 2020-03-01", {"20200302"})
    '出生日期 ****-**-** 错录为 2020-03-01'
    """
    if not born or not text or not any(b[:4] in text for b in born):
        return text  # (every form writes the year whole: most texts hold none)
    return _birth_dates(frozenset(born)).sub(HIDDEN_DATE, text)


@functools.lru_cache(maxsize=256)
def _birth_dates(born: frozenset[str]) -> re.Pattern[str]:
    """The dates ``born`` (``YYYYMMDD``) in the forms a text writes a date in:
    ``20200301``, ``2020-03-01``, ``2020/3/1``, ``2020.3.1``, ``2020年3月1日``."""
    forms = []
    for b in sorted(born):
        y, m, d = b[:4], b[4:6].lstrip("0") or "0", b[6:].lstrip("0") or "0"
        forms.append(
            rf"{y}(?:{b[4:]}|\s*[-/.]\s*0?{m}\s*[-/.]\s*0?{d}|\s*年\s*0?{m}\s*月\s*0?{d}\s*日?)"
        )
    return re.compile(rf"(?<!\d)(?:{'|'.join(forms)})(?!\d)")
