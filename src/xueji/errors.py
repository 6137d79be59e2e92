"""The library's errors: one base class, specific subclasses with a stable ``code``.

Every error carries its message in Simplified Chinese with the English beside it,
and never the full text of an identity number (see :func:`xueji.ids.mask`).
Rule *outcomes* are not errors: a refused command is a
:class:`~xueji.decision.Decision` carrying :class:`~xueji.decision.Violation` values.
Errors are for input that cannot be understood at all and for states the
library cannot work in (an uncovered calendar year, an exhausted number space).

>>> try:
...     raise InvalidResidentId("id.checksum", "校验码错误", "wrong check character")
... except XuejiError as e:
...     print(e.code, "|", e)
id.checksum | 校验码错误 (wrong check character)
"""

from __future__ import annotations

from xueji.masking import mask_ids

__all__ = [
    "ERROR_CODES",
    "AccessDenied",
    "BrokenLog",
    "CalendarNotCovered",
    "CannotComplete",
    "ClockBackwards",
    "ConcurrencyConflict",
    "CorruptRecord",
    "DuplicateKey",
    "InvalidPolicy",
    "InvalidRegistryNumber",
    "InvalidResidentId",
    "InvalidSchedule",
    "MissingExtra",
    "NotADate",
    "NotFound",
    "NumberSpaceExhausted",
    "PolicyNotInForce",
    "ReadOnlyRecord",
    "Refused",
    "StaleVersion",
    "StorageError",
    "StoreBusy",
    "TransitionRefused",
    "XuejiError",
]


ERROR_CODES: frozenset[str] = frozenset(
    {
        # who may act (Arts 7, 28) and what cannot be found
        "access.denied",
        "not_found.city",
        "not_found.class",
        "not_found.request",
        "not_found.school",
        "not_found.student",
        "not_found.unit",
        # a command's input, a transition, a refused command
        "account.bad_input",
        "command.bad_input",
        "command.refused",
        "idempotency.mismatch",
        "request.cannot_complete",
        "school.region_retired",
        "transition.refused",
        "record.read_only",
        # identity and registry numbers (GB 11643, Art 12)
        "id.birth_date",
        "id.checksum",
        "id.format",
        "id.length",
        "id.region",
        "id.today",
        "number.area",
        "number.birth_date",
        "number.checksum",
        "number.exhausted",
        "number.format",
        "number.format_spec",
        "number.g_id",
        "number.length",
        "number.no_identifier",
        "number.prefix",
        "number.relink",
        "number.today",
        "regions.no_data",
        # working days and the clock (Art 24)
        "calendar.bad_input",
        "calendar.bad_schedule",
        "calendar.not_covered",
        "clock.backwards",
        # policy profiles (Art 33)
        "policy.ambiguous",
        "policy.invalid",
        "policy.not_in_force",
        # the change log and the store (Arts 19, 31)
        "audit.broken",
        "storage.bad_url",
        "storage.busy",
        "storage.conflict",
        "storage.corrupt",
        "storage.duplicate",
        "storage.encoding",
        "storage.failed",
        "storage.missing",
        "storage.schema_locked",
        "storage.schema_too_new",
        "storage.schema_too_old",
        "storage.unavailable",
        # spreadsheets (imports and reports) and the command line
        "excel.bad_date",
        "excel.bad_flag",
        "excel.bad_grade",
        "excel.bad_group",
        "excel.bad_level",
        "excel.bad_region",
        "excel.bad_result",
        "excel.bad_sex",
        "excel.bad_stage",
        "excel.cell_error",
        "excel.code_taken",
        "excel.date_out_of_range",
        "excel.duplicate_column",
        "excel.duplicate_row",
        "excel.empty",
        "excel.formula_no_value",
        "excel.header_not_first",
        "excel.id_apostrophe",
        "excel.id_as_number",
        "excel.id_maybe_rounded",
        "excel.key_mismatch",
        "excel.merged_cell",
        "excel.missing",
        "excel.missing_column",
        "excel.missing_value",
        "excel.no_header",
        "excel.no_sheet",
        "excel.not_found",
        "excel.record_differs",
        "excel.unknown_column",
        "excel.unknown_student",
        "excel.unreadable",
        "cli.bad_checkpoint",
        "cli.bad_facts",
        "cli.bad_input",
        "cli.db_exists",
        "cli.not_a_school",
        "cli.nothing",
        "cli.output_path",
        "cli.profile_mismatch",
        "cli.school",
        "cli.term",
        "cli.today_backwards",
        "cli.today_future",
        "cli.unknown_policy",
        "cli.usage",
        "scenario.malformed",
        "scenario.none",
        "xueji.error",
    }
)
"""Every ``code`` an error of the library carries (an import's problems share the
``excel.`` ones). A scenario's ``error:`` is checked against it when the file is read,
and docs/reference.md lists it; a test holds it to the codes the source writes."""


class XuejiError(Exception):
    """Base class of every error xueji raises on purpose.

    ``code`` is stable across releases (programs may branch on it);
    ``message_zh`` and ``message_en`` are for people and may be reworded.
    """

    code: str = "xueji.error"

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        # a caller's value quoted in a message (a key, a code, a cell of an import)
        # may be an identity number typed in the wrong place: masked here, once for
        # every error (Art 30)
        message_zh, message_en = mask_ids(message_zh), mask_ids(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} ({message_en})")

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle by state, whatever the subclass's ``__init__`` takes: an error crosses
        a process boundary whole (``multiprocessing``, a ``ProcessPoolExecutor``, a task
        queue). ``Exception`` pickles only its ``args``, which ``__init__`` is then
        called with: a ``ConcurrencyConflict`` raised in a worker failed to unpickle.

        >>> import pickle
        >>> e = pickle.loads(pickle.dumps(StaleVersion("storage.conflict", "已修改", "changed")))
        >>> type(e).__name__, e.code, str(e)
        ('StaleVersion', 'storage.conflict', '已修改 (changed)')
        """
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(
    kind: type[XuejiError], args: tuple[object, ...], state: dict[str, object]
) -> XuejiError:
    """An error of ``kind`` from its pickled ``args`` and attributes (``__reduce__``)."""
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InvalidResidentId(XuejiError, ValueError):
    """A resident identity number (GB 11643) that fails a check.

    ``code`` names the part that failed: ``id.length``, ``id.format``,
    ``id.checksum``, ``id.birth_date`` or ``id.region``; ``id.today`` is a
    ``today=`` given to :mod:`xueji.ids` that is not a date.
    """


class InvalidRegistryNumber(XuejiError, ValueError):
    """A registry number (学籍号) or regional student number that fails a check."""


class NumberSpaceExhausted(XuejiError, RuntimeError):
    """An allocator ran out of sequence numbers for a key (for example 999 J numbers
    for one area and birth date)."""


class CalendarNotCovered(XuejiError, LookupError):
    """A date falls in a year whose State Council holiday schedule is not known.

    ``year`` is the first uncovered year the computation needed: for a date after the
    covered years, the year after the last one covered (a date in 2028 with 2026 the
    last: 2027, which must be loaded first, as the years are contiguous); for a date
    before them, the year before the first. Load the year's
    schedule with :meth:`xueji.workdays.WorkdayCalendar.with_year` or
    :meth:`~xueji.workdays.WorkdayCalendar.load`; xueji never falls back to
    Monday-to-Friday.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            "calendar.not_covered",
            f"{year}年的国务院节假日安排未载入，无法计算工作日"
            "（命令行用 --holidays 文件，场景用 holidays: 文件载入）",
            f"the State Council holiday schedule for {year} is not loaded; "
            "working days cannot be computed (load it from a file: --holidays on the "
            "command line, holidays: in a scenario)",
        )


class InvalidSchedule(XuejiError, ValueError):
    """A holiday schedule (from code or a data file) that is malformed or cannot be
    read: code ``calendar.bad_schedule``. Also an argument of
    :mod:`xueji.workdays` that no count of working days can use (``n`` not a whole
    number, a deadline of fewer than one working day): code ``calendar.bad_input``."""


class NotADate(InvalidSchedule, TypeError):
    """A date argument of :mod:`xueji.workdays` that is not a ``date`` or ``datetime``
    (text such as ``"2026-09-25"``, a number): code ``calendar.bad_input``. Also a
    :class:`TypeError`, as it was before it had a Chinese message.

    >>> e = NotADate("2026-09-25")
    >>> e.code, isinstance(e, TypeError), e.message_en
    ('calendar.bad_input', True, "expected a date or datetime, not str: '2026-09-25' (convert text with date.fromisoformat first)")
    """

    def __init__(self, value: object) -> None:
        kind = type(value).__name__
        zh, en = (
            f"应为日期（date 或 datetime），而不是 {kind}",
            f"expected a date or datetime, not {kind}",
        )
        if isinstance(value, str):  # the usual slip: an ISO date as text
            zh += f"：{value!r}（文本请先用 date.fromisoformat 转换）"
            en += f": {value!r} (convert text with date.fromisoformat first)"
        super().__init__("calendar.bad_input", zh, en)


class ClockBackwards(XuejiError, ValueError):
    """A :class:`~xueji.clock.ManualClock` told to go back (time does not run back):
    code ``clock.backwards``; the clock is left where it was. Also a
    :class:`ValueError`, as it was before it had a Chinese message."""

    def __init__(self, today: object, day: object) -> None:
        super().__init__(
            "clock.backwards",
            f"时钟不能倒退：从 {today} 退回 {day}",
            f"the clock does not run back from {today} to {day}",
        )


class TransitionRefused(XuejiError, ValueError):
    """An event that a transition table does not accept in the current state."""

    def __init__(self, table: str, table_zh: str, state: str, state_zh: str, event: str) -> None:
        self.table = table
        self.state = state
        self.event = event
        super().__init__(
            "transition.refused",
            f"{table_zh}“{state_zh}”不接受事件“{event}”",
            f"a {table} in state {state!r} does not accept event {event!r}",
        )


class CannotComplete(TransitionRefused):
    """A request's last approval that its student's record no longer allows: another
    change took effect first (a student suspended, dropped out or graduated while a
    transfer was open). Raised before anything is written; the deadline sweep leaves
    such a request open for a person to reject or withdraw, instead of stopping."""

    def __init__(self, request: str, kind: str, state: str, state_zh: str, event: str) -> None:
        self.table, self.state, self.event, self.request = "student", state, event, request
        XuejiError.__init__(
            self,
            "request.cannot_complete",
            f"申请 {request}（{kind}）无法完成：学籍状态“{state_zh}”不接受“{event}”，"
            "请驳回或撤回该申请",
            f"request {request} ({kind}) cannot complete: a student in state {state!r} "
            f"does not accept {event!r}; reject or withdraw the request",
        )


KIND_ZH = {
    "unit": "单位",
    "school": "学校",
    "class": "班级",
    "student": "学生",
    "request": "申请",
    "meta": "元数据",
    "change log": "变动日志",
    "change log entry": "变动日志条目",
    "sequence": "编号序列",
    "transaction": "事务",
}
"""The Chinese of the kinds of record a store's errors name (``kind`` stays English:
programs read it); a kind not listed is shown as given."""


def kind_zh(kind: str) -> str:
    """The Chinese name of a record's ``kind`` for a message's Chinese half.

    >>> kind_zh("student"), kind_zh("change log entry"), kind_zh("other")
    ('学生', '变动日志条目', 'other')
    """
    return KIND_ZH.get(kind, kind)


class ConcurrencyConflict(XuejiError, RuntimeError):
    """A record changed under a command (optimistic concurrency): nothing was written."""

    @classmethod
    def version(cls, kind: str, key: str, want: int, found: int) -> ConcurrencyConflict:
        """Record ``key`` of ``kind`` is at version ``found``, not the ``want`` read."""
        return cls(
            "storage.conflict",
            f"{kind_zh(kind)} {key} 已被修改（版本 {found}，期望 {want}）",
            f"{kind} {key} was changed (version {found}, expected {want})",
        )


class StaleVersion(ConcurrencyConflict):
    """The command was taken on a version of the record (``expected_version=``) that is
    no longer the stored one: the caller decided on a stale view, so running the
    command again cannot help; it must read the record again. Same ``code`` as
    :class:`ConcurrencyConflict` (``storage.conflict``); the :class:`Registry
    <xueji.registry.Registry>` retries other conflicts, never this one."""


class StoreBusy(ConcurrencyConflict):
    """Another connection held the database for longer than this one would wait for it
    (SQLite's busy timeout, a server's lock wait timeout): code ``storage.busy``.
    Nothing was written. The :class:`Registry <xueji.registry.Registry>` does not run
    the command again, since it has waited already (eight more waits of 30 s each
    made a command on a locked SQLite file fail after four and a half minutes);
    a host may, later."""


class StorageError(XuejiError, RuntimeError):
    """The database failed under a command: code ``storage.unavailable`` (a connection
    lost, a server gone, a read-only file) or ``storage.failed`` (a damaged file, a
    schema changed by hand). Nothing was written: the unit of work was rolled back.

    The message gives the driver's first line, identity numbers masked; the driver's
    error is not chained for printing (a driver may quote a row's values in it), but
    is there as ``__context__`` for a debugger."""


class AccessDenied(XuejiError, PermissionError):
    """An actor that may not take an action here (Art 28). Nothing was changed."""

    def __init__(self, kind: str, unit: str, action: str, rule: str, zh: str, en: str) -> None:
        self.actor_kind = kind
        self.actor_unit = unit
        self.action = action
        self.rule = rule
        self.reason_zh, self.reason_en = zh, en  # why, without the action's name
        super().__init__(
            "access.denied",
            f"{kind}:{unit} 无权执行 {action}：{zh}（{rule}）",
            f"{kind}:{unit} may not {action}: {en} ({rule})",
        )


class NotFound(XuejiError, LookupError):
    """A unit, school, class, student or request that does not exist."""


class Refused(XuejiError, PermissionError):
    """A command refused by a rule; ``decision`` holds the article-cited violations.

    Raised by callers that prefer exceptions (:meth:`xueji.registry.Outcome.unwrap`).
    """

    def __init__(self, decision: object, zh: str, en: str) -> None:
        self.decision = decision
        super().__init__("command.refused", zh, en)


class DuplicateKey(XuejiError, ValueError):
    """A record added under a key the store holds already (a unit's, school's or
    class's code, a student's or request's id): code ``storage.duplicate``, with the
    ``kind`` of record and its ``key``. Nothing of the unit of work was written. Not
    a :class:`ConcurrencyConflict`: running the command again would meet the same
    record, so the :class:`~xueji.registry.Registry` does not retry it. A host's own
    store raises it too (the contract suite checks).

    >>> e = DuplicateKey("school", "A")
    >>> e.code, e.kind, e.key, e.message_en
    ('storage.duplicate', 'school', 'A', 'school A already exists')

    Units and schools share one code space (an actor, a request's history and the
    change log name either by its code alone): a school added under a unit's code,
    or a unit under a school's, is refused so too, ``kind`` naming the record that
    holds the code and ``adding`` the one refused.

    >>> DuplicateKey("unit", "340104", adding="school").message_en
    'unit 340104 already exists: a school cannot take its code (units and schools share one code space)'
    """

    def __init__(self, kind: str, key: str, *, adding: str | None = None) -> None:
        self.kind = kind
        self.key = key
        self.adding = adding
        zh, en = f"{kind_zh(kind)} {key} 已存在", f"{kind} {key} already exists"
        if adding is not None and adding != kind:
            zh += f"：{kind_zh(adding)}不能使用其代码（单位与学校共用一套代码）"
            en += f": a {adding} cannot take its code (units and schools share one code space)"
        super().__init__("storage.duplicate", zh, en)


class ReadOnlyRecord(XuejiError, TypeError):
    """A change tried in place on a record's mapping (a student's ``info``, an
    information entry's ``data``, a request's ``payload``, a log entry's ``before`` or
    ``after``): code ``record.read_only``, with the ``operation`` tried. A record read
    from a store is a value, not the stored row: a new value is made with
    ``attrs.evolve`` (or ``{**mapping, key: value}``) and written through the facade,
    which versions and logs it.

    >>> ReadOnlyRecord("__setitem__").code
    'record.read_only'
    """

    def __init__(self, operation: str) -> None:
        self.operation = operation
        super().__init__(
            "record.read_only",
            f"记录的值不可就地修改（{operation}）：请生成新值并通过登记簿写入",
            f"a record's value cannot be changed in place ({operation}): make a new "
            "value and write it through the registry",
        )


class MissingExtra(XuejiError, ImportError):
    """A feature whose optional dependencies are not installed: code
    ``storage.missing`` (SQLAlchemy, the ``sql`` extra) or ``excel.missing`` (openpyxl,
    the ``excel`` extra). The message names the extra that brings them and how to
    install it from a checkout (``pip install -e '.[sql]'``: xueji is on no package
    index yet). Also an :class:`ImportError`, so that a host's
    ``except ImportError`` around an optional import still catches it.

    >>> issubclass(MissingExtra, ImportError)
    True
    """


class InvalidPolicy(XuejiError, ValueError):
    """A policy profile or policy data file that is malformed or inconsistent."""


class PolicyNotInForce(XuejiError, LookupError):
    """No policy profile is in force on the date a decision is taken (Art 33)."""


class BrokenLog(XuejiError, RuntimeError):
    """The change log does not verify, so no checkpoint can be taken of it: code
    ``audit.broken``. A checkpoint certifies the log's head to a higher authority
    (Art 31); one taken over a broken chain would certify the tampering as history.
    ``seq`` and ``problem`` are the first bad entry's, as
    :func:`xueji.audit.verify` names them, and so is the rest of the message.

    >>> e = BrokenLog(89, "broken_link", "第 89 条变更记录与前一条不衔接", "entry 89 ...")
    >>> e.code, e.seq, e.message_en
    ('audit.broken', 89, 'the change log does not verify, so no checkpoint can be taken: entry 89 ...')
    """

    def __init__(self, seq: int, problem: str, detail_zh: str, detail_en: str) -> None:
        self.seq = seq
        self.problem = problem
        super().__init__(
            "audit.broken",
            f"变更记录未通过校验，不能出具检查点：{detail_zh}",
            f"the change log does not verify, so no checkpoint can be taken: {detail_en}",
        )


class CorruptRecord(XuejiError, ValueError):
    """A stored row that does not read back as a valid record (edited by hand, say),
    reported with its ``table`` and ``key`` instead of crashing the command.

    ``detail`` says what is wrong in English; ``detail_zh``, when given, in Chinese
    (else the English is used in both). The SQL store names the fields at fault
    (``$.grade: not a valid int``), never their values. Also importable from
    :mod:`xueji.storage.sql`, where it was first defined."""

    def __init__(self, table: str, key: str, detail: str, detail_zh: str | None = None) -> None:
        self.table = table
        self.key = key
        self.detail = detail
        self.detail_zh = detail if detail_zh is None else detail_zh
        super().__init__(
            "storage.corrupt",
            f"{table} 中的记录 {key} 无法读取：{detail if detail_zh is None else detail_zh}",
            f"record {key} in {table} cannot be read: {detail}",
        )
