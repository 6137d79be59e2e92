"""The :class:`Policy`: every parameter the rules use, each with its article."""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import itertools
import re
import string
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar

import attrs

from xueji.articles import ANHUI_2013_MEASURES, Article
from xueji.errors import InvalidPolicy
from xueji.masking import IdMask
from xueji.policy.values import GRADED_STAGES, MonthDay, Stage, Term, TransferWindow

__all__ = ["Param", "Policy"]

T = TypeVar("T")


@attrs.frozen
class Param(Generic[T]):
    """A parameter's value with the article it comes from.

    ``note`` records a reading chosen where the article is ambiguous, so that the
    choice is documented beside the value rather than guessed silently.
    """

    value: T
    article: Article
    note: str = ""


def _fields_are_params(inst: Policy, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Param):
        raise TypeError(f"Policy.{attribute.name} must be a Param (a value with its article)")


@functools.cache
def python_types() -> Mapping[str, Any]:
    """The Python type each field of a :class:`Policy` takes, by name: a parameter's
    value type (its ``Param``'s ``value``), and the identity's (``code``: ``str``,
    ``valid_from``: ``datetime.date``, ...), as a profile built in Python
    (:func:`attrs.evolve`) gives them; :func:`type_name` writes each as docs/policy.md
    lists them. A policy file writes the same values as TOML (days as ``"MM-DD"``,
    sets as lists), converted to these types when it is loaded.

    >>> type_name(python_types()["school_system"])
    'Mapping[Stage, frozenset[int]]'
    >>> type_name(python_types()["transfer_blackout"])
    'tuple[tuple[MonthDay, MonthDay], ...] | None'
    """
    hints = typing.get_type_hints(Policy)
    out: dict[str, Any] = {}
    for f in attrs.fields(Policy):
        kind = hints[f.name]
        out[f.name] = typing.get_args(kind)[0] if typing.get_origin(kind) is Param else kind
    return out


def type_name(kind: Any) -> str:
    """A type as Python code writes it (``frozenset[int]``, ``int | None``)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return " | ".join("None" if a is type(None) else type_name(a) for a in args)
    if origin is None:
        return "datetime.date" if kind is _dt.date else getattr(kind, "__name__", str(kind))
    name = "Mapping" if origin is Mapping else origin.__name__
    return f"{name}[{', '.join('...' if a is Ellipsis else type_name(a) for a in args)}]"


_Mismatch = tuple[str, str, Any]
"""Where a value is not of its type: the path inside it (``""`` for the value
itself; ``[<Stage.PRIMARY: 'primary'>]`` a table's value, ``[key 'primary']`` its
key, ``[0]`` an item of a pair, ``[item 7]`` of a set), the type due there and the
value found."""


def _type_mismatch(value: Any, kind: Any, path: str = "") -> _Mismatch | None:
    """The first place where ``value`` is not of ``kind`` (a type of
    :func:`python_types`), or None. Strict as a policy file is (a ``bool`` is not an
    ``int``, a ``list`` is not a ``frozenset``, the text ``"primary"`` is not a
    :class:`Stage`): the rules compare and hash the values, and a ``str`` where an
    ``int`` was due was a ``TypeError`` from deep inside a rule, at its first use."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        found = [_type_mismatch(value, a, path) for a in args if a is not type(None)]
        if any(m is None for m in found):
            return None
        inside = found[0] if len(found) == 1 else None
        # (a value of the wrong type: the whole union is due; a wrong item inside a
        # value of its one other type: that item's)
        return inside if inside and inside[0] != path else (path, type_name(kind), value)
    if origin is None:
        if kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is _dt.date:
            ok = isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
        else:
            ok = isinstance(value, kind)
        return None if ok else (path, type_name(kind), value)
    if origin is Mapping:
        if not isinstance(value, Mapping):
            return (path, type_name(kind), value)
        for key, item in value.items():
            if not isinstance(key, args[0]):
                return (f"{path}[key {key!r}]", type_name(args[0]), key)
            if (m := _type_mismatch(item, args[1], f"{path}[{key!r}]")) is not None:
                return m
        return None
    if not isinstance(value, origin):
        return (path, type_name(kind), value)
    items = list(value)
    if origin is tuple and Ellipsis not in args:
        if len(items) != len(args):
            return (path, type_name(kind), value)
        pairs = list(zip(items, args, strict=True))
    else:
        pairs = [(item, args[0]) for item in items]
    for i, (item, item_kind) in enumerate(pairs):
        where = f"{path}[{i}]" if origin is tuple else f"{path}[item {item!r}]"
        if (m := _type_mismatch(item, item_kind, where)) is not None:
            return m
    return None


def _type_problems(p: Policy) -> list[Problem]:
    """A field of a profile built in Python (:func:`attrs.evolve`) whose value is not
    of the type it takes (:func:`python_types`), as a policy file's value of the wrong
    type is refused (found by the province review: ``Param("10", ...)`` for
    ``transfer_stage_limit`` was ``TypeError: '<' not supported between instances of
    'str' and 'int'``, an ``id_mask`` given as a dict ``AttributeError``); a
    parameter's article is an :class:`~xueji.articles.Article` and its note text."""
    kinds = python_types()
    for f in attrs.fields(Policy):
        value = getattr(p, f.name)
        checks: list[tuple[str, Any, Any]] = [(f.name, value, kinds[f.name])]
        if isinstance(value, Param):
            checks = [
                (f.name, value.value, kinds[f.name]),
                (f"{f.name}.article", value.article, Article),
                (f"{f.name}.note", value.note, str),
            ]
        elif f.name == "citations":
            checks = [(f"citations[{k!r}]", a, Article) for k, a in value.items()]
            checks += [(f"citations[key {k!r}]", k, str) for k in value]
        for name, item, kind in checks:
            found = _type_mismatch(item, kind)
            if found is None:
                continue
            path, due, bad = found
            shown = repr(bad)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            given = type(bad).__name__
            whole = f"（{name} 的类型为 {type_name(kind)}）" if path else ""
            whole_en = f" ({name} takes {type_name(kind)})" if path else ""
            return [
                (
                    f"{name}{path} 应为 {due}，而不是 {given}：{shown}{whole}"
                    "（各参数的 Python 类型见 docs/policy.md）",
                    f"{name}{path} takes {due}, not {given}: {shown}{whole_en} (the "
                    "Python type of each parameter: docs/policy.md)",
                )
            ]
    return []


BlackoutPeriod = tuple[MonthDay, MonthDay]
"""One period closed to transfers (``transfer_blackout``): its first and last day of
the year; a last day before the first in the year runs over the new year."""


def _blackout_periods(param: Any) -> Any:
    """``transfer_blackout`` as a tuple of periods: one pair of days (the form a
    profile wrote when it could give only one period, still valid) is one period, a
    list or tuple of pairs is kept in its order, and no period (``None``, an empty
    list) is ``None``. Anything else is left as it is, for :func:`_blackout_problems`
    (or the check that a parameter is a :class:`Param`) to refuse."""
    if not isinstance(param, Param):
        return param
    value = param.value
    if value is None or (isinstance(value, (tuple, list)) and not value):
        periods: Any = None
    elif isinstance(value, (tuple, list)) and all(isinstance(d, MonthDay) for d in value):
        periods = (tuple(value),)  # one pair: one period
    elif isinstance(value, (tuple, list)) and all(isinstance(x, (tuple, list)) for x in value):
        periods = tuple(tuple(x) for x in value)
    else:
        return param
    return param if periods == value else attrs.evolve(param, value=periods)


def _year_days(period: BlackoutPeriod) -> set[int]:
    """The days of a leap year a period holds, as day numbers (a period over the new
    year holds the end of the year and the start of it)."""

    def day(d: MonthDay) -> int:
        return _dt.date(2024, d.month, d.day).timetuple().tm_yday

    first, last = day(period[0]), day(period[1])
    if first <= last:
        return set(range(first, last + 1))
    return set(range(first, 367)) | set(range(1, last + 1))


def _blackout_problems(p: Policy) -> list[Problem]:
    """``transfer_blackout``'s periods: each two days of the year, and no two holding
    a day in common (two periods that overlap are one period written twice, or a
    mistake; which would the refusal name?)."""
    periods = p.transfer_blackout.value
    if periods is None:
        return []
    shown = repr(periods)
    if not isinstance(periods, tuple) or not all(
        isinstance(x, tuple) and len(x) == 2 and all(isinstance(d, MonthDay) for d in x)
        for x in periods
    ):
        return [
            (
                f'transfer_blackout 应为若干期间，每个期间为两个日期（如 [["01-20", "02-10"], '
                f'["07-01", "08-20"]]），而不是 {shown}',
                f"transfer_blackout is a list of periods, each two days of the year (such as "
                f'[["01-20", "02-10"], ["07-01", "08-20"]]), not {shown}',
            )
        ]
    out: list[Problem] = []
    for a, b in itertools.combinations(periods, 2):
        if _year_days(a) & _year_days(b):
            out.append(
                (
                    f"transfer_blackout 的期间 {a[0]} 至 {a[1]} 与 {b[0]} 至 {b[1]} 重叠："
                    "每个期间应各自独立（重叠的期间请合并为一个）",
                    f"transfer_blackout periods {a[0]} to {a[1]} and {b[0]} to {b[1]} overlap:"
                    " each period stands apart (write overlapping periods as one)",
                )
            )
    return out


_GRADES = range(1, 13)

AUTHORITY_LEVELS = frozenset({"city", "county"})
"""The unit levels (:class:`xueji.model.UnitLevel` values) a profile's
``school_authority_levels`` may name: those the permission matrix lets approve a
school's requests (Art 28: the province has query and statistics only)."""


Problem = tuple[str, str]
"""A problem of a profile's values: what is wrong, in Chinese and in English."""


def _value_problems(p: Policy) -> list[Problem]:
    """What is wrong with a profile's values that their types let through: a file
    that says ``transfer_stage_limit = -5`` approved every transfer the moment it was
    filed, in silence. The bounds are wide (what no measure could mean), not a
    reading of any one. ``locked_fields`` names fields of the student record, which
    this module cannot import: :func:`locked_field_problems` checks them."""
    out: list[Problem] = []
    if p.valid_until is not None and p.valid_until < p.valid_from:
        out.append(
            (
                f"失效日 {p.valid_until} 早于生效日 {p.valid_from}",
                f"valid_until {p.valid_until} is before valid_from {p.valid_from}",
            )
        )
    for name, allowed in (
        ("rollover_unfinished_final_grade", ("hold", "complete")),
        ("rollover_open_transfers", ("promote", "hold")),
        ("correction_during_transfer", ("wait", "pin")),
        ("dropout_registry_kept", ("compulsory_years", "indefinitely")),
    ):
        if getattr(p, name).value not in allowed:
            out.append((f"{name} 只能是 {allowed} 之一", f"{name} is one of {allowed}"))
    if p.dropout_return_reviewed.value is not False:
        out.append(
            (
                "dropout_return_reviewed 只能是 false：辍学返校的审批尚未实现（docs/policy.md）",
                "dropout_return_reviewed is false only: a reviewed return from dropout is "
                "not implemented (a documented gap, docs/policy.md)",
            )
        )
    for name, low, high in (
        ("school_entry_age", 1, 18),
        ("transfer_stage_limit", 1, None),
        ("registration_within_months", 1, None),
        ("dropout_review_limit", 1, None),
    ):
        value = getattr(p, name).value
        if value is not None and (value < low or (high is not None and value > high)):
            zh = f"{low} 至 {high}" if high is not None else f"不小于 {low}"
            en = f"from {low} to {high}" if high is not None else f"at least {low}"
            out.append((f"{name} 应{zh}，而不是 {value}", f"{name} is {en}, not {value}"))
    levels = p.school_authority_levels.value
    if not levels or not levels <= AUTHORITY_LEVELS:
        out.append(
            (
                f"school_authority_levels 应为 city、county 中的一个或两个，而不是 {sorted(levels)}"
                "：省级教育行政部门只有查询、统计功能（第二十八条），不审批学校的学籍",
                f"school_authority_levels is one or both of city and county, not "
                f"{sorted(levels)}: the province-level unit has query and statistics only "
                "(Art 28) and approves no school's records",
            )
        )
    for name in ("initial_grades", "compulsory_grades"):
        grades = getattr(p, name).value
        if not grades or not grades <= set(_GRADES):
            out.append(
                (
                    f"{name} 应为1至12年级（至少一个），而不是 {sorted(grades)}",
                    f"{name} are grades 1 to 12 (at least one), not {sorted(grades)}",
                )
            )
    for name in ("dropout_reentry_grades", "transfer_closed_grades"):
        grades = getattr(p, name).value
        if not grades <= set(_GRADES):
            out.append(
                (
                    f"{name} 应为1至12年级（可为空），而不是 {sorted(grades)}",
                    f"{name} are grades 1 to 12 (or none), not {sorted(grades)}",
                )
            )
    out.extend(_blank_problems(p))
    out.extend(_school_system_problems(p))
    out.extend(_blackout_problems(p))
    # the end of a school year in order (found by a review: graduation_from = 08-15
    # loaded, and every graduation was then either early or late), as days of one
    # calendar year: graduation work, its deadline, then the rollover (Art 18)
    order = [(n, getattr(p, n).value) for n in ("graduation_from", "graduation_deadline")]
    order.append(("rollover_date", p.rollover_date.value))
    for (a, x), (b, y) in itertools.pairwise(order):
        if (x.month, x.day) > (y.month, y.day):
            out.append(
                (
                    f"{a}（{x}）不应晚于 {b}（{y}）：毕业办理及其期限在前，学年升级在后",
                    f"{a} ({x}) is not after {b} ({y}): graduation work and its deadline "
                    "come before the rollover",
                )
            )
    left_out = [s.value for s in Stage if s not in p.class_size_caps.value]
    if left_out:
        # a table that lists some stages replaces the base's whole table: the others
        # had no cap at all, in silence (found by a review: 60 pupils in one senior
        # class under `value = { primary = 40 }`). A stage has no "no cap" (Art 16)
        listed = "、".join(s.value for s in Stage)
        out.append(
            (
                f"class_size_caps 须列出每个学段（{listed}）的班额上限，缺少 "
                f"{'、'.join(left_out)}：文件中的表整体替换基础政策的表，未列出的学段将没有班额上限",
                f"class_size_caps lists the cap of every stage ({', '.join(s.value for s in Stage)}); "
                f"{', '.join(left_out)} missing: the table replaces the base's whole "
                "table, and a stage left out would have no cap at all",
            )
        )
    for stage, cap in p.class_size_caps.value.items():
        if cap < 1:
            out.append(
                (
                    f"class_size_caps：{stage} 不小于 1，而不是 {cap}",
                    f"class_size_caps: {stage} is at least 1, not {cap}",
                )
            )
    if not p.terms.value:
        out.append(("terms 至少要有一个学期", "terms needs at least one term"))
    fee = p.maintenance_fee_per_student.value
    if fee < 0:
        out.append(
            (
                f"maintenance_fee_per_student 不能为负：{fee}",
                f"maintenance_fee_per_student is not negative: {fee}",
            )
        )
    out.extend(_mask_problems(p.id_mask.value))
    fmt = p.regional_number_format.value
    if "{seq" not in fmt:
        out.append(
            (
                "regional_number_format 须含 {seq} 字段",
                "regional_number_format needs a {seq} field",
            )
        )
    spec = _format_spec_problem(fmt)
    if spec is not None:
        out.append(spec)
        return out
    try:
        fmt.format(region="340104", year=2026, stage="1", seq=1)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as e:
        why = f"{type(e).__name__}: {e}"
        out.append(
            (
                f"regional_number_format 无法使用（{why}）；其字段为 region、year、stage、seq",
                f"regional_number_format cannot be used ({why}); its fields are region, year, "
                "stage and seq",
            )
        )
        return out
    out.extend(_format_field_problems(fmt))
    return out


_NUMBER_LIKE_FILL = re.compile(r"[\dXxＸｘ]")
"""What an ``id_mask`` fill may not hold: a digit (any script's: ``str.isdigit``'s
full-width ``７`` too) or the check character's X, which make a masked number read
as a real one."""


def _mask_problems(mask: IdMask) -> list[Problem]:
    """An ``id_mask`` that hides nothing (Art 30): one showing 17 or more of the 18
    characters hides at most one, and the GB 11643 check character gives that one back
    (of the eleven candidates one passes); one whose fill is a digit or X makes a
    masked number look like a real number (``340104000000001018``)."""
    out: list[Problem] = []
    if mask.head + mask.tail >= 17:
        out.append(
            (
                f"id_mask 显示18位号码中的 {mask.head} + {mask.tail} 位：至多隐藏一位，"
                "而这一位可由校验码还原（GB 11643），什么也没有隐藏；请至少隐藏两位",
                f"id_mask shows {mask.head} + {mask.tail} characters of an 18-character "
                "number: it hides one character at most, which the check character gives "
                "back (GB 11643), so nothing would be hidden; hide two or more",
            )
        )
    if _NUMBER_LIKE_FILL.search(mask.fill) or any(c.isdigit() for c in mask.fill):
        out.append(
            (
                f"id_mask 的填充字符 {mask.fill!r} 含数字或 X：遮蔽后的号码看似真实号码，"
                "请用 * 或 # 等其他字符",
                f"id_mask: the fill {mask.fill!r} holds a digit or X: a masked number would "
                "look like a real one; use another character such as * or #",
            )
        )
    return out


REGIONAL_FIELDS = ("region", "year", "stage", "seq")
"""The fields every ``regional_number_format`` shows: the sequence is allocated per
(region, year, stage) (Art 12), so a number that leaves one out repeats across them."""


def _format_field_problems(fmt: str) -> list[Problem]:
    """A ``regional_number_format`` that cannot make unique numbers: one leaving out a
    field of the sequence's key (``{region}{seq:05d}`` gave a primary and a junior
    pupil of one county the same 地区学号: their sequences both start at 1), or whose
    ``seq`` has no zero-padded width (``{seq}``: the number's length is what bounds
    the sequence, and an unpadded one ran out at the 10th student of a year)."""
    fields = {f: s for _, f, s, _ in string.Formatter().parse(fmt) if f is not None}
    missing = [f for f in REGIONAL_FIELDS if f not in fields]
    if missing:
        return [
            (
                f"regional_number_format 须含 region、year、stage、seq 四个字段，缺少 "
                f"{'、'.join(missing)}：序号按地区、年份和学段分别编排，缺少其一则无法保证地区学号不重复",
                f"regional_number_format shows all of region, year, stage and seq; "
                f"{', '.join(missing)} missing: the sequence runs per region, year and "
                "stage, so without them numbers cannot be unique",
            )
        ]
    match = _NUMBER_SPEC.fullmatch(fields["seq"] or "")
    if match is None or not match["width"]:
        return [
            (
                "regional_number_format 的 seq 须补零到固定位数（如 {seq:05d}）：号码长度决定可编的序号数，"
                "不补零则无法编出第10个序号",
                "regional_number_format: seq is zero-padded to a fixed width (such as "
                "{seq:05d}): the number's length bounds the sequence, and an unpadded one "
                "cannot make a 10th number",
            )
        ]
    return []


def _blank_problems(p: Policy) -> list[Problem]:
    """A profile's identity left blank (``code = ""``, a blank name or instrument) or a
    citation that names no instrument (``article = { instrument = "", number = 0 }``):
    each loaded before, and a decision then cited nothing (Art 33; every decision
    cites its article)."""
    out: list[Problem] = []
    for name in ("code", "name", "instrument"):
        if not str(getattr(p, name)).strip():
            out.append((f"{name} 不能为空", f"{name} is not blank"))
    cited = [("validity_article", p.validity_article)]
    cited += [(f"{n}.article", param.article) for n, param in p.parameters().items()]
    cited += [(f"citations.{k}", a) for k, a in sorted(p.citations.items())]
    for name, article in cited:
        if not article.instrument.strip():
            out.append(
                (
                    f"{name} 未写明文件（instrument 为空）：每项规定都须注明出处",
                    f"{name} names no instrument (instrument is blank): every rule cites "
                    "its source",
                )
            )
    return out


def _shown(grades: frozenset[int]) -> str:
    """Grades as a reader writes them: ``1-5`` when they follow one another."""
    ordered = sorted(grades)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return ",".join(map(str, ordered)) or "-"


def _school_system_problems(p: Policy) -> list[Problem]:
    """``school_system`` (the grades of each stage, Art 2): every stage has grades
    that follow one another within 1-12; primary, junior and senior take grades 1 to
    12 once each, in that order (special education has grades of its own beside
    them); and the parameters that name grades of the system agree with it:
    ``initial_grades`` are the first grade of each of the three stages (Art 12: a new
    地区学号 on entering a stage) and ``compulsory_grades`` the grades of primary and
    junior (义务教育: the nine years of both). A 五四制 profile writes the first two
    (its compulsory grades are still 1-9)."""
    system = p.school_system.value
    missing = [s for s in Stage if s not in system]
    if missing:
        return [
            (
                f"school_system 须给出每个学段的年级，缺少 {missing[0].value}",
                f"school_system gives the grades of every stage; {missing[0].value} is missing",
            )
        ]
    for stage in Stage:
        grades = system[stage]
        ordered = sorted(grades)
        if (
            not ordered
            or ordered != list(range(ordered[0], ordered[-1] + 1))
            or not (set(ordered) <= set(_GRADES))
        ):
            return [
                (
                    f"school_system：{stage.value} 的年级应在1至12之间且连续（至少一个），"
                    f"而不是 {sorted(grades)}",
                    f"school_system: the grades of {stage.value} follow one another within "
                    f"1 to 12 (at least one), not {sorted(grades)}",
                )
            ]
    chain = [sorted(system[s]) for s in GRADED_STAGES]
    if [g for grades in chain for g in grades] != list(_GRADES):
        shown = ", ".join(f"{s.value} {_shown(system[s])}" for s in GRADED_STAGES)
        return [
            (
                f"school_system：小学、初中、高中须依次覆盖1至12年级，每个年级恰好一次，而不是 {shown}",
                "school_system: primary, junior and senior take grades 1 to 12 once each, "
                f"in that order, not {shown}",
            )
        ]
    out: list[Problem] = []
    firsts = frozenset(grades[0] for grades in chain)
    if frozenset(p.initial_grades.value) != firsts:
        out.append(
            (
                f"initial_grades 应为各学段的起始年级 {sorted(firsts)}（school_system），"
                f"而不是 {sorted(p.initial_grades.value)}",
                f"initial_grades are the first grade of each stage under school_system, "
                f"{sorted(firsts)}, not {sorted(p.initial_grades.value)}",
            )
        )
    compulsory = frozenset(system[Stage.PRIMARY]) | frozenset(system[Stage.JUNIOR])
    if frozenset(p.compulsory_grades.value) != compulsory:
        out.append(
            (
                f"compulsory_grades 应为小学和初中的年级 {_shown(compulsory)}（school_system），"
                f"而不是 {_shown(p.compulsory_grades.value)}",
                "compulsory_grades are the grades of primary and junior under school_system, "
                f"{_shown(compulsory)}, not {_shown(p.compulsory_grades.value)}",
            )
        )
    return out


_NUMBER_SPEC = re.compile(r"(?:0>?(?P<width>[1-9][0-9]?))?[bdoxX]?")
"""The format spec a number field (``seq``, ``year``) of ``regional_number_format``
may have: an integer presentation type, optionally zero-padded to a width (``05``,
or ``0>5``, which pads the same)."""
REGIONAL_FIELD_MAX_WIDTH = 20
"""The widest a field of ``regional_number_format`` may be padded (a width of
99999999999 made the policy check allocate that many characters: MemoryError)."""


def _format_spec_problem(fmt: str) -> Problem | None:
    """A field of ``regional_number_format`` whose format spec could make no number:
    ``seq`` and ``year`` take an integer presentation type (``d``, ``b``, ``o``,
    ``x``, ``X``), optionally zero-padded to at most :data:`REGIONAL_FIELD_MAX_WIDTH`
    characters (``{seq:05d}``, ``{seq:0>5}``); ``region`` and ``stage`` are codes taken as they are
    (no spec). ``{seq:c}`` (a control character), ``{seq:e}`` and ``{seq:.2f}``
    (float text), a conversion (``!r``) or a huge width are refused."""
    try:
        fields = [(f, c, s) for _, f, s, c in string.Formatter().parse(fmt) if f is not None]
    except ValueError:
        return None  # (reported with the rest of the format's errors below)
    for field, conversion, spec in fields:
        match = _NUMBER_SPEC.fullmatch(spec or "") if field in ("seq", "year") else None
        width = match and match["width"]
        if conversion is None and (
            (match is not None and int(width or 0) <= REGIONAL_FIELD_MAX_WIDTH)
            or (field not in ("seq", "year") and not spec)
        ):
            continue
        shown = (
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        return (
            f"regional_number_format 的字段 {shown} 无法生成学号：seq 和 year 只可用整数格式"
            f"（如 {{seq:05d}}，宽度至多 {REGIONAL_FIELD_MAX_WIDTH} 位），region 和 stage 不加格式",
            f"regional_number_format: the field {shown} cannot make a student number: seq and "
            f"year take an integer format only (such as {{seq:05d}}, at most "
            f"{REGIONAL_FIELD_MAX_WIDTH} wide), region and stage none",
        )
    return None


CATALOGUE_PROFILE = "anhui-2013"
"""The profile whose measures (皖教基〔2013〕20号) the library's own citations are
written for: the rule catalogue (:data:`xueji.rules.RULE_CODES`), the lifecycle tables
and the permission matrix. Under a profile of another instrument, such an article that
the profile does not re-cite is shown as inherited from it (:meth:`Policy.as_cited`)."""


def citation_keys() -> frozenset[str]:
    """Every key a profile's ``[citations]`` may give: the lifecycle tables' and
    commands' (:func:`xueji.lifecycle.tables.citation_keys`), a rule code as
    ``"rule.<code>"`` (:data:`xueji.rules.RULE_CODES`), an action of the permission
    matrix as ``"access.<action>"`` (:data:`xueji.access.PERMISSIONS`), and
    ``"access.province"`` (a province actor must be the registry's province-level
    unit, Art 28).

    >>> {"rule.transfer.same_city_choice", "access.student", "student.suspend"} <= citation_keys()
    True
    """
    from xueji.access import PERMISSIONS  # (the policy is imported by both: lazily)

    return _lifecycle_and_rule_keys() | {f"access.{a}" for a in PERMISSIONS} | {"access.province"}


def _parameter_rule_problems(p: Policy) -> list[Problem]:
    """``rule.<code>`` keys of rules that cite a parameter's article
    (:data:`xueji.rules._base.CITES_PARAMETER`): such a key re-cited nothing where the
    profile gives the parameter an article of its own (``policy show`` listed it all
    the same), and only the refusal, not the parameter shown beside it, where the
    parameter kept an Anhui article. The parameter's own table re-cites it."""
    from xueji.rules._base import CITES_PARAMETER

    for key in sorted(p.citations):
        param = CITES_PARAMETER.get(key.removeprefix("rule.")) if key.startswith("rule.") else None
        if param is not None:
            return [
                (
                    f"政策 {p.code}：citations 中的 {key!r} 不可用：该规则引用参数 {param} 的条款，"
                    f"请在参数的表（[{param}]）中另行引用（连同 value）；在 Python 中："
                    f"attrs.evolve(..., {param}=Param(值, 条款))",
                    f"policy {p.code}: citations: {key!r} is not a key: the rule cites the "
                    f"article of the parameter {param}; re-cite it in the parameter's table "
                    f"([{param}]), with its value; in Python, pass "
                    f"{param}=Param(value, article) to attrs.evolve",
                )
            ]
    return []


def _lifecycle_and_rule_keys() -> frozenset[str]:
    from xueji.lifecycle.tables import citation_keys as lifecycle_keys
    from xueji.rules._base import RULE_CODES

    return lifecycle_keys() | {f"rule.{code}" for code in RULE_CODES}


def did_you_mean(key: str, known: typing.Iterable[str]) -> Problem:
    """What a misspelled ``key`` may have meant among ``known``, said in Chinese and in
    English (``"（是否指 transfer.approve？）"``, ``" (did you mean transfer.approve?)"``;
    both empty where nothing is close): a citation key, a parameter's name, a key of
    a parameter's table.

    >>> did_you_mean("transfer_stage_limt", ["transfer_stage_limit", "terms"])[1]
    ' (did you mean transfer_stage_limit?)'
    """
    close = difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.6)
    if not close:
        return "", ""
    return f"（是否指 {'、'.join(close)}？）", f" (did you mean {', '.join(close)}?)"


def citation_problems(p: Policy) -> list[Problem]:
    """``citations`` keys that name no table or step of the lifecycle tables, no
    command, rule code or access action (a misspelled key would be re-cited nowhere,
    in silence): each with the close keys it may have meant; and ``rule.<code>`` keys
    of rules that cite a parameter's article, which its table re-cites."""
    # the permission matrix is read only where an access key is written: a shipped
    # profile is built while the modules the matrix imports are being imported
    written = set(p.citations)
    need_access = any(k.startswith("access.") for k in written)
    known = citation_keys() if need_access else _lifecycle_and_rule_keys()
    unknown = sorted(written - known)
    out: list[Problem] = [] if unknown else _parameter_rule_problems(p)
    for key in unknown[:1]:
        near_zh, near_en = did_you_mean(key, known)
        out.append(
            (
                f"政策 {p.code}：citations 中的 {key!r} 不是变动流程表或其步骤、命令、规则代码"
                f"（rule.<代码>）或权限操作（access.<操作>）{near_zh}",
                f"policy {p.code}: citations: {key!r} names no lifecycle table or step, "
                "command, rule code (rule.<code>) or access action (access.<action>) "
                '(e.g. "student.suspend", "transfer.approve", '
                f'"rule.transfer.same_city_choice", "access.student"){near_en}',
            )
        )
    return out


def locked_field_problems(p: Policy) -> list[Problem]:
    """``locked_fields`` that are not fields of a student record: a file saying
    ``locked_fields = ["nmae", ...]`` left the name unlocked (Art 29), in silence.
    Checked where a profile is loaded (:func:`xueji.policy.policy_from_dict`) and
    where a :class:`~xueji.registry.Registry` is given its profiles."""
    from xueji.model import Student  # (the model imports the policy's value types)

    unknown = sorted(p.locked_fields.value - {f.name for f in attrs.fields(Student)})
    if unknown:
        return [
            (
                f"政策 {p.code}：locked_fields 中的 {name!r} 不是学籍记录的字段",
                f"policy {p.code}: locked_fields: {name!r} is not a field of a student record",
            )
            for name in unknown[:1]
        ]
    # a locked field is changed by an approved correction, which carries only these
    # (found by the review: a profile locking "migrant" stored the text "True" when its
    # correction was approved; one locking "school" or "status" could never be changed)
    other = sorted(p.locked_fields.value - LOCKABLE_FIELDS)
    return [
        (
            f"政策 {p.code}：locked_fields 中的 {name!r} 不能经更正申请修改"
            f"（可锁定的字段：{'、'.join(sorted(LOCKABLE_FIELDS))}）",
            f"policy {p.code}: locked_fields: {name!r} is not a field a correction can "
            f"change (those that can be locked: {', '.join(sorted(LOCKABLE_FIELDS))})",
        )
        for name in other[:1]
    ]


PERSON_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "photo",
    "hukou_region",
    "migrant",
    "special_needs",
    "guardian_id",
)
"""The person's fields of a student record, in the order forms give them: those a
direct edit changes before the record is submitted and an approved correction after
(:data:`xueji.registry.EDITABLE_FIELDS` is these and the guardian's consent)."""

LOCKABLE_FIELDS = frozenset(PERSON_FIELDS)
"""The fields a profile's ``locked_fields`` may name (Art 29): the person's fields
(not the school, class, grade or status, which commands change, nor the guardian's
consent, which the school records as it is given)."""


@attrs.frozen(kw_only=True)
class Policy:
    """A policy profile: one jurisdiction's measures as data.

    Build another jurisdiction's profile from an existing one with
    :func:`attrs.evolve` (every ``Param`` field replaced keeps its own article) or
    from a data file (:func:`xueji.policy.load_policy`); never by editing the
    library. Rules read parameters as ``policy.<name>.value`` and cite
    ``policy.<name>.article``.

    ``valid_from`` and ``valid_until`` are both inclusive; ``valid_until`` None
    means open-ended (Art 33: a decision is taken under the profile in force on its
    date).
    """

    code: str
    name: str
    instrument: str
    valid_from: _dt.date
    valid_until: _dt.date | None = None
    validity_article: Article
    citations: Mapping[str, Article] = attrs.field(factory=dict, converter=dict)
    """The profile's own articles where the library cites the Anhui measures: the steps
    of the lifecycle tables (each step's change-log entry records its article as its
    basis), by table (``"student"``, ``"transfer"``, ...) or by step
    (``"student.suspend"``, ``"transfer.approve"``, ``"transfer.open"``); a command's
    own entry (``"command.enroll"``); a rule code (``"rule.transfer.same_city_choice"``:
    every refusal or warning of that rule, and its step in an explanation); an action
    of the permission matrix (``"access.student"``: an access denial). See :meth:`cite`
    and :func:`citation_keys`. What the profile does not re-cite keeps the library's
    article, marked inherited under a profile of another instrument (:meth:`as_cited`)."""

    # 第一章 总则
    school_system: Param[Mapping[Stage, frozenset[int]]] = attrs.field(validator=_fields_are_params)

    # 第二章 学籍信息
    school_authority_levels: Param[frozenset[str]] = attrs.field(validator=_fields_are_params)

    # 第三章 入学和毕业
    school_entry_age: Param[int] = attrs.field(validator=_fields_are_params)
    school_entry_age_cutoff: Param[MonthDay] = attrs.field(validator=_fields_are_params)
    initial_grades: Param[frozenset[int]] = attrs.field(validator=_fields_are_params)
    regional_number_format: Param[str] = attrs.field(validator=_fields_are_params)
    foreign_permanent_resident_ids: Param[bool] = attrs.field(validator=_fields_are_params)
    """Whether the number of a foreigner's permanent residence ID card of the 2023 form
    (外国人永久居留身份证, ``9`` + province of issue + nationality + birth date +
    sequence + check character: :attr:`xueji.ids.ResidentId.foreign_permanent_resident`)
    is taken as an identity number, the student's (a G 学籍号) or a guardian's (Art 13,
    学籍号以居民身份证号码为基础生成, a reading). False refuses it where a number is
    given (``enrolment.foreign_id_not_accepted``)."""
    new_student_deadline: Param[MonthDay | None] = attrs.field(validator=_fields_are_params)
    registration_within_months: Param[int | None] = attrs.field(validator=_fields_are_params)
    class_size_caps: Param[Mapping[Stage, int]] = attrs.field(validator=_fields_are_params)
    graduation_deadline: Param[MonthDay] = attrs.field(validator=_fields_are_params)
    graduation_from: Param[MonthDay] = attrs.field(validator=_fields_are_params)
    graduation_needs_approval: Param[frozenset[Stage]] = attrs.field(validator=_fields_are_params)
    rollover_date: Param[MonthDay] = attrs.field(validator=_fields_are_params)
    rollover_promotes_suspended: Param[bool] = attrs.field(validator=_fields_are_params)
    rollover_unfinished_final_grade: Param[str] = attrs.field(validator=_fields_are_params)
    rollover_open_transfers: Param[str] = attrs.field(validator=_fields_are_params)

    # 第四章 变动和审批
    transfer_stage_limit: Param[int] = attrs.field(validator=_fields_are_params)
    transfer_default_approval: Param[bool] = attrs.field(validator=_fields_are_params)
    special_education_transfer_optional: Param[bool] = attrs.field(validator=_fields_are_params)
    false_material_bars_refiling: Param[bool] = attrs.field(validator=_fields_are_params)
    transfer_window: Param[TransferWindow] = attrs.field(validator=_fields_are_params)
    transfer_blackout: Param[tuple[BlackoutPeriod, ...] | None] = attrs.field(
        converter=_blackout_periods, validator=_fields_are_params
    )
    """The periods closed to transfers, in the order written, or ``None``. Given as
    one pair of days (one period, the form of old profiles) or as pairs, it is read
    as a tuple of pairs (:func:`_blackout_periods`)."""
    transfer_closed_grades: Param[frozenset[int]] = attrs.field(validator=_fields_are_params)
    """The grades in which no transfer is made (a province's 初三、高三年级原则上不办理转学):
    ``transfer.closed_grade``; none under Anhui's measures."""
    transfer_closed_grades_with_reason: Param[bool] = attrs.field(validator=_fields_are_params)
    """Whether a transfer in a closed grade with its reason stated in words goes
    through, warned (原则上, "in principle"), rather than refused."""
    terms: Param[tuple[Term, ...]] = attrs.field(validator=_fields_are_params)
    dropout_review_limit: Param[int | None] = attrs.field(validator=_fields_are_params)
    compulsory_grades: Param[frozenset[int]] = attrs.field(validator=_fields_are_params)
    dropout_reentry_grades: Param[frozenset[int]] = attrs.field(validator=_fields_are_params)
    dropout_registry_kept: Param[str] = attrs.field(validator=_fields_are_params)
    dropout_return_reviewed: Param[bool] = attrs.field(validator=_fields_are_params)
    """Whether a dropout's return to school (``return_from_dropout``, Art 27(2)) waits for
    the authority's approval, as a resumption does (Art 26). Only ``False`` (the return
    applied by the school) is implemented: ``True`` is refused when the profile loads, a
    documented gap (docs/policy.md)."""
    dropout_continues_next_stage: Param[bool] = attrs.field(validator=_fields_are_params)
    """Whether a dropout of the compulsory grades whose registry is kept (Art 27(2)),
    admitted by the next stage's intake into its entry grade (7 or 10 under 6-3-3), is
    enrolled on the record kept (the same 学籍号, as a graduate's continues, Art 12),
    without coming back to graduate first. False refuses the intake
    (``dropout.registry_kept``): the child returns and graduates first."""

    # 第五章 管理和安全
    locked_fields: Param[frozenset[str]] = attrs.field(validator=_fields_are_params)
    correction_during_transfer: Param[str] = attrs.field(validator=_fields_are_params)
    id_mask: Param[IdMask] = attrs.field(validator=_fields_are_params)

    # 通知
    maintenance_fee_per_student: Param[Decimal] = attrs.field(validator=_fields_are_params)

    def __attrs_post_init__(self) -> None:
        # the types first: a value of the wrong type fails the value checks with
        # Python's own words (a profile built in Python; a file's are converted)
        for zh, en in (_type_problems(self) or _value_problems(self))[:1]:
            raise InvalidPolicy(
                "policy.invalid", f"政策 {self.code}：{zh}", f"policy {self.code}: {en}"
            )

    def cite(self, table: str, event: str | None, default: Article) -> Article:
        """The article this profile cites for ``event`` of ``table`` (see
        :attr:`citations`): the step's own, else the table's, else ``default`` (the
        table row's, the rule catalogue's, the permission's) as :meth:`as_cited` shows
        it. ``table`` is a lifecycle table, ``"command"``, ``"rule"`` (``event`` a rule
        code) or ``"access"`` (``event`` an action); the last two are re-cited by step
        only.

        >>> import attrs
        >>> from xueji.policy import ANHUI_2013
        >>> mine = attrs.evolve(ANHUI_2013, citations={"student": Article("某规定", 9)})
        >>> str(mine.cite("student", "suspend", Article("皖教基〔2013〕20号", 26)))
        '某规定 第九条'
        """
        found = self.citations.get(f"{table}.{event}") if event else None
        if found is None and table not in ("rule", "access"):
            found = self.citations.get(table)
        return found or self.as_cited(default)

    def as_cited(self, article: Article) -> Article:
        """``article`` as a decision under this profile shows it: an article of the
        measures the library's catalogue is written for (皖教基〔2013〕20号), cited
        under a profile of another instrument that did not re-cite it, is marked
        inherited (``（沿用 anhui-2013）`` / ``(inherited from anhui-2013)``), so that
        it is never taken for the profile's own article. Any other article (the
        profile's own, a national law or the national measures) is shown as it is.

        >>> from xueji.articles import anhui
        >>> from xueji.policy import ANHUI_2013, NATIONAL_2013
        >>> str(ANHUI_2013.as_cited(anhui(14)))
        '皖教基〔2013〕20号 第十四条'
        >>> str(NATIONAL_2013.as_cited(anhui(14)))
        '皖教基〔2013〕20号 第十四条（沿用 anhui-2013）'
        """
        if (
            article.instrument != ANHUI_2013_MEASURES
            or self.instrument == ANHUI_2013_MEASURES
            or article.inherited_from
        ):
            return article
        return attrs.evolve(article, inherited_from=CATALOGUE_PROFILE)

    def in_force(self, on: _dt.date) -> bool:
        """True if the profile is in force on ``on`` (both ends inclusive)."""
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The names of the :class:`Param` fields, in declaration order."""
        return tuple(f.name for f in attrs.fields(cls) if f.validator is _fields_are_params)

    def parameters(self) -> dict[str, Param[Any]]:
        """Every parameter by name (for printing and documentation)."""
        return {name: getattr(self, name) for name in self.parameter_names()}
