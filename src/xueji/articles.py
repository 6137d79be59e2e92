"""Citations of the articles behind every rule and parameter.

Every decision xueji takes names the article that requires it. An
:class:`Article` is a value: the instrument (its document number), the article
number and, where it matters, the paragraph or item.

>>> a = Article("皖教基〔2013〕20号", 24)
>>> str(a)
'皖教基〔2013〕20号 第二十四条'
>>> a.english
'皖教基〔2013〕20号 Art 24'
>>> str(Article("皖教基〔2013〕20号", 25, paragraph=2))
'皖教基〔2013〕20号 第二十五条第二款'
>>> chinese_numeral(33)
'三十三'
"""

from __future__ import annotations

import attrs

__all__ = ["ANHUI_2013_MEASURES", "NATIONAL_2013_MEASURES", "Article", "chinese_numeral"]

ANHUI_2013_MEASURES = "皖教基〔2013〕20号"
"""The Anhui measures (安徽省中小学生学籍信息化管理办法)."""

NATIONAL_2013_MEASURES = "教基一〔2013〕7号"
"""The national measures (中小学生学籍管理办法)."""

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Write ``1 <= n <= 999`` in Chinese numerals as articles are numbered (a law
    cited beside a province's measures may run past 99 articles).

    >>> chinese_numeral(24), chinese_numeral(10), chinese_numeral(105), chinese_numeral(121)
    ('二十四', '十', '一百零五', '一百二十一')
    """
    if not 1 <= n <= 999:
        raise ValueError(f"article numbers run from 1 to 999, not {n}")
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_100(rest)
    head = _DIGITS[hundreds] + "百"
    if not rest:
        return head
    if rest < 10:
        return head + "零" + _DIGITS[rest]
    tens = _below_100(rest)
    return head + (tens if not tens.startswith("十") else "一" + tens)


def _below_100(n: int) -> str:
    tens, units = divmod(n, 10)
    if tens == 0:
        return _DIGITS[units]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[units] if units else "")


@attrs.frozen(order=True)
class Article:
    """One article of one instrument, optionally narrowed to a paragraph (款) or
    item (项).

    ``number`` 0 cites the instrument itself (for example a notice's preamble
    item); ``note`` is free text shown after the citation (for example
    "notice item 3").

    ``inherited_from`` names the profile whose article this is, where a decision
    under another profile cites it because that profile did not re-cite the rule
    (:meth:`xueji.policy.Policy.as_cited`): shown as "沿用" / "inherited from", so
    that a reader never takes it for their own measures' article. It is never
    written in a policy file.

    >>> a = Article("皖教基〔2013〕20号", 14, inherited_from="anhui-2013")
    >>> str(a)
    '皖教基〔2013〕20号 第十四条（沿用 anhui-2013）'
    >>> a.english
    '皖教基〔2013〕20号 Art 14 (inherited from anhui-2013)'
    >>> Article("皖教基〔2013〕20号", 29, note="第十二条", inherited_from="anhui-2013").english
    '皖教基〔2013〕20号 Art 29 (第十二条; inherited from anhui-2013)'
    """

    instrument: str
    number: int = attrs.field(validator=[attrs.validators.ge(0), attrs.validators.le(999)])
    paragraph: int | None = attrs.field(
        default=None,
        validator=attrs.validators.optional([attrs.validators.ge(1), attrs.validators.le(999)]),
    )
    item: int | None = attrs.field(
        default=None,
        validator=attrs.validators.optional([attrs.validators.ge(1), attrs.validators.le(999)]),
    )
    note: str = ""
    inherited_from: str = ""

    def __str__(self) -> str:
        if self.number == 0:
            text = self.instrument
        else:
            text = f"{self.instrument} 第{chinese_numeral(self.number)}条"
            if self.paragraph is not None:
                text += f"第{chinese_numeral(self.paragraph)}款"
            if self.item is not None:
                text += f"第（{chinese_numeral(self.item)}）项"
        shown = [self.note] if self.note else []
        if self.inherited_from:
            shown.append(f"沿用 {self.inherited_from}")
        return f"{text}（{'；'.join(shown)}）" if shown else text

    @property
    def english(self) -> str:
        """The citation in English form, e.g. ``皖教基〔2013〕20号 Art 24(2)``."""
        if self.number == 0:
            text = self.instrument
        else:
            text = f"{self.instrument} Art {self.number}"
            if self.paragraph is not None:
                text += f"({self.paragraph})"
            if self.item is not None:
                text += f" item {self.item}"
        shown = [self.note] if self.note else []
        if self.inherited_from:
            shown.append(f"inherited from {self.inherited_from}")
        return f"{text} ({'; '.join(shown)})" if shown else text


def anhui(number: int, paragraph: int | None = None, *, note: str = "") -> Article:
    """Cite an article of the Anhui measures."""
    return Article(ANHUI_2013_MEASURES, number, paragraph, note=note)
