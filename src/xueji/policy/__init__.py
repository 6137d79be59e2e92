"""Policy profiles: every parameter the rules use, each with the article behind it.

``ANHUI_2013`` is the first profile. Another jurisdiction builds its own with
:func:`attrs.evolve` or a TOML data file (:func:`load_policy`), never by editing
the library:

>>> import attrs
>>> from xueji.articles import Article
>>> mine = attrs.evolve(
...     ANHUI_2013,
...     code="example",
...     transfer_stage_limit=Param(10, Article("某教基〔2027〕1号", 14)),
... )
>>> mine.transfer_stage_limit.value, str(mine.transfer_stage_limit.article)
(10, '某教基〔2027〕1号 第十四条')
>>> ANHUI_2013.transfer_stage_limit.value
20
>>> from datetime import date
>>> policy_in_force(date(2014, 1, 1), [ANHUI_2013]).code
'anhui-2013'
>>> NATIONAL_2013.transfer_stage_limit.value, NATIONAL_2013.transfer_default_approval.value
(10, False)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence

from xueji.errors import InvalidPolicy, PolicyNotInForce
from xueji.policy.anhui_2013 import ANHUI_2013
from xueji.policy.files import load_policy, parse_policy, policy_from_dict, policy_to_dict
from xueji.policy.model import Param, Policy, citation_problems, locked_field_problems
from xueji.policy.values import MonthDay, Stage, Term, TransferWindow, WindowReading

__all__ = [
    "ANHUI_2013",
    "NATIONAL_2013",
    "PROFILES",
    "MonthDay",
    "Param",
    "Policy",
    "Stage",
    "Term",
    "TransferWindow",
    "WindowReading",
    "check_profiles",
    "load_policy",
    "parse_policy",
    "policy_from_dict",
    "policy_in_force",
    "policy_to_dict",
]


def _national() -> Policy:
    from importlib.resources import files

    text = files("xueji.policy").joinpath("national_2013.toml").read_text(encoding="utf-8")
    return parse_policy(text, where="national_2013.toml", profiles={ANHUI_2013.code: ANHUI_2013})


NATIONAL_2013 = _national()
"""教基一〔2013〕7号 (with the national system calendar), built from a policy file over
``ANHUI_2013``: the proof that another jurisdiction needs no library edit."""

PROFILES: Mapping[str, Policy] = {ANHUI_2013.code: ANHUI_2013, NATIONAL_2013.code: NATIONAL_2013}
"""The profiles that ship with xueji, by code."""


def policy_in_force(on: _dt.date, profiles: Iterable[Policy] | None = None) -> Policy:
    """The profile in force on ``on`` (Art 33).

    Among several in force, the one that came into force latest wins (a later
    measure supersedes an earlier one). No profile in force raises
    :class:`~xueji.errors.PolicyNotInForce`; two in force that came into force on the
    same day raise :class:`~xueji.errors.InvalidPolicy` (``policy.ambiguous``): which
    one governs would depend on the order they were listed in.
    """
    candidates = _distinct(p for p in (profiles or PROFILES.values()) if p.in_force(on))
    if not candidates:
        raise PolicyNotInForce(
            "policy.not_in_force",
            f"{on.isoformat()} 没有生效的政策",
            f"no policy profile is in force on {on.isoformat()}",
        )
    latest = max(candidates, key=lambda p: p.valid_from)
    tied = sorted(p.code for p in candidates if p.valid_from == latest.valid_from)
    if len(tied) > 1:
        raise _ambiguous(tied, latest.valid_from)
    return latest


def _ambiguous(codes: Sequence[str], since: _dt.date) -> InvalidPolicy:
    both = "、".join(codes)
    return InvalidPolicy(
        "policy.ambiguous",
        f"政策 {both} 都自 {since.isoformat()} 起生效，无法确定适用哪一个："
        "请给后出的一个更晚的 valid_from，或给先出的一个 valid_until",
        f"profiles {', '.join(codes)} both came into force on {since.isoformat()}, so "
        "which one governs is undecided: give the later one a later valid_from, or the "
        "earlier one a valid_until",
    )


def check_profiles(profiles: Iterable[Policy]) -> None:
    """Refuse a set of profiles a registry cannot decide under: two that came into
    force on the same day and are both in force then (``policy.ambiguous``),
    ``locked_fields`` that are not fields of a student record, or profiles with
    different ``school_system`` values (``policy.invalid``).

    One registry keeps one school system: a change of 学制 (6-3-3 to 五四制 or back)
    needs a transition the library does not model. Found by the review: students
    already in the grades that change stage were stranded (a grade-6 primary student
    who could never graduate under 五四制, a primary graduate refused at grade 7)."""
    listed = _distinct(profiles)
    codes = [p.code for p in listed]
    for code in sorted({c for c in codes if codes.count(c) > 1})[:1]:
        raise InvalidPolicy(
            "policy.invalid",
            f"两个不同的政策都使用代码 {code}",
            f"two different profiles have the code {code!r}",
        )
    for p in listed:
        for zh, en in (*locked_field_problems(p), *citation_problems(p)):
            raise InvalidPolicy("policy.invalid", f"政策无效：{zh}", f"invalid policy: {en}")
    systems = {p.code: p.school_system.value for p in listed}
    first = listed[0] if listed else None
    for p in listed[1:]:
        if first is not None and systems[p.code] != systems[first.code]:
            raise InvalidPolicy(
                "policy.invalid",
                f"同一学籍库的政策须使用同一学制：{first.code} 与 {p.code} 的 school_system 不同"
                "（改变学制需要过渡安排，本库不处理：已在校的学生会无法毕业或升学）",
                f"the profiles of one registry keep one school system: {first.code} and "
                f"{p.code} differ in school_system (a change of system needs a transition "
                "the library does not model: students already enrolled would be stranded)",
            )
    for p in listed:  # on the day each came into force, one profile governs
        policy_in_force(p.valid_from, listed)


def _distinct(profiles: Iterable[Policy]) -> list[Policy]:
    """The profiles, each equal one once: the same profile listed twice is not two."""
    out: list[Policy] = []
    for p in profiles:
        if not any(p == q for q in out):
            out.append(p)
    return out
