"""Policy profiles as data files (TOML), so a province needs no Python to write one.

A file starts from a registered profile (``base``) and replaces what differs.
Every replaced parameter states its article: a value without its source is
refused. Example (the national profile's transfer limit)::

    base = "anhui-2013"
    code = "example-2027"
    name = "某省中小学生学籍管理实施细则"
    instrument = "某教基〔2027〕1号"
    valid_from = 2027-01-01
    validity_article = { instrument = "某教基〔2027〕1号", number = 40 }

    [transfer_stage_limit]
    value = 10
    article = { instrument = "某教基〔2027〕1号", number = 14 }
    note = "each party within 10 working days"

Values are written as in :func:`policy_to_dict`: days of the year as
``"MM-DD"``, sets as lists, stages by name (``primary``, ``junior``, ``senior``,
``special``), money as a string (``"0.5"``).

The lifecycle tables cite the Anhui measures for each step (the basis each change-log
entry records); a profile re-cites a table or a step with its own article::

    [citations]
    student = { instrument = "某教基〔2027〕1号", number = 20 }
    "transfer.approve" = { instrument = "某教基〔2027〕1号", number = 14 }

(keys: :func:`xueji.lifecycle.tables.citation_keys`; a base's citations are kept, and
those written replace them: a table re-cited whole replaces the base's citations of
its steps too).
"""

from __future__ import annotations

import datetime as _dt
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import BaseValidationError, ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from xueji.articles import Article
from xueji.errors import InvalidPolicy
from xueji.policy.model import (
    Param,
    Policy,
    citation_problems,
    did_you_mean,
    locked_field_problems,
)
from xueji.policy.values import MonthDay, Stage, Term

__all__ = ["converter", "load_policy", "parse_policy", "policy_from_dict", "policy_to_dict"]

converter = cattrs.Converter(forbid_extra_keys=True)
"""The cattrs converter for policy values: days of the year, money, and strict
scalars. A policy file's value is taken as written or refused: ``"false"`` is not a
boolean (read as Python reads a string, it meant *true*), ``10.7`` is not a number
of days, and a key misspelled inside a value (``{ month = 2 }`` for ``months``) is
an error, not a default silently kept."""


class _Bad(ValueError):
    """A value the converter refuses, said in Chinese (``zh``) and English (``str``)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh


def _int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"应为整数，而不是 {value!r}", f"expected a whole number, not {value!r}")
    return value


def _bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Bad(
            f"应为 true 或 false（不加引号），而不是 {value!r}",
            f"expected true or false (unquoted), not {value!r}",
        )
    return value


def _str(value: Any, kind: type) -> str:
    if not isinstance(value, str):
        raise _Bad(f"应为文本，而不是 {value!r}", f"expected text, not {value!r}")
    if kind is str:
        return value
    # the hook of str is also the StrEnums' (Stage, WindowReading): a stage misspelled
    # must not pass through as text
    try:
        member: str = kind(value)
        return member
    except ValueError:
        names = ", ".join(str(m.value) for m in kind)  # type: ignore[attr-defined]
        raise _Bad(
            f"{value!r} 不是可用的值（{names}）", f"{value!r} is not one of {names}"
        ) from None


def _month_day(value: Any, _: type) -> MonthDay:
    if isinstance(value, MonthDay):
        return value
    if not isinstance(value, str):
        raise _Bad(
            f"应为 'MM-DD' 形式的日期，而不是 {value!r}",
            f"expected a day of the year as 'MM-DD', not {value!r}",
        )
    try:
        return MonthDay.parse(value)
    except ValueError as e:
        zh = "没有这一天" if "no such day" in str(e) else "应为 'MM-DD' 形式"
        raise _Bad(f"{value!r}：{zh}", str(e)) from None


def _decimal(value: Any, _: type) -> Decimal:
    bad = _Bad(
        f'应为 "0.5" 这样的金额，而不是 {value!r}',
        f'expected an amount such as "0.5", not {value!r}',
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise bad
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise bad from None
    if not amount.is_finite():
        raise bad
    return amount


def _date(value: Any, _: type) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError as e:
            raise _Bad(
                f"{value!r} 不是有效的日期（应为 2027-09-01 这样的日期）",
                f"{value!r} is not a date ({e}); write it as 2027-09-01",
            ) from None
    raise _Bad(
        f"应为日期（如 2027-09-01，不带时刻），而不是 {value!r}",
        f"expected a date such as 2027-09-01 (no time of day), not {value!r}",
    )


converter.register_structure_hook(int, _int)
converter.register_structure_hook(bool, _bool)  # (a bool is an int: its own hook)
converter.register_structure_hook(str, _str)
converter.register_structure_hook(MonthDay, _month_day)
converter.register_unstructure_hook(MonthDay, str)
converter.register_structure_hook(Decimal, _decimal)
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(_dt.date, _date)
converter.register_unstructure_hook(_dt.date, lambda d: d.isoformat())
# an article's inherited_from is the mark a decision's citation carries (Policy.as_cited),
# never a policy file's: not written, and refused as an unknown key when read
converter.register_unstructure_hook(
    Article,
    make_dict_unstructure_fn(Article, converter, inherited_from=override(omit_if_default=True)),
)
converter.register_structure_hook(
    Article,
    make_dict_structure_fn(
        Article, converter, _cattrs_forbid_extra_keys=True, inherited_from=override(omit=True)
    ),
)
converter.register_unstructure_hook_func(
    lambda t: t is frozenset or typing.get_origin(t) is frozenset,  # type: ignore[comparison-overlap]
    lambda s: sorted(converter.unstructure(x) for x in s),
)


def _param_types() -> dict[str, Any]:
    hints = typing.get_type_hints(Policy)
    return {name: typing.get_args(hints[name])[0] for name in Policy.parameter_names()}


_HEADER = ("code", "name", "instrument", "valid_from", "valid_until", "validity_article")


def _bad(where: str, zh: str, en: str) -> InvalidPolicy:
    error = InvalidPolicy("policy.invalid", f"政策文件 {where}：{zh}", f"policy file {where}: {en}")
    error.where = where  # type: ignore[attr-defined]  # (named the file: not wrapped again)
    return error


def _problem(error: BaseException, kind: Any) -> str:
    """One problem of a value, for :func:`cattrs.transform_error`: a value error's own
    words (``'number' must be <= 999: 1000``; ``'seniour' is not one of ...``) rather
    than cattrs' "invalid value"."""
    if isinstance(error, ValueError) and str(error):
        return str(error)
    return cattrs.v.format_exception(error, kind)


_BOUND = re.compile(
    r"(?P<length>Length of )?'(?P<field>\w+)' must be (?P<op>[<>]=?) (?P<bound>\S+): (?P<value>.*)"
)
"""An attrs validator's words (``'number' must be <= 999: 1000``; ``Length of 'fill'
must be >= 1: 0``), which :func:`_problem_zh` says in Chinese."""
_OPS_ZH = {">=": "不小于", "<=": "不大于", ">": "大于", "<": "小于"}


def _problem_zh(error: BaseException, kind: Any) -> str:
    """:func:`_problem` in Chinese: the converter's own hooks say it (:class:`_Bad`);
    an attrs validator's bound, a field missing, an extra field and a wrong count of
    values are said here. Anything else is said as :func:`_problem` says it."""
    if isinstance(error, _Bad):
        return error.zh
    if isinstance(error, ForbiddenExtraKeysError):
        return f"未知字段 {', '.join(sorted(error.extra_fields))}"
    if isinstance(error, KeyError):
        return "缺少必填字段"
    said = _problem(error, kind)
    if (m := _BOUND.fullmatch(said)) is not None:
        what = f"'{m['field']}' 的长度" if m["length"] else f"'{m['field']}' "
        return f"{what}应{_OPS_ZH[m['op']]} {m['bound']}，而不是 {m['value']}"
    if said.startswith(("Too many values", "Not enough values")):
        return "值的个数不对"
    return said


_LISTS = (frozenset, set, list, tuple)
_TABLES = (dict, Mapping)
_LIST_EXAMPLES: Mapping[Any, str] = {
    int: "[1, 7, 10]",
    str: '["name", "sex"]',
    Stage: '["junior", "senior"]',
    MonthDay: '["07-15", "08-14"]',
    Term: '[{ name = "第一学期", start = "09-01", end = "01-31" }]',
}
_TABLE_EXAMPLES: Mapping[Any, str] = {
    int: "{ primary = 45, junior = 50, senior = 50, special = 12 }",
    frozenset[int]: "{ primary = [1, 2, 3, 4, 5, 6], junior = [7, 8, 9], ... }",
}


_NAMED_EXAMPLES: Mapping[str, str] = {
    "school_authority_levels": '["city", "county"]',
    "transfer_blackout": '[["01-20", "02-10"], ["07-01", "08-20"]]',
}
"""Examples of a parameter's value where its type's would mislead (a list of text)."""


def _one_period(name: str, value: Any) -> bool:
    """Whether ``value`` is ``transfer_blackout`` written as one pair of days
    (``["07-15", "08-14"]``, the form of files written before it took a list of
    periods, and as :func:`policy_to_dict` writes one period): a list of text, read as
    one period (two days, or refused as not two)."""
    return (
        name == "transfer_blackout"
        and isinstance(value, (list, tuple))
        and bool(value)
        and all(isinstance(x, str) for x in value)
    )


def _list_example(kind: Any) -> str:
    args = [a for a in typing.get_args(kind) if a is not Ellipsis]
    return _LIST_EXAMPLES.get(args[0] if args else None, "[...]")


def _table_example(kind: Any) -> str:
    if attrs.has(kind):  # (its fields by name: those a file writes)
        names = [f.name for f in attrs.fields(kind) if f.name != "inherited_from"]
        return "{ " + ", ".join(f"{n} = ..." for n in names) + " }"
    args = typing.get_args(kind)
    return _TABLE_EXAMPLES.get(args[1] if len(args) == 2 else None, "{ key = value }")


def _shape_problem(
    value: Any, kind: Any, path: str = "$", example: str | None = None
) -> tuple[str, str] | None:
    """A value whose shape the converter would misread rather than refuse, in Chinese
    and English, at its path: text where a list is due (``locked_fields = "name"``
    read letter by letter), a table where a list is due (its keys taken and its values
    ignored: ``{ senior = true, junior = false }`` needed approval for both), a list
    or a scalar where a table is due (Python's own words before: ``'list' object has
    no attribute 'items'``), or a pair of days with more or fewer than two. The
    elements of a list and the values of a table are checked the same way."""
    kinds = (
        typing.get_args(kind)
        if typing.get_origin(kind) in (typing.Union, types.UnionType)
        else (kind,)
    )
    if value is None and type(None) in kinds:
        return None  # an optional value left out (plain data; TOML has no null)
    kinds = tuple(k for k in kinds if k is not type(None))
    if len(kinds) != 1:
        return None
    (kind,) = kinds
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    at = "" if path == "$" else f" @ {path}"
    if origin in _LISTS:
        example = example or _list_example(kind)
        if not isinstance(value, (list, tuple, set, frozenset)):
            return (
                f"应为列表，如 {example}，而不是 {value!r}{at}",
                f"expected a list such as {example}, not {value!r}{at}",
            )
        items = list(value)
        if origin is tuple and Ellipsis not in args:
            if len(items) != len(args):
                return (
                    f"应为 {len(args)} 个值，如 {example}，而不是 {len(items)} 个：{value!r}{at}",
                    f"expected {len(args)} values such as {example}, not {len(items)}: "
                    f"{value!r}{at}",
                )
            pairs = list(zip(items, args, strict=True))
        else:
            pairs = [(item, args[0]) for item in items] if args else []
        for i, (item, item_kind) in enumerate(pairs):
            if (problem := _shape_problem(item, item_kind, f"{path}[{i}]")) is not None:
                return problem
    elif origin in _TABLES or (attrs.has(kind) and kind is not MonthDay):  # (a day is text)
        example = example or _table_example(kind)
        if not isinstance(value, Mapping):
            return (
                f"应为表，如 {example}，而不是 {value!r}{at}",
                f"expected a table such as {example}, not {value!r}{at}",
            )
        if origin in _TABLES and len(args) == 2:
            for key, item in value.items():
                if (problem := _shape_problem(item, args[1], f"{path}[{key!r}]")) is not None:
                    return problem
    return None


def _structure(value: Any, kind: Any, where: str, what: str) -> Any:
    shape = _shape_problem(value, kind, example=_NAMED_EXAMPLES.get(what))
    if shape is not None:
        zh, en = shape
        raise _bad(where, f"{what} 的值无效（{zh}）", f"bad value for {what} ({en})")
    try:
        return converter.structure(value, kind)
    except (BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as e:
        # a list or table of values fails as a group (a stage misspelled in a list):
        # every problem by its path, never the group's traceback
        if isinstance(e, BaseValidationError):
            en = "; ".join(cattrs.transform_error(e, format_exception=_problem))
            zh = "; ".join(cattrs.transform_error(e, format_exception=_problem_zh))
        else:
            en = str(e)
            zh = _problem_zh(e, kind)
        raise _bad(where, f"{what} 的值无效（{zh}）", f"bad value for {what} ({en})") from e


def policy_from_dict(
    data: Mapping[str, Any],
    *,
    profiles: Mapping[str, Policy] | None = None,
    where: str = "<dict>",
) -> Policy:
    """Build a :class:`Policy` from plain data (see the module docstring)."""
    if profiles is None:
        from xueji.policy import PROFILES

        profiles = PROFILES
    known = dict(profiles)
    data = dict(data)
    base_code = data.pop("base", None)
    if base_code is not None and not isinstance(base_code, str):
        raise _bad(
            where,
            f"base 应为政策代码（文本），而不是 {base_code!r}",
            f"base is a profile code (text), not {base_code!r}",
        )
    types = _param_types()
    unknown = sorted(set(data) - set(types) - set(_HEADER) - {"citations"})
    if unknown:
        # (a parameter's name misspelled, [transfer_stage_limt], said only "unknown key")
        near_zh, near_en = did_you_mean(unknown[0], [*types, *_HEADER, "citations", "base"])
        raise _bad(where, f"未知字段 {unknown[0]}{near_zh}", f"unknown key {unknown[0]!r}{near_en}")
    changes: dict[str, Any] = {}
    for key in _HEADER:
        if key in data:
            kind: Any = Article if key == "validity_article" else (_dt.date | None)
            if key in ("code", "name", "instrument"):
                kind = str
            changes[key] = _structure(data[key], kind, where, key)
    if "citations" in data:
        cited = data["citations"]
        if not isinstance(cited, Mapping):
            raise _bad(
                where,
                f"citations 应为表（步骤 = 条款），而不是 {cited!r}",
                f"citations is a table (step = article), not {cited!r}",
            )
        written = {
            str(k): _structure(v, Article, where, f"citations.{k}") for k, v in cited.items()
        }
        base_cited = known[base_code].citations if base_code in known else {}
        # a table re-cited whole replaces the base's citations of its single steps
        tables = {k for k in written if "." not in k}
        kept = {k: a for k, a in base_cited.items() if k.split(".")[0] not in tables}
        changes["citations"] = {**kept, **written}
    for name, kind in types.items():
        if name not in data:
            continue
        table = data[name]
        if not isinstance(table, Mapping):
            # (`transfer_stage_limit = 10` at the top: said as a table missing its keys)
            raise _bad(
                where,
                f"参数 {name} 应为表 [{name}]，含 value 和 article（每个参数都要注明条款），"
                f"而不是 {name} = {table!r}",
                f"expected a table [{name}] with value and article (every parameter cites "
                f"its source), not {name} = {table!r}",
            )
        # an unknown key first (`valu = 10` was said only as value missing), with the
        # keys still missing beside it
        extra = sorted(set(table) - {"value", "article", "note"})
        missing = [k for k in ("value", "article") if k not in table]
        if extra:
            near_zh, near_en = did_you_mean(extra[0], ["value", "article", "note"])
            lack_zh = f"；缺少 {'、'.join(missing)}" if missing else ""
            lack_en = f"; {' and '.join(missing)} missing" if missing else ""
            raise _bad(
                where,
                f"参数 {name} 的未知字段 {extra[0]}{near_zh}{lack_zh}",
                f"{name}: unknown key {extra[0]!r}{near_en}{lack_en}",
            )
        if missing:
            raise _bad(
                where,
                f"参数 {name} 须同时给出 value 和 article（每个参数都要注明条款），缺少 "
                f"{'、'.join(missing)}",
                f"parameter {name} needs both value and article (every parameter cites its "
                f"source); {' and '.join(missing)} missing",
            )
        value = table["value"]
        if _one_period(name, value):  # (one period: the pair's own example and count)
            value = [_structure(value, tuple[MonthDay, MonthDay], where, name)]
        changes[name] = Param(
            _structure(value, kind, where, name),
            _structure(table["article"], Article, where, f"{name}.article"),
            # (text as written: note = 5 was str()'d in silence)
            _structure(table.get("note", ""), str, where, f"{name}.note"),
        )
    try:
        if base_code is None:
            missing = [k for k in (*_HEADER[:4], *types) if k not in changes]
            if missing:
                raise _bad(
                    where,
                    f"没有 base 时须给出全部字段，缺少 {missing[0]}",
                    f"without a base every field is needed; {missing[0]} is missing",
                )
            if "validity_article" not in changes:
                raise _bad(where, "缺少 validity_article", "validity_article is missing")
            return _locked_fields_known(Policy(**changes), where, changes)
        if base_code not in known:
            # the bases it may take, and how a base of one's own is given (found by the
            # province review: a successor's file named its predecessor's code, which
            # only the file of that predecessor, given before it, makes known)
            names = ", ".join(sorted(known))
            near_zh, near_en = did_you_mean(base_code, known)
            raise _bad(
                where,
                f"未知的基础政策 {base_code}{near_zh}（可用的基础政策：{'、'.join(sorted(known))}）；"
                f"基础政策出自另一个政策文件时，请先给出该文件：xueji ... --policy-file "
                f"{base_code}.toml --policy-file 本文件（在 Python 中：load_policy(本文件, "
                f"profiles={{**PROFILES, 基础政策.code: 基础政策}})）",
                f"unknown base profile {base_code!r}{near_en} (the bases known: {names}); "
                f"where the base is another policy file's profile, give that file first: "
                f"xueji ... --policy-file {base_code}.toml --policy-file THIS.toml (in "
                f"Python: load_policy(THIS, profiles={{**PROFILES, base.code: base}}))",
            )
        if "code" not in changes:
            raise _bad(where, "须给出新的 code", "a derived profile needs its own code")
        # the end of the base's validity is the base's: a later measure written over an
        # earlier one that ends would otherwise end with it (TOML has no null to undo it)
        changes.setdefault("valid_until", None)
        return _locked_fields_known(attrs.evolve(known[base_code], **changes), where, changes)
    except (ValueError, TypeError) as e:
        if isinstance(e, InvalidPolicy):
            if getattr(e, "where", None) is not None:
                raise
            raise _bad(where, e.message_zh, e.message_en) from e  # the profile's own check
        raise _bad(where, str(e), str(e)) from e


def _locked_fields_known(policy: Policy, where: str, changes: Mapping[str, Any]) -> Policy:
    """The policy, once the ``locked_fields`` the file sets (if it does) are known
    fields of a student record (a base's were checked where it was made)."""
    if "locked_fields" in changes:
        for zh, en in locked_field_problems(policy):
            raise _bad(where, zh, en)
    if "citations" in changes:
        for zh, en in citation_problems(policy):
            raise _bad(where, zh, en)
    return policy


def parse_policy(text: str, *, where: str = "<string>", **kw: Any) -> Policy:
    """A :class:`Policy` from the TOML text of a policy file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _bad(where, f"不是有效的 TOML（{e}）", f"not valid TOML ({e})") from e
    except RecursionError:  # (a RecursionError's traceback, exit 1, before)
        raise _bad(where, "嵌套层次过深", "nested too deeply") from None
    return policy_from_dict(data, where=where, **kw)


def load_policy(path: str | Path, **kw: Any) -> Policy:
    """A :class:`Policy` from a TOML policy file (UTF-8, with or without the byte-order
    mark Windows Notepad writes)."""
    return parse_policy(read_utf8(path, _bad), where=str(path), **kw)


def read_utf8(path: str | Path, bad: Callable[[str, str, str], Exception]) -> str:
    """The text of a data file in UTF-8 (a byte-order mark is dropped); a file in
    another encoding (GBK, say) is ``bad(where, zh, en)``, not a codec's traceback."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise bad(
            str(path),
            f"不是 UTF-8 编码（第 {e.start} 字节）：请以 UTF-8 保存",
            f"not UTF-8 (byte {e.start}): save it as UTF-8",
        ) from None


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """Plain data for a policy: every parameter with its value, article and note."""
    out: dict[str, Any] = {
        "code": policy.code,
        "name": policy.name,
        "instrument": policy.instrument,
        "valid_from": policy.valid_from.isoformat(),
        "valid_until": policy.valid_until.isoformat() if policy.valid_until else None,
        "validity_article": converter.unstructure(policy.validity_article),
    }
    if policy.citations:
        out["citations"] = {
            k: converter.unstructure(a) for k, a in sorted(policy.citations.items())
        }
    types = _param_types()
    for name, param in policy.parameters().items():
        value = param.value
        if name == "transfer_blackout" and value is not None and len(value) == 1:
            value, kind = value[0], tuple[MonthDay, MonthDay]  # one period: the pair, as before
        else:
            kind = types[name]
        out[name] = {
            "value": converter.unstructure(value, kind),
            "article": converter.unstructure(param.article),
            "note": param.note,
        }
    return out
