"""Policy scenarios: the measures tested by analysts in YAML, without Python.

A scenario states facts (units, schools, classes, named actors), a sequence of dated
steps (a command of the :class:`~xueji.registry.Registry` by a named actor), and what
each step must give: allowed or refused with which rule codes, the student's state,
the request's state and deadline, the numbers assigned. Comments and Chinese text are
first-class (it is YAML). ``xueji scenario run PATH...`` runs them, and pytest collects
every ``*.scenario.yaml`` file (the plugin :mod:`xueji.testing.pytest_plugin`).

>>> text = '''
... title: 一年级新生入学（第十二条）
... articles: [12]
... start: 2026-09-01
... facts:
...   units:
...     - {code: "34", name: 安徽省教育厅, level: province, region: "340000"}
...     - {code: "340104", name: 蜀山区教育体育局, level: county, region: "340104", parent: "34"}
...   schools:
...     - {code: A, name: 甲小学, authority: "340104", region: "340104", stages: [primary]}
...   classes:
...     - {id: A-1, school: A, name: 一年级1班, grade: 1, head_teacher: 王老师}
...   actors:
...     甲校: {kind: school, unit: A}
... steps:
...   - do: enroll
...     by: 甲校
...     as: 小明
...     with: {school: A, class_id: A-1, grade: 1, name: 小明, sex: M,
...            birth_date: 2019-03-01, hukou_region: "340104",
...            id_number: "340104201903010016", photo: 2026-09-01}
...     expect: {allowed: true, student: {status: draft, registry_number: G340104201903010016}}
... '''
>>> result = run(load_text(text, "example.scenario.yaml"))
>>> result.ok
True

A malformed scenario is reported with its file and line, never a traceback:

>>> load_text("steps:\\n  - do: enrol\\n", "bad.scenario.yaml")
Traceback (most recent call last):
...
xueji.scenarios.ScenarioError: bad.scenario.yaml:2: 未知的操作 enrol (unknown action 'enrol'; ...)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import difflib
import enum
import functools
import inspect
import re
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import cattrs
import yaml

import xueji.registry as _registry_module
from xueji import ids
from xueji.articles import Article
from xueji.audit import FindingKind
from xueji.clock import ManualClock
from xueji.decision import Decision
from xueji.errors import ERROR_CODES, XuejiError
from xueji.lifecycle.tables import RequestKind, RequestState, StudentStatus
from xueji.masking import mask, mask_ids
from xueji.model import (
    SCHOOL_MAINTAINED,
    TRANSFER_REASON_ZH,
    Actor,
    ActorKind,
    ChangeEntry,
    Photo,
    Request,
    School,
    SchoolClass,
    Student,
    TransferReason,
    Unit,
    UnitLevel,
    converter,
    transfer_reason,
    transfer_reasons_listed,
)
from xueji.policy import PROFILES, Policy, Stage, check_profiles, load_policy
from xueji.registry import Outcome, Registry
from xueji.rules import RULE_CODES
from xueji.rules.corrections import KEY_FIELDS
from xueji.storage.memory import MemoryStore
from xueji.storage.protocols import Store
from xueji.workdays import WorkdayCalendar, default_calendar

__all__ = [
    "ACTIONS",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "Step",
    "StepResult",
    "collect",
    "load",
    "load_text",
    "run",
]

ACTIONS: frozenset[str] = frozenset(
    {
        "add_class",
        "enroll",
        "submit",
        "approve",
        "reject",
        "withdraw",
        "decide_transfer",
        "update_student",
        "add_info",
        "request_correction",
        "request_transfer",
        "transfer_in",
        "request_cross_border_out",
        "request_cross_province_out",
        "suspend",
        "resume",
        "record_dropout",
        "return_from_dropout",
        "graduate",
        "complete",
        "rollover",
        "regrade",
        "advance_clock",
        "check",
    }
)
"""The step actions: the :class:`~xueji.registry.Registry` commands, plus ``check``
(assert the state of a named student or request without changing anything)."""

_CONTROL = frozenset({"do", "by", "on", "as", "expect", "with", "student", "request", "note"})
_CHECK_EXPECT = frozenset({"student", "request", "log_verifies", "log_masked", "detected"})
"""What a ``check`` step can expect (and every other step too)."""
_COMMAND_EXPECT = _CHECK_EXPECT | {"allowed", "refused", "warnings", "error", "cites"}
_CLOCK_EXPECT = _CHECK_EXPECT | {"advanced", "error"}
_EXPECT = _COMMAND_EXPECT | _CLOCK_EXPECT
_STUDENT_FIELDS = frozenset(
    {
        "status",
        "grade",
        "school",
        "class_id",
        "stage",
        "name",
        "registry_number",
        "registry_number_prefix",
        "regional_number",
        "submitted",
        "same_as",
    }
)
_REQUEST_FIELDS = frozenset({"state", "deadline", "kind", "is_open", "warnings"})
_EXPECTED_VALUES: Mapping[tuple[str, str], type[enum.Enum]] = {
    ("student", "status"): StudentStatus,
    ("student", "stage"): Stage,
    ("request", "state"): RequestState,
    ("request", "kind"): RequestKind,
}
"""The expectations whose value is one of the lifecycle's (docs/lifecycle.md): checked
when the file is read, a value not among them a malformed file, the closest named.
Before, ``status: regstered`` was a failed step (exit 1), the values listed nowhere."""
_FIELD_KINDS: Mapping[tuple[str, str], Any] = {
    ("student", "grade"): int,
    ("student", "school"): str,
    ("student", "class_id"): str,
    ("student", "name"): str,
    ("student", "registry_number"): str | None,
    ("student", "registry_number_prefix"): str,
    ("student", "regional_number"): str | None,
    ("student", "submitted"): bool,
    ("student", "same_as"): str,
    ("request", "deadline"): _dt.date | None,
    ("request", "is_open"): bool,
}
"""The other expected fields' kinds (the record's own; ``warnings`` are rule codes):
checked when the file is read as a ``with:`` value is, a value not of its kind a
malformed file. Before, ``deadline: 2026/12/14`` and ``is_open: yes`` failed when run,
"expected request.deadline = 2026/12/14, got 2026-12-14" (the analysts' review)."""


class ScenarioError(XuejiError, ValueError):
    """A scenario file that cannot be read: its file, line and what is wrong."""

    def __init__(self, where: str, zh: str, en: str) -> None:
        self.where = where
        super().__init__("scenario.malformed", f"{where}: {zh}", f"{where}: {en}")

    def __str__(self) -> str:
        return f"{self.message_zh} ({self.message_en.split(': ', 1)[-1]})"


# -- reading YAML with line numbers ---------------------------------------------------


class _Map(dict[str, Any]):
    """A YAML mapping that remembers its file, its line and the line of each key."""

    line: int = 0
    lines: dict[str, int]
    source: str = ""  # the file it was read from ("" where it was built, not read)


_TIMESTAMP, _BOOL, _INT = (
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings know their file and lines, and refuse a key given
    twice; dates stay text (checked by us, so that a bad date is reported with its
    line instead of a traceback)."""

    source = ""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in (_TIMESTAMP, _BOOL, _INT)]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.2 booleans only: ``on:`` (the step's date) and ``no``/``yes`` stay text
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
# YAML 1.2 integers: decimal digits only. YAML 1.1's octal (``0101`` read as 65),
# sexagesimal (``1:20`` read as 80) and ``1_000`` are text, as an id or a code written
# with a leading zero is (found by the analysts' review: ``id: 0101`` became 65)
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping that gives a key twice (YAML forbids it; PyYAML kept the last)."""

    def __init__(self, key: str, first: int, mark: yaml.Mark) -> None:
        super().__init__(
            None,
            None,
            f"key {key!r} is given twice (first on line {first}); give it once",
            mark,
        )
        self.zh = f"键 {key} 重复（第{first}行已给出）；只能给一次"


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    out = _Map()
    out.line = node.start_mark.line + 1
    out.lines = {}
    out.source = loader.source
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if key in out.lines:  # a second ``expect:`` silently replaced the first
            raise _DuplicateKey(key, out.lines[key], key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


_YAML_ZH = (
    ("found character '\\t' that cannot start any token", "制表符（Tab）不能用于缩进，请改用空格"),
    (
        "mapping values are not allowed here",
        "此处不能出现映射（冒号后的值？检查缩进或给文本加引号）",
    ),
    ("could not find expected ':'", "找不到应有的冒号 ':'"),
    ("did not find expected key", "找不到应有的键（检查缩进）"),
    ("did not find expected ',' or ']'", "找不到应有的 ',' 或 ']'"),
    ("did not find expected ',' or '}'", "找不到应有的 ',' 或 '}'"),
    ("expected ',' or ']'", "找不到应有的 ',' 或 ']'"),
    ("expected ',' or '}'", "找不到应有的 ',' 或 '}'"),
    ("expected <block end>", "缩进不一致（检查这一行与上一层的缩进）"),
    ("found unexpected end of stream", "文件意外结束"),
    ("expected the node content", "此处缺少值（检查括号、逗号与缩进）"),
    ("found undefined alias", "引用了未定义的锚点"),
)
"""PyYAML's commonest problems, in Chinese; another is said by its line and column."""

_YAML_CONTEXT_ZH = (
    ("while scanning a quoted scalar", "第{n}行开始的带引号文本未闭合"),
    ("while parsing a flow mapping", "第{n}行开始的花括号 {{…}} 未闭合"),
    ("while parsing a flow sequence", "第{n}行开始的方括号 […] 未闭合"),
    ("while parsing a block mapping", "所在的映射始于第{n}行"),
    ("while parsing a block collection", "所在的列表始于第{n}行"),
    ("while scanning a simple key", "所在的键始于第{n}行"),
    ("while parsing a flow node", "所在的花括号或方括号内容始于第{n}行"),
    ("while parsing a block node", "所在的值始于第{n}行"),
)
"""The construct PyYAML was reading when it found the problem, in Chinese."""


def _parse(text: str, source: str) -> Any:
    """YAML text read with :class:`_Loader`; a syntax error (or a key given twice) is a
    :class:`ScenarioError` at its file and line, in Chinese with the English beside,
    naming the line where the construct it is in began (an unclosed quote is reported
    where it opened, not past the end of the file)."""
    loader = _Loader(text)
    loader.source = source
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        raise _yaml_error(e, text, source) from None
    finally:
        loader.dispose()


def _yaml_error(e: yaml.MarkedYAMLError, text: str, source: str) -> ScenarioError:
    """A YAML error as the analyst reads it: at the problem's line and column, or at
    the end of the file (the construct's first line then gives the error its line:
    the problem's mark was a line past the end), with where the construct began."""
    last = max(1, len(text.splitlines()))
    mark, began = e.problem_mark, e.context_mark
    problem = str(e.problem)
    zh = getattr(e, "zh", None) or next((z for en, z in _YAML_ZH if problem.startswith(en)), None)
    at_end = mark is not None and (mark.line + 1 > last or mark.pointer >= len(text.rstrip()))
    if mark is None:
        line, pos_zh, pos_en = None, "", ""
    elif at_end:
        line = began.line + 1 if began is not None else last
        pos_zh, pos_en = "文件末尾：", " at the end of the file"
    else:
        line = mark.line + 1
        pos_zh, pos_en = f"第{mark.column + 1}列：", f" at line {line}, column {mark.column + 1}"
    ctx_zh = ctx_en = ""
    if e.context and began is not None:
        context, n = str(e.context), began.line + 1
        what = next((z for en, z in _YAML_CONTEXT_ZH if context.startswith(en)), None)
        ctx_zh = "；" + (what.format(n=n) if what else f"{context}，始于第{n}行")
        ctx_en = f" ({context} that began on line {n})"
    return ScenarioError(
        f"{source}:{line}" if line is not None else source,
        f"YAML 语法错误，{pos_zh}{zh or '见英文说明'}{ctx_zh}",
        f"YAML error{pos_en}: {problem}{ctx_en}",
    )


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


# -- the scenario model ------------------------------------------------------------------


@attrs.frozen
class Step:
    """One dated command and what it must give."""

    index: int  # 1-based
    line: int
    action: str
    actor: str | None
    on: _dt.date | None
    name: str | None  # ``as``: the name given to the student or request it creates
    student: str | None
    request: str | None
    args: Mapping[str, Any]
    expect: Mapping[str, Any]
    note: str = ""
    raw: frozenset[str] = frozenset()  # arguments left as written (the step expects an error)


@attrs.frozen
class Scenario:
    """A scenario file, read and checked."""

    path: str
    title: str
    articles: tuple[int, ...]
    start: _dt.date
    policies: tuple[Policy, ...]  # empty: the library's default (Anhui 2013)
    units: tuple[Unit, ...]
    schools: tuple[School, ...]
    classes: tuple[SchoolClass, ...]
    students: tuple[tuple[str, Mapping[str, Any], bool], ...]  # (name, enroll args, registered)
    actors: Mapping[str, Actor]
    steps: tuple[Step, ...]
    calendar: WorkdayCalendar | None = None  # ``holidays``: None is the built-in calendar
    # where each unit, school and class fact was written, and how it is named
    # (``units item 2``): a fact the registry refuses at setup is reported there
    origins: Mapping[str, tuple[tuple[str, str, str], ...]] = attrs.field(factory=dict)


@attrs.frozen
class StepResult:
    """What one step gave, against what was expected."""

    step: Step
    ok: bool
    problems: tuple[str, ...]  # one line per expectation that did not hold
    actual: Mapping[str, Any]
    explanation: str  # the decision's rules and articles, zh and en
    # what the step did, passing or not (``xueji scenario run --show``): the decision
    # (each code with its article), the error, the requests a sweep advanced, and the
    # student and request after it (:meth:`shown_text`)
    shown: Mapping[str, Any] = attrs.field(factory=dict)

    def shown_text(self) -> str:
        """What the step did, as ``--show`` prints it under its file: a line for the
        step (its outcome), then one for each code (with its article), the error, each
        request a sweep advanced, the student and the request after it."""
        s, d = self.step, self.shown
        by = f" by {s.actor}" if s.actor else ""
        if "error" in d:
            verdict = f"错误 error {d['error']['code']}"
        elif "allowed" in d:
            verdict = "允许 allowed" if d["allowed"] else "拒绝 refused"
        elif "advanced" in d:
            verdict = f"推进 advanced {len(d['advanced'])}"
        else:
            verdict = "检查 check"
        failed = "" if self.ok else "  ✗ 未通过 failed"
        lines = [f"  step {s.index} ({s.action}{by}, {d.get('on', '')}): {verdict}{failed}"]
        for key, zh, en in (("refused", "拒绝", "refused"), ("warnings", "提醒", "warning")):
            lines += [f"    {zh} {en} {v['code']} [{v['article']}]" for v in d.get(key, ())]
        if "error" in d:
            lines.append(f"    {d['error']['message']}")
        lines += [f"    推进 advanced {_request_line(r)}" for r in d.get("advanced", ())]
        if student := d.get("student"):
            lines.append(
                f"    学生 student {student['name']}: {student['status']}, "
                f"{student['grade']}年级 grade {student['grade']}, {student['class_id']}"
            )
        if request := d.get("request"):
            lines.append(f"    申请 request {_request_line(request)}")
        return "\n".join(lines)

    def describe(self, path: str) -> str:
        """The failure as an analyst reads it: where, what was expected, what came."""
        s = self.step
        head = f"{path}:{s.line}: step {s.index} ({s.action}"
        head += f" by {s.actor})" if s.actor else ")"
        lines = [head, *(f"  - {p}" for p in self.problems)]
        if self.explanation:
            lines.append("  explanation / 说明:")
            lines += [f"    {x}" for x in self.explanation.splitlines()]
        return "\n".join(lines)


def _request_line(request: Mapping[str, Any]) -> str:
    """A request as ``--show`` prints it: its name, kind, state and, while it is open,
    its deadline. A closed request's (approved, rejected, withdrawn) is its last
    stage's, stored: printed beside the final state it read as still running (found by
    the leftovers review); the JSON keeps it."""
    shown = request.get("deadline") and RequestState(request["state"]).is_open
    deadline = f", 截止 deadline {request['deadline']}" if shown else ""
    return f"{request['name']}: {request['kind']} {request['state']}{deadline}"


@attrs.frozen
class ScenarioResult:
    """The outcome of :func:`run`."""

    scenario: Scenario
    steps: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        """True when every step gave what it should."""
        return all(s.ok for s in self.steps)

    @property
    def failures(self) -> tuple[StepResult, ...]:
        """The steps that did not."""
        return tuple(s for s in self.steps if not s.ok)

    def report(self) -> str:
        """Every failure, described (empty when all is well)."""
        return "\n".join(f.describe(self.scenario.path) for f in self.failures)


# -- loading ---------------------------------------------------------------------------


def _where(path: str, node: Any, key: str | None = None) -> str:
    """``file:line`` of ``node`` (or of its ``key``): the file it was read from (a
    facts file's records are reported in that file), else ``path``."""
    if isinstance(node, _Map):
        line = node.lines.get(key, node.line) if key is not None else node.line
        return f"{node.source or path}:{line}"
    return path


def _fail(path: str, node: Any, key: str | None, zh: str, en: str) -> ScenarioError:
    return ScenarioError(_where(path, node, key), zh, en)


def _date(path: str, node: Any, key: str) -> _dt.date:
    """``node[key]`` as a date written ``YYYY-MM-DD`` (Python read ISO's other forms
    too, ``20260901`` and ``2026-W37-1``: found by the scenarios' review)."""
    value = node[key]
    if not _looks_like_date(str(value)):
        raise _fail(
            path,
            node,
            key,
            f"{key} 应为日期 YYYY-MM-DD，而不是 {_shown(value)}",
            f"{key} is not a date YYYY-MM-DD: {_shown(value)}",
        )
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(
            path, node, key, f"{key} 不是有效日期：{value!r}", f"{key} is not a date: {value!r}"
        ) from None


def _check_ids(path: str, node: Any) -> None:
    """Every ``id_number``/``guardian_id`` in ``node`` must pass GB 11643's checks."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("id_number", "guardian_id") and type(v) in (str, int):
                v = str(v)  # an unquoted number is checked too (it skipped the check)
                try:
                    ids.validate(v)
                except XuejiError as e:
                    raise _fail(
                        path,
                        node,
                        k,
                        f"{k} {mask(v)} 无效：{e.message_zh}",
                        f"{k} {mask(v)} is invalid: {e.message_en}",
                    ) from None
            else:
                _check_ids(path, v)
    elif isinstance(node, list):
        for v in node:
            _check_ids(path, v)


def _structure(path: str, node: Any, kind: type[Any], zh: str, en: str | None = None) -> Any:
    """``node`` as one of the library's records (a unit, a school, a class, an actor, a
    consent, an information entry), ``zh``/``en`` naming it in messages. Each mistake
    names its field and line, and the values a field takes where there are few (it was
    cattrs' "While structuring Unit (1 sub-exception)", found by the analysts' review)."""
    en = zh if en is None else en
    fields = [f.name for f in attrs.fields(kind)]
    if not isinstance(node, dict):
        raise _fail(
            path,
            node,
            None,
            f"{zh} 应为映射，字段为 {', '.join(fields)}",
            f"{en} is a mapping of {', '.join(fields)}",
        )
    unknown = sorted(set(node) - set(fields))
    if unknown:
        raise _unknown_key(path, node, unknown[0], fields, "字段", "field", (zh, en))
    missing = [
        f.name for f in attrs.fields(kind) if f.default is attrs.NOTHING and f.name not in node
    ]
    if missing:
        raise _fail(
            path,
            node,
            None,
            f"{zh} 缺少字段 {', '.join(missing)}",
            f"{en} lacks {', '.join(missing)}",
        )
    hints = typing.get_type_hints(kind)
    values = {key: _field(path, node, key, value, hints[key]) for key, value in node.items()}
    try:
        return converter.structure(_plain(values), kind)
    except Exception as e:  # a value the checks above let through (a record's own check)
        detail = "; ".join(cattrs.transform_error(e)) if isinstance(e, ExceptionGroup) else str(e)
        detail = detail.splitlines()[0][:200] if detail else type(e).__name__
        raise _fail(
            path, node, None, f"{zh} 有误：{detail}", f"{en} is malformed: {detail}"
        ) from None


def _field(path: str, node: Any, key: str, value: Any, hint: Any) -> Any:
    """A record's field checked as a ``with:`` value is (:func:`_value`); a set of
    values (a school's ``stages``) each of its kind."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (frozenset, set, tuple, list) and args:
        if not isinstance(value, list):
            value = [value] if isinstance(value, str) else value
        if not isinstance(value, list):
            raise _bad(
                path,
                node,
                key,
                f"{key} 应为列表，而不是 {_shown(value)}",
                f"{key} is a list, not {_shown(value)}",
            )
        return [_value(path, node, key, v, args[0]) for v in value]
    return _value(path, node, key, value, hint)


def _plain(value: Any) -> Any:
    """A YAML value as plain JSON-like data (for cattrs)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _facts(
    path: str,
    doc: _Map,
    key: str,
    kind: type[Any],
    defaults: Mapping[str, Any],
    origins: dict[str, tuple[tuple[str, str, str], ...]],
) -> list[Any]:
    """The records of ``facts.<key>``; ``origins[key]``: where each was written and
    how it is named (``units item 2``), for a fact the registry refuses at setup."""
    facts = doc.get("facts") or _Map()
    items = facts.get(key) or []
    if not isinstance(items, list):
        raise _fail(path, facts, key, f"{key} 应为列表", f"{key} must be a list")
    out, where = [], []
    counts: dict[str, int] = {}  # items numbered within their own file (a facts file's
    for item in items:  # come first in the list, the scenario's own after them)
        source = getattr(item, "source", "")
        counts[source] = n = counts.get(source, 0) + 1
        if isinstance(item, dict):
            item = _defaults(item, defaults)
        out.append(_structure(path, item, kind, f"{key} 第{n}项", f"{key} item {n}"))
        where.append((_where(path, item), f"{key} 第{n}项", f"{key} item {n}"))
    origins[key] = tuple(where)
    return out


def _check_actor_units(
    path: str, facts: Mapping[str, Any], units: Sequence[Unit], schools: Sequence[School]
) -> None:
    """Each actor's unit is one of the facts': a school's among the schools, another's
    among the units. A misspelled unit made every step of the actor refused, and a
    step that expected a refusal passed for the wrong reason (the scenarios' review)."""
    for name, spec in (facts.get("actors") or {}).items():
        kind, unit = str(spec.get("kind")), str(spec.get("unit"))
        if kind == ActorKind.SYSTEM.value:
            continue
        at_school = kind == ActorKind.SCHOOL.value
        known = sorted(s.code for s in schools) if at_school else sorted(u.code for u in units)
        if unit in known:
            continue
        what_zh, what_en = ("学校", "schools") if at_school else ("单位", "units")
        level = [u.code for u in units if u.level.value == kind]  # (suggested first)
        close = difflib.get_close_matches(unit, sorted(level) or known, n=3, cutoff=0.5)
        near_zh = f"（是否应为 {'、'.join(close)}？）" if close else ""
        near_en = f" (did you mean {', '.join(close)}?)" if close else ""
        listed = ", ".join(known) or "—"
        raise _fail(
            path,
            spec,
            "unit",
            f"执行者 {name} 的单位 {unit} 不在事实的{what_zh}中{near_zh}；{what_zh}有：{listed}",
            f"actor {name}'s unit {unit!r} is not one of the facts' {what_en}{near_en};"
            f" one of {listed}",
        )


_FACT_KEYS = ("actors", "classes", "schools", "students", "units")
"""What ``facts:`` (and a facts file) holds: ``actors`` a mapping, the others lists."""


def _check_facts(path: str, facts: _Map) -> None:
    """``facts:`` or a facts file: each key one of :data:`_FACT_KEYS` (a misspelled
    ``clases:`` was ignored, found by the analysts' review), each of its kind."""
    for key, value in facts.items():
        if key not in _FACT_KEYS:
            raise _unknown_key(path, facts, key, _FACT_KEYS, "事实类别", "kind of fact")
        if value is None:
            continue
        if key == "actors" and not isinstance(value, dict):
            raise _fail(
                path,
                facts,
                key,
                f"actors 应为映射（名称: {{kind, unit, name}}），而不是 {_shown(value)}",
                f"actors is a mapping (name: {{kind, unit, name}}), not {_shown(value)}",
            )
        if key != "actors" and not isinstance(value, list):
            raise _fail(
                path,
                facts,
                key,
                f"{key} 应为列表，而不是 {_shown(value)}",
                f"{key} must be a list, not {_shown(value)}",
            )


def _defaults(item: dict[str, Any], defaults: Mapping[str, Any]) -> _Map:
    out = _Map({**defaults, **item})
    out.line = getattr(item, "line", 0)
    out.lines = getattr(item, "lines", {})
    out.source = getattr(item, "source", "")
    return out


def load_text(text: str, path: str = "<scenario>") -> Scenario:
    """Read a scenario from YAML text (``path`` names it in messages)."""
    try:
        return _load_text(text, path)
    except RecursionError:  # (reported as an internal error, exit 1, before)
        raise ScenarioError(path, "嵌套层次过深", "nested too deeply") from None


def _load_text(text: str, path: str) -> Scenario:
    doc = _parse(text, path)  # a SafeLoader subclass: no arbitrary objects
    if not isinstance(doc, _Map):
        raise ScenarioError(path, "场景文件应为映射", "a scenario file is a mapping")
    unknown = set(doc) - {
        "title",
        "articles",
        "start",
        "policy",
        "holidays",
        "facts",
        "facts_file",
        "steps",
    }
    if unknown:
        key = sorted(unknown)[0]
        raise _fail(path, doc, key, f"未知的字段 {key}", f"unknown field {key!r}")
    policies = _policies(path, doc)
    calendar = _calendar(path, doc)
    start = _date(path, doc, "start") if "start" in doc else _dt.date(2026, 9, 1)
    facts = doc.get("facts") or _Map()
    if not isinstance(facts, dict):
        raise _fail(path, doc, "facts", "facts 应为映射", "facts must be a mapping")
    _check_facts(path, _defaults(facts, {}))
    if "facts_file" in doc:
        facts = _shared_facts(path, doc, facts)
        doc["facts"] = facts
    _check_ids(path, facts)
    created = {"created": start.isoformat()}
    origins: dict[str, tuple[tuple[str, str, str], ...]] = {}
    units = tuple(_facts(path, doc, "units", Unit, {}, origins))
    schools = tuple(_facts(path, doc, "schools", School, {}, origins))
    classes = tuple(_facts(path, doc, "classes", SchoolClass, created, origins))
    actors: dict[str, Actor] = {"系统": Actor.system(), "system": Actor.system()}
    for name, spec in (facts.get("actors") or {}).items():
        actors[str(name)] = _structure(path, spec, Actor, f"执行者 {name}", f"actor {name}")
    _check_actor_units(path, facts, units, schools)
    steps_node = doc.get("steps") or []
    if not isinstance(steps_node, list):
        raise _fail(path, doc, "steps", "steps 应为列表", "steps must be a list")
    students = _students(path, facts)
    names: dict[str, set[str]] = {"students": {name for name, _, _ in students}, "as": set()}
    steps = tuple(_step(path, i + 1, node, actors, names) for i, node in enumerate(steps_node))
    _in_order(path, start, steps_node, steps)
    articles = _articles(path, doc)
    if not steps:  # a file without steps tests nothing, and passed (the analysts' review)
        raise _fail(
            path,
            doc,
            "steps" if "steps" in doc else None,
            "场景没有步骤：steps 应列出至少一步",
            "the scenario has no steps: 'steps' lists at least one",
        )
    return Scenario(
        path=path,
        title=str(doc.get("title", Path(path).stem)),
        articles=tuple(articles),
        start=start,
        policies=policies,
        students=students,
        units=units,
        schools=schools,
        classes=classes,
        actors=actors,
        steps=steps,
        calendar=calendar,
        origins=origins,
    )


_ANHUI_ARTICLES = 33
"""The number of articles of the Anhui measures (Art 33, the last, puts them in force)."""


def _articles(path: str, doc: _Map) -> list[int]:
    """``articles``: the numbers of the articles the scenario documents, each a whole
    number from 1 to the Anhui measures' last (33) under the default profile, to 999
    (an article number, :class:`~xueji.articles.Article`) under a ``policy:`` of its
    own. ``[99, -1, true]`` was accepted (found by the scenarios' review)."""
    given = doc.get("articles") or []
    last = _ANHUI_ARTICLES if doc.get("policy") is None else 999
    items = given if isinstance(given, list) else [given]
    bad = next((a for a in items if type(a) is not int or not 1 <= a <= last), None)
    if bad is not None or not isinstance(given, list):
        shown = _shown(given if bad is None else bad)
        raise _fail(
            path,
            doc,
            "articles",
            f"articles 应为条号列表（1 至 {last} 的整数），而不是 {shown}",
            f"articles is a list of article numbers (whole numbers 1 to {last}), not {shown}",
        )
    return list(given)


def _in_order(path: str, start: _dt.date, nodes: Sequence[Any], steps: Sequence[Step]) -> None:
    """The steps' dates never go back (the clock only moves forward): a step dated
    before the step before it, or before ``start``, is a mistake in the file."""
    today, before = start, 0
    for node, step in zip(nodes, steps, strict=True):
        dates: list[tuple[_dt.date, Any, str]] = []
        if step.on is not None:
            dates.append((step.on, node, "on"))
        to = step.args.get("to") if step.action == "advance_clock" else None
        if isinstance(to, _dt.date) and "error" not in step.expect:
            # ``advance_clock with: {to: ...}`` moves the clock to ``to``: the step is
            # dated then (it was left out, found by the analysts' review); a step that
            # expects an error may test a clock set back
            dates.append((to, node.get("with"), "to"))
        for on, where, key in dates:
            if on < today:
                zh = f"第{before}步的日期" if before else "起始日期 start"
                en = f"step {before}'s date" if before else "the start"
                raise _fail(
                    path,
                    where,
                    key,
                    f"第{step.index}步的日期 {on} 早于{zh} {today}（时钟不能倒退）",
                    f"step {step.index} is dated {on}, before {en} {today}"
                    " (the clock never goes back)",
                )
            today, before = on, step.index


def _students(
    path: str, facts: Mapping[str, Any]
) -> tuple[tuple[str, Mapping[str, Any], bool], ...]:
    """``facts.students``: students who exist when the scenario starts, each named by
    ``as``, enrolled by their school and (unless ``registered: false``) registered by
    its authority. The other keys are :meth:`~xueji.registry.Registry.enroll`'s."""
    out: list[tuple[str, Mapping[str, Any], bool]] = []
    items = facts.get("students") or []
    if not isinstance(items, list):
        raise _fail(path, facts, "students", "students 应为列表", "students must be a list")
    for item in items:
        if not isinstance(item, dict) or "as" not in item:
            raise _fail(path, item, None, "学生须以 as 命名", "a student needs a name ('as')")
        name = str(item["as"])
        if any(name == given for given, _, _ in out):  # steps could reach only one of them
            raise _fail(
                path,
                item,
                "as",
                f"学生事实的名称 {name} 重复：每个学生的 as 须不同",
                f"the student fact name {name!r} is given twice: each student's 'as' differs",
            )
        args = _defaults({k: v for k, v in item.items() if k not in ("as", "registered")}, {})
        args.line, args.lines = getattr(item, "line", 0), getattr(item, "lines", {})
        args.source = getattr(item, "source", "")
        _parse_dates(path, args)
        args, _ = _args(path, "enroll", _defaults(item, {}), args, lenient=False, students=True)
        registered = item.get("registered", True)
        if type(registered) is not bool:
            raise _fail(
                path,
                item,
                "registered",
                f"registered 应为 true 或 false，而不是 {_shown(registered)}",
                f"registered is true or false, not {_shown(registered)}",
            )
        out.append((name, args, registered))
    return tuple(out)


def _policies(path: str, doc: _Map) -> tuple[Policy, ...]:
    """``policy``: a profile code, a policy file (``*.toml``, relative to the scenario)
    or a list of them (each decision is taken under the one in force on its date). A
    file may take as its ``base`` a profile listed before it: a province's later
    measure written over its earlier one."""
    given = doc.get("policy")
    if given is None:
        return ()
    out: list[Policy] = []
    for item in given if isinstance(given, list) else [given]:
        text = str(item)
        if text.endswith(".toml"):
            known = {**PROFILES, **{p.code: p for p in out}}
            with _file_of(path, doc, "policy", text):
                out.append(load_policy(Path(path).parent / text, profiles=known))
        elif text in PROFILES:
            out.append(PROFILES[text])
        else:
            raise _fail(path, doc, "policy", f"未知的政策 {text}", f"unknown policy {text!r}")
    try:
        check_profiles(out)
    except XuejiError as e:
        raise _fail(path, doc, "policy", e.message_zh, e.message_en) from None
    return tuple(out)


def _calendar(path: str, doc: _Map) -> WorkdayCalendar | None:
    """``holidays``: a holiday file (TOML, as ``xueji deadline --holidays`` reads,
    relative to the scenario) or a list of them, adding years the built-in calendar
    does not cover yet (a measure in force from 2027, say)."""
    given = doc.get("holidays")
    if given is None:
        return None
    calendar = default_calendar()
    for item in given if isinstance(given, list) else [given]:
        with _file_of(path, doc, "holidays", str(item)):
            calendar = calendar.load(Path(path).parent / str(item))
    return calendar


@contextlib.contextmanager
def _file_of(path: str, doc: _Map, key: str, name: str) -> Iterator[None]:
    """Read a file a scenario names under ``key``: its errors, and a file that cannot
    be read, reported at the scenario's line, not raised."""
    try:
        yield
    except XuejiError as e:
        raise _fail(path, doc, key, e.message_zh, e.message_en) from None
    except OSError as e:
        raise _fail(path, doc, key, f"无法读取 {name}：{e}", f"cannot read {name}: {e}") from None


def _shared_facts(path: str, doc: _Map, local: dict[str, Any]) -> _Map:
    """The facts of ``facts_file`` (relative to the scenario), with the scenario's own
    facts added: lists are extended, actors merged."""
    shared_path = Path(path).parent / str(doc["facts_file"])
    try:
        text = shared_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise _fail(
            path,
            doc,
            "facts_file",
            f"无法读取 {shared_path}：{e}",
            f"cannot read {shared_path}: {e}",
        ) from None
    shared = _parse(text, str(shared_path))
    if not isinstance(shared, _Map):
        raise _fail(path, doc, "facts_file", "共享事实文件应为映射", "a facts file is a mapping")
    _check_facts(path, shared)
    merged = _defaults(shared, {})
    for key, value in local.items():
        if value is None:  # ``units:`` with nothing under it adds nothing
            continue
        if isinstance(value, list):
            merged[key] = [*(merged.get(key) or []), *value]
        elif isinstance(value, dict):
            merged[key] = _defaults({**(merged.get(key) or {}), **value}, {})
        else:
            merged[key] = value
    return merged


# -- the arguments of each action ---------------------------------------------------------

_NOT_ARGS = frozenset({"self", "actor", "student_id", "request_id", "return"})
_COMMON_ARGS = frozenset({"expected_version", "idempotency_key"})
"""Arguments most commands take besides their own (a record's version, a repeat's key)."""

_EDITABLE = _registry_module.EDITABLE_FIELDS
"""The fields ``update_student`` edits; a correction's ``changes`` take the same, typed
alike."""

_CHOICES: Mapping[str, tuple[str, ...]] = {"sex": ("M", "F")}
"""Text arguments with a fixed set of values (besides the enumerations)."""

_MEMBERS: Mapping[str, frozenset[enum.Enum]] = {"group": SCHOOL_MAINTAINED}
"""Enumeration arguments that take some of their members only: ``add_info``'s
``group`` the Art 17 groups a school records (not ``family``, which no command
records: docs/registry.md)."""


def _members(key: str, hint: type[enum.Enum]) -> list[str]:
    """The values an enumeration argument ``key`` takes, in the enumeration's order."""
    allowed = _MEMBERS.get(key)
    return [str(m.value) for m in hint if allowed is None or m in allowed]


_BY_DEFAULT = frozenset({"advance_clock", "rollover", "check"})
"""The actions a step may give without ``by:``: the system acts."""


@attrs.frozen
class _Param:
    hint: Any
    required: bool


@functools.cache
def _hints(action: str) -> dict[str, Any]:
    method = getattr(Registry, action)
    return typing.get_type_hints(method, vars(_registry_module))


@functools.cache
def _person_hints() -> dict[str, Any]:
    hints = _hints("enroll")
    return {k: hints[k] for k in _EDITABLE}


@functools.cache
def _signature(action: str) -> Mapping[str, inspect.Parameter]:
    if action == "check":
        return {}
    return dict(inspect.signature(getattr(Registry, action)).parameters)


@functools.cache
def _params(action: str) -> dict[str, _Param]:
    """The ``with:`` arguments of ``action``: name, type and whether it is required."""
    if action == "update_student":
        own = {k: _Param(h, False) for k, h in _person_hints().items()}
        hints = _hints(action)  # (and the arguments every command takes)
        own.update({k: _Param(hints[k], False) for k in sorted(_COMMON_ARGS) if k in hints})
    else:
        hints = _hints(action) if action != "check" else {}
        own = {
            name: _Param(hints.get(name, Any), p.default is inspect.Parameter.empty)
            for name, p in _signature(action).items()
            if name not in _NOT_ARGS and p.kind is not inspect.Parameter.VAR_KEYWORD
        }
    if action in ("enroll", "transfer_in"):
        own["photo"] = _Param(own["photo"].hint, False)  # the scenario's date by default
    return own


def _names_a(action: str) -> tuple[bool, bool]:
    """Whether ``action`` acts on a named student, on a named request."""
    if action in ("check", "advance_clock"):
        return False, False
    sig = _signature(action)
    return "student_id" in sig, "request_id" in sig


def _optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` as (X, True); any other hint as (hint, False)."""
    args = typing.get_args(hint)
    if type(None) in args and len(args) == 2:
        return next(a for a in args if a is not type(None)), True
    return hint, False


def _bad(path: str, node: Any, key: str, zh: str, en: str) -> ScenarioError:
    return _fail(path, node, key, zh, en)


def _value(path: str, node: Any, key: str, value: Any, hint: Any, label: str = "") -> Any:
    """A ``with:`` value as the command's parameter type; a value that is not is a
    :class:`ScenarioError` naming the argument (as ``label``, where given: an
    expectation's ``request.deadline``) and, where there are few, its values."""
    hint, optional = _optional(hint)
    name = label or key
    if value is None:
        if optional or hint is Any:
            return None
        raise _bad(path, node, key, f"{name} 不能为空", f"{name} needs a value")
    if hint is Any:
        return value
    shown = _shown(value)
    if hint is _dt.date:
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str) and _looks_like_date(value):
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:  # 2026-11-31: written as a date, no such day
                raise _bad(
                    path,
                    node,
                    key,
                    f"{name} 不是有效日期：{value!r}",
                    f"{name} is not a date: {value!r}",
                ) from None
        raise _bad(
            path,
            node,
            key,
            f"{name} 应为日期 YYYY-MM-DD，而不是 {shown}",
            f"{name} is a date YYYY-MM-DD, not {shown}",
        )
    if hint is Photo:
        try:
            return Photo(_value(path, node, key, value, _dt.date, label), "scenario")
        except ScenarioError:
            raise _bad(
                path,
                node,
                key,
                f"{name} 写作照片的拍摄日期 YYYY-MM-DD，而不是 {shown}",
                f"{name} is written as the photo's date YYYY-MM-DD, not {shown}",
            ) from None
    if hint is TransferReason:  # by its value or its Chinese name (工作调动)
        reason = transfer_reason(value) if isinstance(value, str) else None
        if reason is not None:
            return reason
        raise _bad(
            path,
            node,
            key,
            f"{name} 的值 {shown} 无效，应为：{transfer_reasons_listed('zh')}（或其中文名）",
            f"{name} {shown} is not valid; one of {transfer_reasons_listed('en')}"
            " (or its Chinese name)",
        )
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        values = _members(key, hint)
        if isinstance(value, str) and value in values:
            return hint(value)
        raise _bad(
            path,
            node,
            key,
            f"{name} 的值 {shown} 无效，应为：{'、'.join(values)}",
            f"{name} {shown} is not valid; one of {', '.join(values)}",
        )
    if hint is bool:
        if type(value) is bool:
            return value
        raise _bad(
            path,
            node,
            key,
            f"{name} 应为 true 或 false，而不是 {shown}",
            f"{name} is true or false, not {shown}",
        )
    if hint is int:
        if type(value) is int or (isinstance(value, str) and value.isascii() and value.isdigit()):
            return int(value)
        raise _bad(
            path,
            node,
            key,
            f"{name} 应为整数（阿拉伯数字），而不是 {shown}",
            f"{name} is a whole number (digits), not {shown}",
        )
    if hint is str:
        if type(value) is int:  # 340104 written without quotes
            value = str(value)
        elif isinstance(value, _dt.date):  # text that reads as a date: it is text here
            value = value.isoformat()
        if not isinstance(value, str):
            raise _bad(
                path, node, key, f"{name} 应为文本，而不是 {shown}", f"{name} is text, not {shown}"
            )
        choices = _CHOICES.get(key)
        if choices and value not in choices:
            raise _bad(
                path,
                node,
                key,
                f"{name} 的值 {shown} 无效，应为：{'、'.join(choices)}",
                f"{name} {shown} is not valid; one of {', '.join(choices)}",
            )
        return value
    if attrs.has(hint):
        return _record(path, node, key, value, hint)
    return value  # (a mapping: a correction's changes, checked by _changes)


def _shown(value: Any) -> str:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return "映射/mapping" if isinstance(value, dict) else "列表/list"
    return str(value)


def _record(path: str, node: Any, key: str, value: Any, kind: type[Any]) -> Any:
    """A ``with:`` mapping as one of the library's records (a class, an information
    entry, a consent): an unknown or missing field is named, with the fields there are."""
    if not isinstance(value, dict):
        fields = [f.name for f in attrs.fields(kind)]
        raise _bad(
            path,
            node,
            key,
            f"{key} 应为映射，字段为 {', '.join(fields)}",
            f"{key} is a mapping of {', '.join(fields)}",
        )
    return _structure(path, value, kind, key)


def _unknown_key(
    path: str,
    node: Any,
    key: str,
    known: Iterable[str],
    zh: str,
    en: str,
    owner: tuple[str, str] = ("", ""),
) -> ScenarioError:
    """``key`` is not among ``known`` (the ``zh``/``en`` of ``owner``, named in each
    language): the closest are suggested, all are listed."""
    known = sorted(known)
    close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
    hint_zh = f"（是否应为 {'、'.join(close)}？）" if close else ""
    hint_en = f" (did you mean {', '.join(close)}?)" if close else ""
    of_zh = f"{owner[0]} 的" if owner[0] else ""
    of_en = f" of {owner[1]}" if owner[1] else ""
    listed = ", ".join(known) or "—"
    return _fail(
        path,
        node,
        key,
        f"未知的{zh} {key}{hint_zh}；{of_zh}{zh}有：{listed}",
        f"unknown {en} {key!r}{of_en}{hint_en}; one of {listed}",
    )


def _args(
    path: str, action: str, node: _Map, given: _Map, *, lenient: bool, students: bool = False
) -> tuple[_Map, frozenset[str]]:
    """``with:`` checked against ``action``'s parameters and converted to their types.

    ``lenient`` (a step that expects an ``error``): a value that does not convert is
    left as written, for the command to refuse; its key is in the returned set."""
    params = _params(action)
    out = _defaults(given, {})
    raw: set[str] = set()
    what_zh, what_en, owner = (
        ("字段", "field", ("学生事实", "a student fact"))
        if students
        else ("参数", "argument", (action, action))
    )
    for key, value in given.items():
        if key not in params:
            known = [k for k in params if k not in _COMMON_ARGS]
            raise _unknown_key(path, given, key, known, what_zh, what_en, owner)
        try:
            if key == "changes" and action == "request_correction":
                out[key] = _changes(path, given, value)
            else:
                out[key] = _value(path, given, key, value, params[key].hint)
        except ScenarioError:
            if not lenient:
                raise
            raw.add(key)
    missing = [k for k, p in params.items() if p.required and k not in given]
    if missing:
        where: Any = given if given else node
        raise _fail(
            path,
            where,
            None if given or "with" not in node else "with",
            f"{'学生事实' if students else action} 缺少参数 {', '.join(missing)}",
            f"{'a student fact' if students else action} lacks {', '.join(missing)}",
        )
    return out, frozenset(raw)


def _changes(path: str, node: Any, value: Any) -> _Map:
    """A correction's ``changes``: fields of the student record, typed as
    ``update_student`` types them (a birth date a date, a photo its date)."""
    hints = _person_hints()
    record = [f.name for f in attrs.fields(Student)]
    if not isinstance(value, dict):
        raise _bad(
            path,
            node,
            "changes",
            f"changes 应为映射（字段: 新值），关键字段为 {', '.join(KEY_FIELDS)}",
            f"changes is a mapping (field: new value); the key fields are {', '.join(KEY_FIELDS)}",
        )
    out = _defaults(value, {})
    for key, v in value.items():
        if key not in record:
            raise _unknown_key(path, value, key, KEY_FIELDS, "更正字段", "correction field")
        out[key] = _value(path, value, key, v, hints[key]) if key in hints else v
    return out


# -- what each action can be expected to give ---------------------------------------------


def _expects(action: str) -> frozenset[str]:
    """The expectations a step of ``action`` can state."""
    if action == "check":
        return _CHECK_EXPECT
    if action == "advance_clock":
        return _CLOCK_EXPECT
    return _COMMAND_EXPECT


def _codes(
    path: str, node: _Map, key: str, known: Iterable[str], what: tuple[str, str]
) -> list[str]:
    """A list of codes (one code written alone is a list of one), each a known one."""
    value = node[key]
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(c, str) for c in items):
        raise _fail(
            path,
            node,
            key,
            f"{key} 应为代码列表，如 [{what[1]}]",
            f"{key} is a list of codes, such as [{what[1]}]",
        )
    for code in items:
        _known_code(path, node, key, code, known, what)
    return items


_LISTED: Mapping[str, str] = {
    "规则代码": "docs/reference.md#rule-codes",
    "发现类型": "docs/audit.md#art-32-what-a-system-can-see",
    "错误代码": "docs/reference.md#error-codes",
}
"""Where each kind of code is listed, named in the message of one not among them (the
message pointed every kind at docs/reference.md, which lists no detector kind: found
by the analysts' review)."""


def _known_code(
    path: str, node: _Map, key: str, code: str, known: Iterable[str], what: tuple[str, str]
) -> None:
    """``code`` (given under ``key``) is one of ``known``, or the file is malformed, the
    closest codes named, and where all of them are listed."""
    known = sorted(known)
    if code not in known:
        close = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
        near_zh = f"；相近的有 {'、'.join(close)}" if close else ""
        near_en = f"; the closest are {', '.join(close)}" if close else ""
        where = _LISTED[what[0]]
        raise _fail(
            path,
            node,
            key,
            f"未知的{what[0]} {code}{near_zh}（全部{what[0]}见 {where}）",
            f"unknown {key} code {code!r}{near_en} (every {key} code is listed in {where})",
        )


def _cites(path: str, expect: _Map, rule: tuple[str, str]) -> dict[str, str]:
    """``cites:`` checked: a mapping, not empty, of known rule codes to the text of a
    citation (not empty). An empty mapping checked nothing, and would have passed."""
    value = expect["cites"]
    if not isinstance(value, dict) or not value:
        raise _fail(
            path,
            expect,
            "cites",
            "cites 应为规则代码到其引用条文的映射，如 {transfer.mid_term: 第二十五条第二款}",
            "cites is a mapping of rule codes to the article each cites, such as"
            " {transfer.mid_term: 第二十五条第二款}",
        )
    for code, text in value.items():
        _known_code(path, expect, "cites", str(code), RULE_CODES, rule)
        if not isinstance(text, str) or not text.strip():
            raise _fail(
                path,
                expect,
                "cites",
                f"cites.{code} 应为引用条文的文字（或其一部分），而不是 {_shown(text)}",
                f"cites.{code} is the text of a citation (or a part of it), not {_shown(text)}",
            )
    return {str(code): text for code, text in value.items()}


def _cited_as(article: Article, text: str) -> bool:
    """Whether ``article`` is cited as ``text`` says (a ``cites:`` expectation): ``text``
    is its Chinese form as a decision shows it (``皖教基〔2013〕20号 第二十五条第二款``)
    or a part of it (``第二十五条第二款``), spaces aside, or its whole English form
    (``皖教基〔2013〕20号 Art 25(2)``). A part of the English form is not enough: ``Art 2``
    is a part of ``Art 25(2)``, where ``第二条`` is no part of ``第二十五条``."""

    def bare(t: str) -> str:
        return "".join(t.split())

    return bare(text) in bare(str(article)) or text.strip() == article.english


def _step(
    path: str,
    index: int,
    node: Any,
    actors: Mapping[str, Actor],
    names: dict[str, set[str]],
) -> Step:
    """One step, checked against its action's arguments and expectations. ``names``:
    the students and requests named so far (a step's ``as`` is added)."""
    if not isinstance(node, _Map):
        raise ScenarioError(path, f"第{index}步应为映射", f"step {index} must be a mapping")
    action = node.get("do")
    if action is None:
        raise _fail(path, node, None, f"第{index}步缺少 do", f"step {index} has no 'do'")
    if not isinstance(action, str) or action not in ACTIONS:
        shown = action if isinstance(action, str) else _shown(action)
        raise _fail(
            path,
            node,
            "do",
            f"未知的操作 {shown}",
            f"unknown action {shown!r}; one of {', '.join(sorted(ACTIONS))}",
        )
    given = node.get("with") or _Map()
    if not isinstance(given, dict):
        raise _fail(path, node, "with", "with 应为映射", "with must be a mapping")
    extra = set(node) - _CONTROL
    if extra:
        key = sorted(extra)[0]
        close = difflib.get_close_matches(key, sorted(_CONTROL), n=3, cutoff=0.6)
        if close:  # ``studnet:`` (the analysts' review)
            raise _unknown_key(path, node, key, _CONTROL, "步骤字段", "step key")
        raise _fail(
            path,
            node,
            key,
            f"未知的字段 {key}（参数写在 with 下）",
            f"unknown field {key!r} (arguments go under 'with')",
        )
    actor = node.get("by")
    if actor is None and action not in _BY_DEFAULT:
        raise _fail(
            path, node, None, f"第{index}步缺少 by（执行者）", f"step {index} has no 'by' (actor)"
        )
    if actor is not None and str(actor) not in actors:
        named = sorted(a for a in actors if a not in ("系统", "system"))
        close = difflib.get_close_matches(str(actor), named, n=3, cutoff=0.5)
        near_zh = f"（是否应为 {'、'.join(close)}？）" if close else ""
        near_en = f" (did you mean {', '.join(close)}?)" if close else ""
        raise _fail(
            path,
            node,
            "by",
            f"未定义的执行者 {actor}{near_zh}；请在 facts.actors 下定义"
            f"；已定义：{'、'.join(named) or '无'}",
            f"unknown actor {actor!r}{near_en} (define it under facts.actors);"
            f" defined: {', '.join(named) or _NONE}",
        )
    expect = node.get("expect") or _Map()
    if not isinstance(expect, dict):
        raise _fail(path, node, "expect", "expect 应为映射", "expect must be a mapping")
    expect = _expectations(path, action, node, _defaults(expect, {}))
    lenient = "error" in expect  # a step that expects a refusal may use a bad value
    if not lenient:
        _check_ids(path, given)
    given = _defaults(given, {})
    _parse_dates(path, given)
    args, raw = _args(path, action, node, given, lenient=lenient)
    student, request = _named(path, index, action, node, expect, names)
    name = None if node.get("as") is None else str(node["as"])
    if name is not None:
        names["as"].add(name)
    on = _date(path, node, "on") if "on" in node else None
    if action == "check" and not expect:  # it checked nothing, and passed (found by
        # the scenarios' review); a command, advance_clock too, is an action: it states
        # at least that it is carried out
        raise _fail(
            path,
            node,
            None,
            f"第{index}步：check 步骤未写任何预期（expect:），什么也不检查；"
            f"可预期：{'、'.join(sorted(_CHECK_EXPECT))}",
            f"step {index}: a check step that expects nothing (no 'expect:') checks"
            f" nothing; it can expect {', '.join(sorted(_CHECK_EXPECT))}",
        )
    return Step(
        index=index,
        line=node.line,
        action=action,
        actor=None if actor is None else str(actor),
        on=on,
        name=name,
        student=student,
        request=request,
        args=args,
        expect=dict(expect),
        note=str(node.get("note", "")),
        raw=raw,
    )


def _named(
    path: str,
    index: int,
    action: str,
    node: _Map,
    expect: Mapping[str, Any],
    names: Mapping[str, set[str]],
) -> tuple[str | None, str | None]:
    """The step's ``student:`` and ``request:``: given where the action needs them, and
    each a name given before (in ``facts.students`` or an earlier step's ``as``)."""
    takes_student, takes_request = _names_a(action)
    out: list[str | None] = []
    for key, takes, zh in (
        ("student", takes_student, "学生"),
        ("request", takes_request, "申请"),
    ):
        value = node.get(key)
        if value is None:
            if takes:
                raise _fail(
                    path,
                    node,
                    None,
                    f"第{index}步缺少 {key}（{action} 作用于一个已命名的{zh}）",
                    f"step {index} has no '{key}' ({action} acts on a named {key})",
                )
            if action in ("check", "advance_clock") and key in expect:
                raise _fail(
                    path,
                    expect,
                    key,
                    f"{action} 步骤要检查{zh}，须以 {key}: 指明是哪一个",
                    f"a {action} step that expects a {key} names it with '{key}:'",
                )
            out.append(None)
            continue
        if not takes and action not in ("check", "advance_clock"):
            raise _fail(
                path,
                node,
                key,
                f"{action} 不作用于已命名的{zh}（检查请另写 check 步骤）",
                f"{action} takes no '{key}' (add a check step to check one)",
            )
        text = str(value)
        known = names["as"] | (names["students"] if key == "student" else set())
        if text not in known:
            close = difflib.get_close_matches(text, sorted(known), n=3, cutoff=0.5)
            near_zh = f"（是否应为 {'、'.join(close)}？）" if close else ""
            near_en = f" (did you mean {', '.join(close)}?)" if close else ""
            raise _fail(
                path,
                node,
                key,
                f"未知的{zh} {text}{near_zh}：须先在 facts.students 或前面步骤的 as 中命名",
                f"unknown {key} {text!r}{near_en}: name it first in facts.students or with"
                " 'as' on an earlier step",
            )
        out.append(text)
    return out[0], out[1]


def _expectations(path: str, action: str, node: _Map, expect: _Map) -> _Map:
    """``expect:`` checked: each key one ``action`` can state, each value of its kind
    (codes known ones; a code written alone is a list of one)."""
    for key in expect:
        if key not in _EXPECT:
            raise _fail(
                path,
                expect,
                key,
                f"未知的预期 {key}",
                f"unknown expectation {key!r}; one of {', '.join(sorted(_EXPECT))}",
            )
        if key not in _expects(action):
            can = ", ".join(sorted(_expects(action)))
            raise _fail(
                path,
                expect,
                key,
                f"{action} 步骤不能预期 {key}（可预期：{can}）",
                f"a {action} step cannot expect {key!r}; it can expect {can}",
            )
    for part, allowed in (("student", _STUDENT_FIELDS), ("request", _REQUEST_FIELDS)):
        sub = expect.get(part)
        if part in expect and not sub:  # ``student: {}`` checked nothing, and passed
            listed = ", ".join(sorted(allowed))
            raise _fail(
                path,
                expect,
                part,
                f"预期 {part} 未写任何字段，什么也不检查；可写：{listed}",
                f"expect.{part} names no field, so it checks nothing; one of {listed}",
            )
        if sub is not None and (not isinstance(sub, dict) or set(sub) - allowed):
            key = sorted(set(sub) - allowed)[0] if isinstance(sub, dict) else part
            raise _fail(
                path, expect, part, f"未知的预期 {part}.{key}", f"unknown expectation {part}.{key}"
            )
    for (part, key), kind in _EXPECTED_VALUES.items():
        sub = expect.get(part)
        if not isinstance(sub, dict) or key not in sub:
            continue
        values = [m.value for m in kind]
        if sub[key] in values:
            continue
        shown = _shown(sub[key])
        close = difflib.get_close_matches(str(sub[key]), values, n=3, cutoff=0.6)
        near_zh = f"（相近的有 {'、'.join(close)}）" if close else ""
        near_en = f" (the closest are {', '.join(close)})" if close else ""
        raise _fail(
            path,
            expect,
            part,
            f"预期 {part}.{key} 的值 {shown} 无效{near_zh}，应为：{'、'.join(values)}"
            "（见 docs/lifecycle.md）",
            f"{part}.{key} {shown} is not valid{near_en}; one of {', '.join(values)} "
            "(docs/lifecycle.md)",
        )
    for part in ("student", "request"):
        sub = expect.get(part)
        if isinstance(sub, dict) and any((part, key) in _FIELD_KINDS for key in sub):
            fields = _defaults(sub, {})
            for key, value in sub.items():
                if (part, key) in _FIELD_KINDS:
                    kind = _FIELD_KINDS[part, key]
                    fields[key] = _value(path, sub, key, value, kind, f"{part}.{key}")
            expect[part] = fields
    for key in ("allowed", "log_verifies", "log_masked"):
        if key in expect and type(expect[key]) is not bool:
            raise _fail(
                path,
                expect,
                key,
                f"{key} 应为 true 或 false，而不是 {_shown(expect[key])}",
                f"{key} is true or false, not {_shown(expect[key])}",
            )
    if "advanced" in expect and type(expect["advanced"]) is not int:
        raise _fail(
            path,
            expect,
            "advanced",
            f"advanced 应为整数，而不是 {_shown(expect['advanced'])}",
            f"advanced is a whole number, not {_shown(expect['advanced'])}",
        )
    if "error" in expect and not isinstance(expect["error"], str):
        raise _fail(path, expect, "error", "error 应为一个错误代码", "error is one error code")
    if "error" in expect:  # (``access.deny`` failed only when run: the analysts' review)
        _known_code(path, expect, "error", expect["error"], ERROR_CODES, ("错误代码", ""))
    rule = ("规则代码", "transfer.same_city_choice")
    for key in ("refused", "warnings"):
        if key in expect:
            expect[key] = _codes(path, expect, key, RULE_CODES, rule)
    if "cites" in expect:
        expect["cites"] = _cites(path, expect, rule)
    if "refused" in expect and not expect["refused"]:  # it could never hold: "expected
        # refused [], got []" (found by the scenarios' review)
        raise _fail(
            path,
            expect,
            "refused",
            "refused 未列出规则代码：被拒绝的步骤至少有一个代码；预期执行请写 allowed: true",
            "refused lists no rule code: a refused step has at least one; a step expected"
            " to be carried out says allowed: true",
        )
    if "detected" in expect:
        expect["detected"] = _codes(
            path, expect, "detected", typing.get_args(FindingKind), ("发现类型", "default_approval")
        )
    request = expect.get("request")
    if isinstance(request, dict) and "warnings" in request:
        sub = _defaults(request, {})
        sub["warnings"] = _codes(path, sub, "warnings", RULE_CODES, rule)
        expect["request"] = sub
    return expect


def _kind(key: str, hint: Any, action: str = "") -> str:
    """How a ``with:`` value is written, for :func:`actions_markdown` (``enroll``'s
    photo: when it is needed, Art 12)."""
    hint, optional = _optional(hint)
    if action == "enroll" and hint is Photo:
        # optional in the signature, but an initial grade's new student needs one
        return (
            "date (the photo's; needed in an initial grade, the profile's "
            "`initial_grades`: 1, 7, 10 under anhui-2013, else `enrolment.photo_missing`)"
        )
    if key in _CHOICES:
        text = " / ".join(f"`{c}`" for c in _CHOICES[key])
    elif hint is _dt.date:
        text = "date"
    elif hint is Photo:
        text = "date (the photo's)"
    elif hint is TransferReason:
        text = " / ".join(f"`{r.value}` ({zh})" for r, zh in TRANSFER_REASON_ZH.items())
        text += " (or the Chinese name)"
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        text = " / ".join(f"`{v}`" for v in _members(key, hint))
    elif hint is bool:
        text = "`true` / `false`"
    elif hint is int:
        text = "number"
    elif hint is str:
        text = "text"
    elif attrs.has(hint):
        required = [f.name for f in attrs.fields(hint) if f.default is attrs.NOTHING]
        optional_fields = [f.name for f in attrs.fields(hint) if f.default is not attrs.NOTHING]
        text = (
            "{"
            + ", ".join(required)
            + (f"; optional {', '.join(optional_fields)}" if optional_fields else "")
            + "}"
        )
    elif key == "changes":
        text = "{field: new value}: " + ", ".join(KEY_FIELDS)
    else:
        text = "any"
    return text + (" or empty" if optional and hint is not Photo else "")


def actions_markdown() -> str:
    """The table of actions in docs/scenarios.md, from the runner's own definitions
    (a test keeps the document equal to it): each action's named record, arguments
    (**required** ones bold) with the values they take, who acts without ``by:``, and
    the expectations it can state."""
    rows = [
        "| action | acts on | `with:` arguments (**required**) | without `by:` | can expect |",
        "|---|---|---|---|---|",
    ]
    for action in sorted(ACTIONS):
        takes_student, takes_request = _names_a(action)
        if action in ("check", "advance_clock"):
            on = "`student:` and/or `request:` (optional, for the expectations)"
        else:
            on = "`student:`" if takes_student else "`request:`" if takes_request else "—"
        args = []
        for key, param in _params(action).items():
            if key in _COMMON_ARGS:
                continue
            name = f"**`{key}`**" if param.required else f"`{key}`"
            args.append(f"{name}: {_kind(key, param.hint, action)}")
        by = "the system (系统)" if action in _BY_DEFAULT else "required"
        can = _expects(action)
        expects = (
            "every key but `advanced`"
            if can == _COMMAND_EXPECT
            else ", ".join(f"`{e}`" for e in sorted(can))
        )
        rows.append(f"| `{action}` | {on} | {'<br>'.join(args) or '—'} | {by} | {expects} |")
    return "\n".join(rows) + "\n"


def _parse_dates(path: str, args: _Map) -> None:
    """Arguments written ``YYYY-MM-DD`` become dates, in place; an impossible one is
    reported with its line."""
    for key, value in list(args.items()):
        if isinstance(value, str) and _looks_like_date(value):
            try:
                args[key] = _dt.date.fromisoformat(value)
            except ValueError:
                raise _fail(
                    path,
                    args,
                    key,
                    f"{key} 不是有效日期：{value!r}",
                    f"{key} is not a date: {value!r}",
                ) from None


def _looks_like_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()


def load(path: str | Path) -> Scenario:
    """Read a scenario file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(str(p), f"无法读取：{e}", f"cannot be read: {e}") from None
    return load_text(text, str(p))


SUFFIXES = (".scenario.yaml", ".scenario.yml")
"""The names scenario files end with (in a directory; a file given by name may be
called anything)."""


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files under ``paths`` (files as given; directories searched for
    ``*.scenario.yaml``), sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(x for x in p.rglob("*") if x.name.endswith(SUFFIXES))
        else:
            out.append(p)
    return out


# -- running ---------------------------------------------------------------------------


class _StepProblem(Exception):
    """A step that cannot be carried out as written (an unknown name, a bad argument):
    reported as the step's failure, not raised."""


_OBSERVER = Actor(ActorKind.PROVINCE, "(scenario)", "场景检查 (scenario check)")
"""Who reads the registry for a scenario's checks (the province sees everything)."""


class _Run:
    def __init__(self, scenario: Scenario, store: Store | None) -> None:
        self.s = scenario
        self.clock = ManualClock(scenario.start)
        kw: dict[str, Any] = {"policies": scenario.policies} if scenario.policies else {}
        if scenario.calendar is not None:
            kw["calendar"] = scenario.calendar
        self.reg = Registry(store or MemoryStore(), clock=self.clock, **kw)
        self.students: dict[str, str] = {}
        self.requests: dict[str, str] = {}
        setup = Actor(ActorKind.PROVINCE, "(scenario)", "场景设置 (scenario setup)")
        self.observer = _OBSERVER
        for i, unit in enumerate(scenario.units):
            if unit.level is UnitLevel.PROVINCE:  # the province founds itself, then acts
                setup = attrs.evolve(setup, unit=unit.code)
                self.observer = attrs.evolve(_OBSERVER, unit=unit.code)
            with self._fact("units", i):
                self.reg.add_unit(setup, unit).unwrap()
        for i, school in enumerate(scenario.schools):
            with self._fact("schools", i):
                self.reg.add_school(setup, school).unwrap()
        for i, klass in enumerate(scenario.classes):
            with self._fact("classes", i):
                self.reg.add_class(Actor(ActorKind.SCHOOL, klass.school), klass).unwrap()
        for name, args, registered in scenario.students:
            try:
                self._existing(name, args, registered)
            except (XuejiError, TypeError) as e:  # said with its name and line (it had
                # neither: found by the analysts' review)
                raise ScenarioError(
                    _where(scenario.path, args),
                    f"学生事实 {name} 无法建立：{getattr(e, 'message_zh', e)}",
                    f"the student fact {name!r} cannot be set up: {getattr(e, 'message_en', e)}",
                ) from None

    @contextlib.contextmanager
    def _fact(self, kind: str, index: int) -> Iterator[None]:
        """Set up the ``index``-th fact of ``kind``: one the registry refuses is
        reported at its file and line, named as the file numbers it (it was reported
        against the scenario, with no line: found by the scenarios' review)."""
        try:
            yield
        except (XuejiError, TypeError) as e:
            origins = self.s.origins.get(kind, ())
            if index >= len(origins):
                raise
            where, zh, en = origins[index]
            raise ScenarioError(
                where,
                f"{zh} 无法建立：{getattr(e, 'message_zh', e)}",
                f"{en} cannot be set up: {getattr(e, 'message_en', e)}",
            ) from None

    def _existing(self, name: str, args: Mapping[str, Any], registered: bool) -> None:
        school = str(args.get("school"))
        actor = Actor(ActorKind.SCHOOL, school)
        kwargs = dict(args)  # (converted when the file was read)
        kwargs.setdefault("photo", Photo(self.clock.today(), "scenario"))
        student = self.reg.enroll(actor, **kwargs).unwrap().student
        assert student is not None
        self.students[name] = student.id
        if registered:
            request = self.reg.submit(actor, student.id).unwrap().request
            assert request is not None
            with self.reg.store.unit_of_work() as uow:
                sch = uow.schools.get(school)
                unit = uow.units.get(sch.authority) if sch else None
            assert sch is not None
            assert unit is not None
            authority = Actor(ActorKind(unit.level.value), unit.code)
            self.reg.approve(authority, request.id).unwrap()

    def student_id(self, name: str) -> str:
        if name not in self.students:
            raise _StepProblem(_unnamed("student", "学生", name))
        return self.students[name]

    def request_id(self, name: str) -> str:
        if name not in self.requests:
            raise _StepProblem(_unnamed("request", "申请", name))
        return self.requests[name]

    def step(self, step: Step) -> StepResult:
        if step.on is not None and step.on != self.clock.today():
            if step.on < self.clock.today():  # (a file's steps are checked when it is read)
                today = self.clock.today()
                return _result(
                    step,
                    [
                        f"日期 {step.on} 早于时钟 {today} (date {step.on} is before the clock, {today})"
                    ],
                )
            self.clock.advance_to(step.on)
        actor = self.s.actors[step.actor] if step.actor else Actor.system()
        actual: dict[str, Any] = {}
        outcome: Outcome | None = None
        error: XuejiError | None = None
        advanced: list[Request] | None = None
        try:
            if step.action == "advance_clock":
                to = step.args.get("to")
                advanced = self.reg.advance_clock(actor, to)
                actual["advanced"] = len(advanced)
            elif step.action != "check":
                outcome = self._command(step, actor)
        except _StepProblem as e:
            return _result(step, [str(e.args[0])])
        except XuejiError as e:
            error = e
            actual["error"] = e.code
            actual["message"] = f"{e.message_zh} ({e.message_en})"
        if outcome is not None:
            actual["allowed"] = outcome.allowed
            actual["refused"] = sorted(v.code for v in outcome.decision.violations)
            actual["warnings"] = sorted(v.code for v in outcome.decision.warnings)
            if outcome.allowed and step.name:
                if outcome.request is not None and step.action not in ("enroll", "transfer_in"):
                    self.requests[step.name] = outcome.request.id
                elif step.action == "transfer_in":
                    # its name names the request it opens and the student (found by the
                    # analysts' review: a return could not be approved in a file)
                    if outcome.request is not None:
                        self.requests[step.name] = outcome.request.id
                        self.students[step.name] = outcome.request.student
                elif outcome.student is not None:
                    self.students[step.name] = outcome.student.id
        try:
            result = self._judge(step, actual, outcome, error)
        except XuejiError as e:
            result = _result(
                step, [f"检查本身失败 (the check itself failed): [{e.code}] {e}"], actual
            )
        return attrs.evolve(result, shown=self._shown(step, outcome, error, advanced))

    def _shown(
        self,
        step: Step,
        outcome: Outcome | None,
        error: XuejiError | None,
        advanced: Sequence[Request] | None,
    ) -> dict[str, Any]:
        """What ``step`` did (:attr:`StepResult.shown`), identity numbers masked: its
        date, the decision's codes with their articles, the error, the requests the
        sweep advanced, the student and the request after it. Before, a step that
        passed showed nothing of it (found by the analysts' review)."""
        out: dict[str, Any] = {"on": self.clock.today().isoformat()}
        if outcome is not None:
            out["allowed"] = outcome.allowed
            for key, given in (
                ("refused", outcome.decision.violations),
                ("warnings", outcome.decision.warnings),
            ):
                out[key] = [{"code": v.code, "article": str(v.article)} for v in given]
        if error is not None:
            message = f"{error.message_zh} ({error.message_en})"
            out["error"] = {"code": error.code, "message": message}
        if advanced is not None:
            out["advanced"] = [self._request_shown(r) for r in advanced]
        try:
            student, request = self._subject(step, outcome)
        except (_StepProblem, XuejiError):  # (a name its step did not give: said above)
            student = request = None
        if student is not None:
            out["student"] = {
                "name": self._name_of(student.id),
                "status": student.status.value,
                "grade": student.grade,
                "class_id": student.class_id,
            }
        if request is not None:
            out["request"] = self._request_shown(request)
        return typing.cast(dict[str, Any], _masked_values(out))

    def _request_shown(self, request: Request) -> dict[str, Any]:
        """A request by the name the scenario gives it (its id where it gives none)."""
        names = [n for n, i in self.requests.items() if i == request.id]
        return {
            "name": "、".join(names) or request.id,
            "kind": request.kind.value,
            "state": request.state.value,
            "deadline": None if request.deadline is None else request.deadline.isoformat(),
        }

    def _command(self, step: Step, actor: Actor) -> Outcome:
        method = getattr(self.reg, step.action)
        kwargs: dict[str, Any] = {}
        if step.student is not None:
            kwargs["student_id"] = self.student_id(step.student)
        if step.request is not None:
            kwargs["request_id"] = self.request_id(step.request)
        for key, value in step.args.items():
            # converted when the file was read; a value that did not convert (a step
            # that expects an error) goes to the command as written, for it to refuse
            kwargs[key] = value
        try:
            result: Outcome = method(actor, **kwargs)
        except TypeError as e:
            raise _StepProblem(f"{step.action} 无法执行 ({step.action}: {e})") from None
        return result

    def _subject(
        self, step: Step, outcome: Outcome | None
    ) -> tuple[Student | None, Request | None]:
        student = outcome.student if outcome is not None else None
        request = outcome.request if outcome is not None else None
        with self.reg.store.unit_of_work() as uow:
            if step.student is not None:  # (a name its step did not give: _StepProblem)
                student = uow.students.get(self.student_id(step.student))
            elif student is not None:
                student = uow.students.get(student.id)
            elif request is not None:  # (a return's outcome names its record by request)
                student = uow.students.get(request.student)
            if step.request is not None:
                request = uow.requests.get(self.request_id(step.request))
            elif request is not None:
                request = uow.requests.get(request.id)
        return student, request

    def _judge(
        self,
        step: Step,
        actual: dict[str, Any],
        outcome: Outcome | None,
        error: XuejiError | None = None,
    ) -> StepResult:
        want = step.expect
        problems: list[str] = []
        if "error" in want:
            if actual.get("error") != want["error"]:
                problems.append(
                    f"expected error {want['error']}, got {_or_none(actual.get('error'))}"
                )
        elif error is not None:  # its message once, each language in its own half
            problems.append(
                f"意外的错误 {error.code}：{error.message_zh} "
                f"(unexpected error {error.code}: {error.message_en})"
            )
        if (
            outcome is not None
            and not outcome.allowed
            and not {"allowed", "refused", "error"} & set(want)
        ):  # a step that states no decision is expected to be carried out (found by the
            # analysts' review: a refused step without expectations passed)
            codes = ", ".join(sorted(v.code for v in outcome.decision.violations))
            problems.append(
                f"意外的拒绝 [{codes}]：这一步未写 allowed、refused 或 error，应被执行 "
                f"(unexpected refusal [{codes}]: the step states no allowed, refused or error,"
                " so it is expected to be carried out)"
            )
        if "refused" in want:
            expected = sorted(want["refused"] or [])
            if actual.get("refused") != expected or actual.get("allowed"):
                problems.append(
                    f"expected refused {expected}, got {_or_none(actual.get('refused'))}"
                )
        if "allowed" in want and actual.get("allowed") != want["allowed"]:
            problems.append(
                f"expected allowed: {_or_none(want['allowed'])}, "
                f"got {_or_none(actual.get('allowed'))}"
            )
        if "warnings" in want and actual.get("warnings") != sorted(want["warnings"] or []):
            problems.append(
                f"expected warnings {sorted(want['warnings'] or [])}, "
                f"got {_or_none(actual.get('warnings'))}"
            )
        if "cites" in want:
            problems += self._citations(want["cites"], outcome, actual)
        # the decision's explanation (every rule evaluated) goes with a failure only when
        # what failed is the decision: a field, the log or the sweep is not the rules'
        about_decision = bool(problems)
        if "advanced" in want and actual.get("advanced") != want["advanced"]:
            got = _or_none(actual.get("advanced"))
            problems.append(
                f"预期推进 {want['advanced']} 个申请，实际为 {'无' if got == _NONE else got} "
                f"(expected {want['advanced']} requests advanced, got {got})"
            )
        if "log_verifies" in want:
            ok = self.reg.verify_log(self.observer).ok
            actual["log_verifies"] = ok
            if ok != want["log_verifies"]:
                problems.append(
                    f"expected log_verifies: {_or_none(want['log_verifies'])}, got {_or_none(ok)}"
                )
        if "log_masked" in want:
            masked = self._log_masked()
            actual["log_masked"] = masked
            if masked != want["log_masked"]:
                problems.append(
                    f"expected log_masked: {_or_none(want['log_masked'])}, got {_or_none(masked)}"
                )
        if "detected" in want:
            report = self.reg.detect(self.observer)
            found = sorted({str(f.kind) for f in report.findings})
            actual["detected"] = found
            if found != sorted(want["detected"] or []):
                problems.append(f"expected detected {sorted(want['detected'] or [])}, got {found}")
        if "student" in want or "request" in want:
            try:
                student, request = self._subject(step, outcome)
            except _StepProblem as e:  # a name whose step was refused: said as a
                # command step says it (it was "expected a student, there is none")
                problems.append(str(e.args[0]))
            else:
                problems += self._fields("student", want.get("student"), student, actual)
                problems += self._fields("request", want.get("request"), request, actual)
        problems = [_in_chinese_too(p) for p in problems]
        decision = outcome.decision if outcome is not None and about_decision else None
        return _result(step, problems, actual, decision)

    @staticmethod
    def _citations(
        want: Mapping[str, str], outcome: Outcome | None, actual: dict[str, Any]
    ) -> list[str]:
        """``cites:``: each code's refusals and warnings cite the article as written
        (:func:`_cited_as`); what they cite goes into ``actual`` and, where it is not
        that, into the problem (an analyst sees which article came)."""
        given = (*outcome.decision.violations, *outcome.decision.warnings) if outcome else ()
        cited: dict[str, list[str]] = {}
        for v in given:
            if str(v.article) not in cited.setdefault(v.code, []):
                cited[v.code].append(str(v.article))
        actual["cites"] = cited
        problems = []
        for code, text in want.items():
            of_code = [v.article for v in given if v.code == code]
            if not of_code:
                zh, en = "、".join(sorted(cited)) or "无", ", ".join(sorted(cited)) or _NONE
                problems.append(
                    f"预期 {code} 引用 {text}，但这一步没有 {code}（其拒绝与提醒：{zh}） "
                    f"(expected {code} to cite {text}, but the step gave no {code}"
                    f" (its refusals and warnings: {en}))"
                )
                continue
            wrong = list(dict.fromkeys(a for a in of_code if not _cited_as(a, text)))
            if wrong:
                zh = "；".join(str(a) for a in wrong)
                en = "; ".join(f"{a} ({a.english})" for a in wrong)
                problems.append(
                    f"预期 {code} 引用 {text}，实际引用 {zh} "
                    f"(expected {code} to cite {text}, it cites {en})"
                )
        return problems

    def _name_of(self, student_id: str) -> str:
        """The name the scenario gives a student (its id where it gave none)."""
        names = [n for n, i in self.students.items() if i == student_id]
        return "、".join(names) if names else f"{student_id}（未命名 unnamed）"

    def _log_masked(self) -> bool:
        """No change-log entry holds a whole identity number (Art 30), in any of its
        text fields: the actor's name, the basis and the subject as well as the values
        before and after (only these were read, found by the scenarios' review)."""
        with self.reg.store.unit_of_work() as uow:
            entries = uow.log.entries()
        for e in entries:
            for value in _entry_texts(e):
                for i in range(len(value) - 17):
                    if ids.is_valid(value[i : i + 18]):
                        return False
        return True

    def _fields(
        self, kind: str, want: Mapping[str, Any] | None, value: Any, actual: dict[str, Any]
    ) -> list[str]:
        if not want:
            return []
        if value is None:
            zh = "学生" if kind == "student" else "申请"
            return [f"预期有{zh}，但这一步没有 (expected a {kind}, there is none)"]
        got: dict[str, Any] = {}
        problems = []
        for key, expected in want.items():
            if key == "registry_number_prefix":
                found: Any = (value.registry_number or "")[: len(str(expected))]
                if found != str(expected):  # shown with the birth date masked (Art 30)
                    problem = (
                        f"expected {kind}.{key} = {_masked_prefix(str(expected))}, "
                        f"got {_masked_prefix(found)}"
                    )
                    if _masked_prefix(str(expected)) == _masked_prefix(found):
                        problem += _MASKED_EN  # (it showed two equal values, unexplained)
                    problems.append(problem)
                got[key] = _masked_prefix(found)
                continue
            elif key == "same_as":  # shown by the names the file gives them
                same = self.students.get(str(expected)) == value.id
                found = expected if same else self._name_of(value.id)
            elif key == "warnings":
                found = sorted(value.warnings)
                expected = sorted(expected or [])
            else:
                found = getattr(value, key)
            text = found.isoformat() if isinstance(found, _dt.date) else found
            text = text.value if hasattr(text, "value") else text
            got[key] = text
            if str(text) != str(expected) and text != expected:
                problem = f"expected {kind}.{key} = {_or_none(expected)}, got {_or_none(text)}"
                if mask_ids(str(expected)) == mask_ids(str(text)):  # reported masked
                    problem += _MASKED_EN
                problems.append(problem)
        actual[kind] = got
        return problems


_NONE = "none"
"""A value that is not there (no decision, no field value), as a problem shows it:
not Python's ``None``; ``无`` in the Chinese half."""


_MASKED_EN, _MASKED_ZH = " (they differ in masked characters)", "（二者只在遮蔽的字符上不同）"
"""Said after two values that differ only where identity numbers are masked (Art 30)."""


def _or_none(value: object) -> object:
    """``value`` for a problem's text: :data:`_NONE` for a value that is not there, a
    boolean as the file writes it (``true``/``false``, not Python's ``True``)."""
    if isinstance(value, bool):
        return _shown(value)
    return _NONE if value is None else value


_HASHES = frozenset({"hash", "prev_hash", "prev_subject_hash"})
"""The fields of a change-log entry that are hashes, not text."""


def _entry_texts(entry: ChangeEntry) -> Iterator[str]:
    """Every text a change-log entry holds: each field but its hashes, and each key
    and value of its ``before`` and ``after``."""
    for field in attrs.fields(ChangeEntry):
        if field.name in _HASHES:
            continue
        value = getattr(entry, field.name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, Mapping):
            for k, v in value.items():
                yield str(k)
                yield str(v)


def _in_chinese_too(problem: str) -> str:
    """A step's problem said in Chinese with the English beside it (found by the
    privacy review: "expected X, got Y" was English only); problems written in both
    already are left as they are. A value not there is 无 (none)."""
    if problem.startswith("expected ") and ", got " in problem:
        want, got = problem[len("expected ") :].rsplit(", got ", 1)
        if want.endswith(f" {_NONE}"):
            want = want[: -len(_NONE)] + "无"
        note = ""
        if got.endswith(_MASKED_EN):  # the note in each language (it was English only)
            got, note = got[: -len(_MASKED_EN)], _MASKED_ZH
        return f"预期 {want}，实际为 {'无' if got == _NONE else got}{note} ({problem})"
    return problem


def _masked_prefix(text: str) -> str:
    """The start of a registry number as a report shows it: the characters a masked
    full number hides (the birth date: 8th to 15th) hidden here too; a prefix of 17
    digits would otherwise give the number away (found by the privacy review)."""
    return text[:7] + "".join("*" if 7 <= i < 15 else c for i, c in enumerate(text) if i >= 7)


def _unnamed(kind: str, zh: str, name: str) -> str:
    """A name given with ``as`` on a step that did not give what it names."""
    return (
        f"没有名为 {name} 的{zh}：命名它的步骤没有成功 "
        f"(no {kind} named {name!r}: the step that names it with 'as' did not give one)"
    )


def _result(
    step: Step,
    problems: Sequence[str],
    actual: Mapping[str, Any] | None = None,
    decision: Decision | None = None,
) -> StepResult:
    """A step's result, identity numbers masked in what it reports (Art 30): the
    problems quote expected and actual values (a registry number is G + the ID), and
    ``actual`` holds them. The comparisons were made on the values themselves."""
    return StepResult(
        step,
        not problems,
        tuple(mask_ids(p) for p in problems),
        _masked_values(dict(actual or {})),
        _explain(decision),
    )


def _masked_values(value: Any) -> Any:
    """``value`` with ID-like text masked in every string, through dicts and lists."""
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, Mapping):
        return {k: _masked_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_values(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_masked_values(v) for v in value)
    return value


def _explain(decision: Decision | None) -> str:
    if decision is None:
        return ""
    explain = getattr(decision, "explain", None)
    if callable(explain):
        return str(explain())
    lines = []
    for v in (*decision.violations, *decision.warnings):
        lines.append(f"{v.code} [{v.article}]: {v.message_zh} / {v.message_en}")
    return "\n".join(lines) or "允许 (allowed)"


def run(scenario: Scenario, store: Store | None = None) -> ScenarioResult:
    """Run every step of ``scenario`` on a fresh registry (an in-memory store unless
    ``store`` is given, which must be empty). A failing step does not stop the run:
    every expectation is reported. Facts that cannot be set up (a refused class, an
    existing student the rules refuse) raise :class:`ScenarioError`."""
    try:
        r = _Run(scenario, store)
    except ScenarioError:
        raise
    except (XuejiError, TypeError) as e:
        raise ScenarioError(
            scenario.path,
            f"事实无法建立：{getattr(e, 'message_zh', e)}",
            f"the facts cannot be set up: {getattr(e, 'message_en', e)}",
        ) from None
    return ScenarioResult(scenario, tuple(r.step(s) for s in scenario.steps))


def run_paths(paths: Iterable[str | Path]) -> Iterator[ScenarioResult | ScenarioError]:
    """Load and run every scenario under ``paths``; a malformed file yields its error."""
    for p in collect(paths):
        try:
            yield run(load(p))
        except ScenarioError as e:
            yield e
