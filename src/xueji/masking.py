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

>>> mask("11010519491231002X")
'110105********002X'
>>> mask("11010519491231002X", IdMask(head=0, tail=2))
'****************2X'
>>> mask("123")
'***'
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

__all__ = ["DEFAULT_MASK", "HIDDEN_DATE", "IdMask", "mask", "mask_ids", "remask"]


@attrs.frozen
class IdMask:
    """How many leading and trailing characters stay visible, and the fill character.

    ``head`` and ``tail`` count characters of the 18-character number (6 region, 8
    birth date, 3 sequence, 1 check character). A 15-character text, the
    first-generation number (6 region, the birth date as ``YYMMDD``, 3 sequence; no
    century, no check character), is masked so as to show what the mask shows of an
    18-character number: the default shows its first 6 and last 3, its birth date
    hidden (the last 4 showed the last digit of the day: ``110105*****1002``)."""

    head: int = attrs.field(default=6, validator=attrs.validators.ge(0))
    tail: int = attrs.field(default=4, validator=attrs.validators.ge(0))
    fill: str = attrs.field(default="*", validator=attrs.validators.min_len(1))

    def apply(self, text: str) -> str:
        """Mask ``text``; a text too short to keep head and tail is masked whole.

        >>> IdMask().apply("110105491231002")
        '110105******002'
        """
        n = len(text)
        head, tail = self.head, self.tail
        if n == 15:  # (the first generation: the 18's characters 7-8 and 18 missing)
            head, tail = max(min(head, 6), head - 2), max(tail - 1, 0)
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
# part of a longer run of digits. A registry number (G + 18) is masked inside its letter.
_ID_LIKE = re.compile(
    r"(?<!\d)(\d{17}[\dXxＸｘ]|\d{15})(?![\dXxＸｘ])"
)  # (full-width Ｘ: ids takes it)


_SEPARATOR = "[-－ \u3000]"
# The same 18 characters written in groups, 6-8-4 or 6-4-4-4, separated by a hyphen or
# a space (ASCII or full-width), as people copy a number from a form: ids does not take
# them as a number, but a free text quoting one gives it away.
_ID_GROUPED = re.compile(
    rf"(?<![\dXxＸｘ])\d{{6}}{_SEPARATOR}(?:\d{{8}}|\d{{4}}{_SEPARATOR}\d{{4}}){_SEPARATOR}"
    r"\d{3}[\dXxＸｘ](?![\dXxＸｘ])"
)


def _in_groups(written: str, mask_number: Callable[[str], str]) -> str:
    """``written``, a number in groups, masked by ``mask_number`` (given the number
    without its separators) and written back into the same groups."""
    chars = iter(mask_number(re.sub(_SEPARATOR, "", written)))
    return "".join(c if re.fullmatch(_SEPARATOR, c) else next(chars) for c in written)


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

    A number written in groups (6-8-4 or 6-4-4-4, hyphens or spaces between) is
    masked in its groups:

    >>> mask_ids("证号 110105-19491231-002X，110105 1949 1231 002X")
    '证号 110105-********-002X，110105 **** **** 002X'
    """
    apply = (spec or DEFAULT_MASK).apply
    born: set[str] = set()

    def masked(number: str) -> str:
        born.add(number[6:14] if len(number) == 18 else "19" + number[6:12])
        return apply(number)

    out = _ID_GROUPED.sub(lambda m: _in_groups(m.group(0), masked), text)
    out = _ID_LIKE.sub(lambda m: masked(m.group(0)), out)
    if not born:
        return out
    return _birth_dates(born).sub(HIDDEN_DATE, out)


# a number as DEFAULT_MASK leaves it: 6 digits, its birth date's 8 characters filled,
# its last 4; a 15-digit one's first 6 and last 3 (6 + 6 + 3), or as it was masked
# before the 15-digit form hid its whole birth date (6 + 5 + 4)
_DEFAULT_MASKED = re.compile(
    r"(?<![\d*])(?:\d{6}\*{8}[\dXxＸｘ]{4}|\d{6}\*{6}\d{3}|\d{6}\*{5}\d{4})(?![\dXxＸｘ*])"
)


# the same written in groups, as mask_ids leaves a grouped number (6-8-4 or 6-4-4-4)
_DEFAULT_MASKED_GROUPED = re.compile(
    rf"(?<![\d*])\d{{6}}{_SEPARATOR}(?:\*{{8}}|\*{{4}}{_SEPARATOR}\*{{4}}){_SEPARATOR}"
    r"[\dXxＸｘ]{4}(?![\dXxＸｘ*])"
)


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
    return _DEFAULT_MASKED.sub(lambda m: spec.apply(m.group(0)), out)


def _birth_dates(born: set[str]) -> re.Pattern[str]:
    """The dates ``born`` (``YYYYMMDD``) in the forms a text writes a date in:
    ``20200301``, ``2020-03-01``, ``2020/3/1``, ``2020.3.1``, ``2020年3月1日``."""
    forms = []
    for b in sorted(born):
        y, m, d = b[:4], b[4:6].lstrip("0") or "0", b[6:].lstrip("0") or "0"
        forms.append(
            rf"{y}(?:{b[4:]}|\s*[-/.]\s*0?{m}\s*[-/.]\s*0?{d}|\s*年\s*0?{m}\s*月\s*0?{d}\s*日?)"
        )
    return re.compile(rf"(?<!\d)(?:{'|'.join(forms)})(?!\d)")
