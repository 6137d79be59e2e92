"""Explanations: which rules a decision evaluated, on which facts, under which parameters.

Every :class:`~xueji.decision.Decision` can explain itself
(:meth:`~xueji.decision.Decision.explain`). A rule function records one :class:`Step`
per rule it evaluated, whether the rule allowed, refused or warned, so an *allowed*
decision still says what was checked and why it passed. A step names its rule code,
the article it applies, the facts it looked at, the policy parameters it read (each
with its own article) and, where a computation stands behind it, a detail such as the
working-day count of a deadline (:class:`xueji.workdays.DeadlineExplanation`).

Identity numbers never appear in an explanation: facts named ``id_number`` or
``guardian_id`` are masked whole, and any other value that looks like a resident
identity number (15 or 18 characters) is masked where it stands
(:func:`mask_ids`), with :func:`xueji.masking.mask`.

>>> from xueji.articles import anhui
>>> s = Step("transfer.same_school", Verdict.ALLOW, anhui(21), "转入学校与转出学校相同",
...          "the receiving and sending schools are the same",
...          {"from_school": "S1", "to_school": "S2"})
>>> e = Explanation(True, (s,))
>>> print(e.text("en"))
Decision: allowed (1 rule evaluated, 0 refused, 0 warned)
1. ✓ allow [transfer.same_school] the receiving and sending schools are the same — 皖教基〔2013〕20号 Art 21
   facts: from_school=S1, to_school=S2
>>> print(e.text("zh").splitlines()[1])
1. ✓ 通过 [transfer.same_school] 转入学校与转出学校相同 — 皖教基〔2013〕20号 第二十一条
>>> mask_ids("guardian 11010519491231002X, number G11010519491231002X")
'guardian 110105********002X, number G110105********002X'
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from xueji.articles import Article
from xueji.masking import mask, mask_ids

__all__ = [
    "SENSITIVE_FACTS",
    "Detail",
    "Explanation",
    "Lang",
    "ParamUse",
    "Step",
    "StepSource",
    "Verdict",
    "mask_facts",
    "mask_ids",
]

Lang = Literal["zh", "en"]

SENSITIVE_FACTS = frozenset({"id_number", "guardian_id", "resident_id"})
"""Fact names whose values are identity numbers: always masked whole."""


def mask_facts(
    value: Mapping[str, object] | Iterable[tuple[str, object]],
) -> tuple[tuple[str, str], ...]:
    """A rule's facts as text, identity numbers masked: a fact named in
    :data:`SENSITIVE_FACTS` whole, ID-like text in any other where it stands. Both an
    explanation's steps and a :class:`~xueji.decision.Violation` keep their facts so.

    >>> mask_facts({"id_number": "11010519491231002X", "note": "G11010519491231002X"})
    (('id_number', '110105********002X'), ('note', 'G110105********002X'))
    """
    out = []
    for k, v in dict(value).items():
        text = str(v)
        out.append((str(k), mask(text) if k in SENSITIVE_FACTS else mask_ids(text)))
    return tuple(out)


class Verdict(enum.Enum):
    """What one rule said: allow, refuse, or allow with a warning."""

    ALLOW = "allow"
    REFUSE = "refuse"
    WARN = "warn"

    def label(self, lang: Lang) -> str:
        """A mark and a word, e.g. ``✗ 拒绝`` or ``! warn``."""
        mark = {"allow": "✓", "refuse": "✗", "warn": "!"}[self.value]
        zh = {"allow": "通过", "refuse": "拒绝", "warn": "提醒"}[self.value]
        return f"{mark} {zh if lang == 'zh' else self.value}"


@runtime_checkable
class Detail(Protocol):
    """A computation behind a step (e.g. a deadline) that explains itself."""

    def lines(self, lang: Lang) -> list[str]:
        """The computation in a few lines of text."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""


class _HasParam(Protocol):
    @property
    def value(self) -> object: ...
    @property
    def article(self) -> Article: ...
    @property
    def note(self) -> str: ...


@attrs.frozen
class ParamUse:
    """A policy parameter a rule read: its name, value (as text) and article."""

    name: str
    value: str
    article: Article
    note: str = ""

    @classmethod
    def of(cls, name: str, param: _HasParam) -> ParamUse:
        """From a :class:`xueji.policy.Param` of the policy in force."""
        return cls(name, _show(param.value), param.article, param.note)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""
        return {
            "name": self.name,
            "value": self.value,
            "article": str(self.article),
            "article_en": self.article.english,
            "note": self.note,
        }


_NONE = "None"
"""What :func:`_show` makes of a parameter left unset (``None``): said as 无 / none in
an explanation's text (found by the newcomer walkthrough: ``= None``)."""


def _show(value: object) -> str:
    """A parameter's value as short text: enums by value, dates of the year as MM-DD,
    attrs values as ``name(field=value, ...)``, mappings as ``{key: value, ...}``.

    >>> from xueji.policy import ANHUI_2013
    >>> _show(ANHUI_2013.class_size_caps.value)
    '{primary: 45, junior: 50, senior: 50, special: 12}'
    """
    if isinstance(value, enum.Enum):
        return str(value.value)
    if attrs.has(type(value)):
        names = [f.name for f in attrs.fields(type(value))]  # type: ignore[arg-type]
        if names == ["month", "day"]:
            month, day = (int(getattr(value, n)) for n in names)
            return f"{month:02d}-{day:02d}"
        inner = ", ".join(f"{n}={_show(getattr(value, n))}" for n in names)
        return f"{type(value).__name__}({inner})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_show(k)}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list, frozenset, set)):
        items = (  # numbers in their order (grades 1, 6, 10), the rest as text
            sorted(
                value,
                key=lambda x: (not isinstance(x, int), x if isinstance(x, int) else 0, str(x)),
            )
            if isinstance(value, (frozenset, set))
            else value
        )
        return "[" + ", ".join(_show(x) for x in items) + "]"
    return str(value)


def _params(items: Iterable[ParamUse]) -> tuple[ParamUse, ...]:
    return tuple(items)


@attrs.frozen
class Step:
    """One rule evaluated: its code, verdict, article, facts, parameters and detail.

    ``title_zh``/``title_en`` state the rule (the catalogue's text for its code);
    ``facts`` are masked on construction, so no form of a step holds a full
    identity number.
    """

    rule: str
    verdict: Verdict
    article: Article
    title_zh: str
    title_en: str
    facts: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=mask_facts)
    params: tuple[ParamUse, ...] = attrs.field(default=(), converter=_params)
    detail: Detail | None = None

    def lines(self, lang: Lang, number: int) -> list[str]:
        """This step as numbered text lines."""
        title = self.title_zh if lang == "zh" else self.title_en
        cite = str(self.article) if lang == "zh" else self.article.english
        out = [f"{number}. {self.verdict.label(lang)} [{self.rule}] {title} — {cite}"]
        if self.facts:
            head = "事实" if lang == "zh" else "facts"
            out.append(f"   {head}: " + ", ".join(f"{k}={v}" for k, v in self.facts))
        for p in self.params:
            head = "参数" if lang == "zh" else "parameter"
            cite = str(p.article) if lang == "zh" else p.article.english
            value = p.value if p.value != _NONE else ("无" if lang == "zh" else "none")
            out.append(f"   {head}: {p.name} = {value} ({cite})")
        if self.detail is not None:
            out.extend("   " + line for line in self.detail.lines(lang))
        return [mask_ids(line) for line in out]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""
        return {
            "rule": self.rule,
            "outcome": self.verdict.value,
            "article": str(self.article),
            "article_en": self.article.english,
            "rule_zh": self.title_zh,
            "rule_en": self.title_en,
            "facts": dict(self.facts),
            "params": [p.to_dict() for p in self.params],
            "detail": self.detail.to_dict() if self.detail is not None else None,
        }


def _steps(items: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(items)


@runtime_checkable
class StepSource(Protocol):
    """Steps recorded cheaply and built only when read.

    Rules run once per student in bulk imports, where nobody reads an explanation:
    a rule function records plain tuples (:class:`xueji.rules._base.Checks`) and a
    :class:`~xueji.decision.Decision` keeps the recorder, so the :class:`Step` values
    (masking, parameter text) are built only when ``steps`` or ``explain()`` is read.
    """

    def build_steps(self) -> tuple[Step, ...]:
        """The recorded steps, in order."""


@attrs.frozen
class Explanation:
    """A decision explained: its outcome and every rule evaluated, in order.

    ``text("zh")`` and ``text("en")`` are for people, ``str()`` gives both, and
    ``to_dict()`` is the structured form for programs.
    """

    allowed: bool
    steps: tuple[Step, ...] = attrs.field(default=(), converter=_steps)

    @property
    def rules(self) -> tuple[str, ...]:
        """The codes of the rules evaluated, in order."""
        return tuple(s.rule for s in self.steps)

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles cited by the steps and their parameters, once each, in order."""
        seen: dict[Article, None] = {}
        for s in self.steps:
            seen[s.article] = None
            for p in s.params:
                seen[p.article] = None
        return tuple(seen)

    def _count(self, verdict: Verdict) -> int:
        return sum(1 for s in self.steps if s.verdict is verdict)

    def text(self, lang: Lang = "zh") -> str:
        """The explanation in Simplified Chinese (``"zh"``) or English (``"en"``)."""
        n, refused, warned = len(self.steps), self._count(Verdict.REFUSE), self._count(Verdict.WARN)
        if lang == "zh":
            outcome = "允许" if self.allowed else "拒绝"
            head = f"结论：{outcome}（评估规则 {n} 条，拒绝 {refused} 条，提醒 {warned} 条）"
        elif lang == "en":
            outcome = "allowed" if self.allowed else "refused"
            rules = "rule" if n == 1 else "rules"
            head = (
                f"Decision: {outcome} ({n} {rules} evaluated, {refused} refused, {warned} warned)"
            )
        else:
            raise ValueError(f"lang is 'zh' or 'en', not {lang!r}")
        lines = [head]
        for i, step in enumerate(self.steps, 1):
            lines.extend(step.lines(lang, i))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text("zh") + "\n\n" + self.text("en")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""
        return {
            "allowed": self.allowed,
            "rules": list(self.rules),
            "articles": [str(a) for a in self.articles],
            "steps": [s.to_dict() for s in self.steps],
        }
