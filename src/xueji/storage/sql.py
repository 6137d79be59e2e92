"""The SQL store: the storage protocols on SQLAlchemy Core (no ORM).

One adapter for SQLite (the embedded default: a file path is all a user gives; WAL
mode), PostgreSQL (psycopg 3; the same portable SQL serves PostgreSQL-compatible
distributed engines) and MariaDB/MySQL (PyMySQL; MySQL-compatible engines). Each
record is stored as a JSON document (cattrs) beside the columns it is looked up by.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "registry.sqlite3")
>>> store = SqlStore.sqlite(path)
>>> store.schema_version() == SCHEMA_VERSION
True
>>> from xueji.model import Unit, UnitLevel
>>> with store.unit_of_work() as uow:
...     uow.units.add(Unit("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000"))
>>> with store.unit_of_work() as uow:
...     uow.units.get("34").name
'安徽省教育厅'

Concurrency: every student and request row has a version; an update that finds
another version raises :class:`~xueji.errors.ConcurrencyConflict` and the unit of work
rolls back. The change log's sequence number is its primary key, so two units of work
that append the same next entry cannot both commit.

Schema: created and upgraded by :meth:`SqlStore.migrate` (ordered migrations recorded
in ``xueji_schema``); a database written by a newer version is refused, never misread.
Distributed deployments would shard by supervising unit (the ``students.school`` and
``requests`` rows of one county together); every query here filters by key or index.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import enum
import functools
import hashlib
import json
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError
from cattrs.fns import identity

from xueji.errors import (
    ConcurrencyConflict,
    CorruptRecord,
    DuplicateKey,
    MissingExtra,
    StorageError,
    StoreBusy,
    XuejiError,
    kind_zh,
)

try:
    import sqlalchemy as sa
    from sqlalchemy.dialects import mysql, postgresql, sqlite
    from sqlalchemy.engine import Connection, Engine
except ImportError:  # pragma: no cover - the dev environment has the extra
    raise MissingExtra(
        "storage.missing",
        "SQL 存储需要 SQLAlchemy（sql 扩展）：在 xueji 源码目录中 pip install -e '.[sql]'",
        "the SQL store needs SQLAlchemy, the sql extra: pip install -e '.[sql]' "
        "in a checkout of xueji",
    ) from None

from xueji.lifecycle.tables import SEATED, RequestKind, RequestState, StudentStatus
from xueji.masking import mask_ids
from xueji.model import (
    GRADE_STAGES,
    ChangeEntry,
    Request,
    School,
    SchoolClass,
    Student,
    Unit,
    converter,
)
from xueji.numbers import check_counts
from xueji.policy.values import Stage

__all__ = ["SCHEMA_VERSION", "CorruptRecord", "SchemaTooNew", "SchemaTooOld", "SqlStore"]

T = TypeVar("T")

SCHEMA_VERSION = 10

SQLITE_CACHE_KIB = 65_536
"""The page cache of each SQLite connection, in KiB (``PRAGMA cache_size``)."""

_DOC = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
_KEY = sa.String(64)

metadata = sa.MetaData()
units_t = sa.Table(
    "xueji_units",
    metadata,
    sa.Column("code", _KEY, primary_key=True),
    sa.Column("doc", _DOC, nullable=False),
)
schools_t = sa.Table(
    "xueji_schools",
    metadata,
    sa.Column("code", _KEY, primary_key=True),
    sa.Column("doc", _DOC, nullable=False),
)
codes_t = sa.Table(
    "xueji_codes",
    metadata,
    sa.Column("code", _KEY, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "unit" or "school"
)
"""Schema 9: every unit's and school's code, once: units and schools share one code
space, and the primary key holds it against two transactions adding a unit and a
school under one new code at once (each checks the other's table first, and on a
server neither sees the other's uncommitted row)."""
classes_t = sa.Table(
    "xueji_classes",
    metadata,
    sa.Column("id", _KEY, primary_key=True),
    sa.Column("school", _KEY, nullable=False, index=True),
    sa.Column("grade", sa.Integer, nullable=False),
    sa.Column("doc", _DOC, nullable=False),
)
students_t = sa.Table(
    "xueji_students",
    metadata,
    sa.Column("id", _KEY, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("school", _KEY, nullable=False, index=True),
    sa.Column("class_id", _KEY, nullable=False),
    sa.Column("seat", sa.Boolean, nullable=False),  # holds a place in its class
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("grade", sa.Integer, nullable=False),
    sa.Column("id_number", sa.String(18), nullable=True, index=True),
    sa.Column("guardian_id", sa.String(18), nullable=True, index=True),
    sa.Column("migrant", sa.Boolean, nullable=False),  # schema 10: 随迁子女
    sa.Column("special_needs", sa.Boolean, nullable=False),  # schema 10: 残疾学生
    sa.Column("doc", _DOC, nullable=False),
    sa.Index("ix_xueji_students_class", "class_id", "grade", "seat"),  # schema 7
)
numbers_t = sa.Table(
    "xueji_student_numbers",
    metadata,
    sa.Column("number", sa.String(19), primary_key=True),
    sa.Column("student", _KEY, primary_key=True),
    sa.Index("ix_xueji_student_numbers_student", "student"),  # schema 2
)
requests_t = sa.Table(
    "xueji_requests",
    metadata,
    sa.Column("id", _KEY, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("student", _KEY, nullable=False, index=True),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("deadline", sa.Date, nullable=True),
    sa.Column("kind", sa.String(32), nullable=False),  # schema 6
    sa.Column("state", sa.String(32), nullable=False),  # schema 6
    sa.Column("doc", _DOC, nullable=False),
    sa.Index("ix_xueji_requests_due", "is_open", "deadline"),
    sa.Index("ix_xueji_requests_open", "is_open", "id"),  # schema 4
    sa.Index("ix_xueji_requests_kind", "kind", "state", "id"),  # schema 6
)
log_t = sa.Table(
    "xueji_change_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("subject", sa.String(128), nullable=False),
    sa.Column("doc", _DOC, nullable=False),
    sa.Index("ix_xueji_log_subject", "subject", "seq"),
)
meta_t = sa.Table(
    "xueji_meta",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
seq_t = sa.Table(
    "xueji_sequences",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)
schema_t = sa.Table(
    "xueji_schema",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_on", sa.String(32), nullable=False),
)

_PROBLEMS_SHOWN = 3  # fields named in a CorruptRecord message; the rest are counted


def _field_problem(error: BaseException, kind: Any) -> str:
    """cattrs' ``format_exception``, without the value: an identity number stored in
    the wrong field must not reach a message (Art 30)."""
    if isinstance(error, KeyError):
        return "missing"
    return f"expected {getattr(kind, '__name__', '')}".rstrip()


def _problems(error: Exception) -> tuple[str, str]:
    """What is wrong with a stored JSON object that is not a valid record, in English
    and Chinese: the fields at fault, by their path.

    >>> try:
    ...     converter.structure({"code": "34", "name": "x"}, Unit)
    ... except Exception as e:
    ...     print(_problems(e)[0])
    $.level: required field missing; $.region: required field missing
    """
    if not isinstance(error, cattrs.BaseValidationError):
        name = type(error).__name__  # its text might quote a value
        return f"not a valid record ({name})", f"不是有效的记录（{name}）"
    found = [p.rsplit(" @ ", 1) for p in cattrs.transform_error(error, "$", _field_problem)]
    en, zh = [], []
    for what, path in found[:_PROBLEMS_SHOWN]:
        if what == "missing":
            en.append(f"{path}: required field missing")
            zh.append(f"{path}：缺少必填字段")
        elif what.startswith("expected "):
            en.append(f"{path}: not a valid {what[9:]}")
            zh.append(f"{path}：不是有效的 {what[9:]}")
        else:
            en.append(f"{path}: invalid value")
            zh.append(f"{path}：值无效")
    if len(found) > _PROBLEMS_SHOWN:
        en.append(f"and {len(found) - _PROBLEMS_SHOWN} more")
        zh.append(f"另有 {len(found) - _PROBLEMS_SHOWN} 处")
    return "; ".join(en), "；".join(zh)


class SchemaTooNew(XuejiError, RuntimeError):
    """The database was written by a newer version of xueji: code
    ``storage.schema_too_new``. Refused on opening, whether the store migrates or not:
    it would be misread (fields this version does not know dropped when it rewrites a
    record)."""


class SchemaTooOld(XuejiError, RuntimeError):
    """A store opened with ``migrate=False`` on a database of an older schema (or, in
    a unit of work, on one with no schema yet): code ``storage.schema_too_old``. It
    would be misread (a table or column this version reads is missing: its first
    command failed with ``storage.failed``), so it is refused on opening, and left as
    it was; :meth:`SqlStore.migrate`, :meth:`SqlStore.open` or ``xueji init`` upgrades
    it."""


def _too_new(current: int) -> SchemaTooNew:
    return SchemaTooNew(
        "storage.schema_too_new",
        f"数据库结构版本 {current} 高于本程序支持的 {SCHEMA_VERSION}",
        f"the database schema is at version {current}; this xueji reads up to {SCHEMA_VERSION}",
    )


def _schema_refused(current: int) -> SchemaTooNew | SchemaTooOld | None:
    """The error for a database at schema ``current`` that this version cannot read
    without upgrading it (0: no schema at all), or None at :data:`SCHEMA_VERSION`."""
    if current > SCHEMA_VERSION:
        return _too_new(current)
    if current < SCHEMA_VERSION:
        return SchemaTooOld(
            "storage.schema_too_old",
            f"数据库结构版本 {current} 低于本程序所需的 {SCHEMA_VERSION}：请先升级"
            "（SqlStore.migrate()、SqlStore.open(url) 或 xueji init --store）",
            f"the database schema is at version {current}; this xueji needs "
            f"{SCHEMA_VERSION}: upgrade it first (SqlStore.migrate(), SqlStore.open(url) "
            "or xueji init --store)",
        )
    return None


def _json_dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _native_converter() -> cattrs.Converter:
    """The model converter, but leaving dates and enumerations as they are: orjson
    writes them itself (``2026-09-01``, the member's value), the same text the JSON
    converter's hooks make, without a Python call per field (``tests/test_documents.py``
    checks the two agree)."""
    conv = converter.copy()
    conv.register_unstructure_hook(_dt.date, identity)  # datetime keeps its own hook
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), identity
    )
    # optional text and tuples of text as they are too: a field whose hook is the
    # identity is read inline by the generated function, not through a call (a
    # student's document has five such fields, written once per imported row)
    conv.register_unstructure_hook_func(lambda t: any(t == p for p in _PLAIN), identity)
    return conv


_PLAIN: tuple[Any, ...] = (str | None, tuple[str, ...])
"""Field types the native converter leaves as they are (:func:`_native_converter`)."""


try:  # orjson (in the sql extras) encodes a record's document several times faster
    import orjson

    def _encode(data: Any) -> str:
        try:  # most documents' keys are all text: orjson's fast path
            return orjson.dumps(data).decode()
        except TypeError as e:
            if "Dict key" not in str(e):
                raise
        # a key that is not exactly a str (an information group's, a StrEnum member):
        # the option that takes any key costs a third more on every document
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()

    _decode: Callable[[str], Any] = orjson.loads
    _unstructure: Callable[[Any], Any] = _native_converter().unstructure
except ImportError:  # pragma: no cover - the standard library does the same, slower
    _encode = _json_dumps
    _decode = json.loads
    _unstructure = converter.unstructure


def _dump(value: Any) -> str:
    """A record as its stored JSON document (compact, UTF-8 text). Text that is not
    UTF-8 (an unpaired surrogate: half of an emoji cut off) cannot be stored by any
    database: a ``command.bad_input`` error, not a driver's or encoder's crash (the
    facade refuses it in names, codes and keys before; this catches free text)."""
    try:
        return _encode(_unstructure(value))
    except (TypeError, UnicodeEncodeError) as e:
        if "surrogate" not in str(e) and "UTF-8" not in str(e):
            raise
        raise XuejiError(
            "command.bad_input",
            "文本含残缺字符（不成对的代理字符），无法保存",
            "the text holds an unpaired surrogate and cannot be stored",
        ) from e


def _load(
    kind: type[T], table: str, field: str, key: str, doc: str, live: dict[str, Any] | None = None
) -> T:
    """The record of ``kind`` in ``doc``, stored in ``table`` under ``key`` (its value
    of ``field``); anything else is a :class:`CorruptRecord`."""
    try:
        data = _decode(doc)
    except (ValueError, TypeError) as e:  # JSONDecodeError (orjson's too) is a ValueError
        # the decoder's message gives a position, not the text
        at = str(e).splitlines()[0][:200] if isinstance(e, ValueError) else type(e).__name__
        raise CorruptRecord(
            table, key, f"not a JSON document ({at})", f"不是有效的 JSON 文档（{at}）"
        ) from e
    if not isinstance(data, dict):
        raise CorruptRecord(table, key, "not a JSON object", "不是 JSON 对象")
    try:
        if live:
            data.update(live)  # columns that set-based updates change are the truth
        value = converter.structure(data, kind)
    except (ValueError, TypeError, KeyError, AttributeError, ClassValidationError) as e:
        # not chained for printing: the decoder's errors quote the stored values
        raise CorruptRecord(table, key, *_problems(e)) from None
    # a document copied by hand from another row would otherwise be read as that row
    # (the value found is not quoted: it may be an identity number typed by hand)
    if str(getattr(value, field)) != key:
        raise CorruptRecord(
            table, key, f"$.{field} does not match the row's key", f"$.{field} 与该行的键不符"
        )
    return value


_GRADES = range(GRADE_STAGES[0][0].start, GRADE_STAGES[-1][0].stop)
"""The grades a stored student or class may be in (1-12)."""


def _check_mirrored(
    table: str, key: str, value: Any, names: Sequence[str], columns: Sequence[Any]
) -> None:
    """A row whose indexed columns (written from its document) no longer agree with
    the document was edited by hand: the indexes would find it under values it does
    not hold (a duplicate identity number missed, say), so it is reported, not read.
    The values are not quoted (an identity number may be among them)."""
    for name, column in zip(names, columns, strict=True):
        held = getattr(value, name)
        if column != (held.value if isinstance(held, enum.Enum) else held):
            raise CorruptRecord(
                table,
                key,
                f"the column {name} does not match $.{name}",
                f"列 {name} 与 $.{name} 不一致",
            )


def _conflict(kind: str, key: str) -> ConcurrencyConflict:
    return ConcurrencyConflict(
        "storage.conflict",
        f"{kind_zh(kind)} {key} 已被其他操作修改",
        f"{kind} {key} was changed by another command",
    )


_IN_CHUNK = 500  # keys per IN (...) list: well under every engine's parameter limit

STREAM_BATCH = 2_000
"""Rows per query when a whole table is read as a stream (``ChangeLog.stream``, the
``all()`` of students and requests): a few MB at a time, never the province."""


_HEADS_CHUNK = 100  # subjects per UNION ALL of ChangeLog.last_many (SQLite allows 500 terms)


def _pages(conn: Connection, cols: Sequence[Any], where: Any = None) -> Iterator[Any]:
    """Every row of ``cols`` (matching ``where``) in the order of the first (the
    table's key), :data:`STREAM_BATCH` rows per query: keyset paging, each batch one
    index range after the last key seen, so that a whole table is never in memory at
    once."""
    key = cols[0]
    q = sa.select(*cols).order_by(key).limit(STREAM_BATCH)
    if where is not None:
        q = q.where(where)
    rows = conn.execute(q).all()
    while rows:
        yield from rows
        if len(rows) < STREAM_BATCH:
            return
        rows = conn.execute(q.where(key > rows[-1][0])).all()


def _chunks(keys: Iterable[str], size: int = _IN_CHUNK) -> Iterator[list[str]]:
    todo = sorted(set(keys))
    for i in range(0, len(todo), size):
        yield todo[i : i + size]


_ANY_CHUNK = 10_000  # keys per PostgreSQL array parameter
_KEY_ARRAY = sa.ARRAY(sa.String())


def _key_filters(conn: Connection, column: Any, keys: Iterable[str]) -> Iterator[Any]:
    """Filters that together select the rows whose unique ``column`` is one of ``keys``,
    one statement each: ``column IN (...)`` per chunk of :data:`_IN_CHUNK` keys, or on
    PostgreSQL ``column = ANY(:keys)`` with up to :data:`_ANY_CHUNK` keys bound as one
    array (one parameter, one plan; portable to the PostgreSQL-compatible engines). A
    unique index tells the planner that each key matches one row, statistics or not,
    so the look-up goes to the index; a column that is not unique needs
    :func:`_probe`."""
    if conn.dialect.name == "postgresql":
        for chunk in _chunks(keys, _ANY_CHUNK):
            yield column == sa.any_(sa.literal(chunk, _KEY_ARRAY))
    else:
        for chunk in _chunks(keys):
            yield column.in_(chunk)


LATERAL_OPTION = "xueji_lateral"
"""The execution option that turns the ``LATERAL`` probes off for an engine:
``SqlStore(engine.execution_options(xueji_lateral=False))`` reads many keys through
portable ``IN`` lists instead (a distributed engine such as Citus runs a correlated
subquery across shards only when it correlates on the distribution column)."""


def _lateral(conn: Connection) -> bool:
    """True where the per-key ``LATERAL`` probes are used: PostgreSQL 9.3 or later,
    unless the engine's :data:`LATERAL_OPTION` is false; an engine that reports an older
    PostgreSQL (openGauss says 9.2) gets the portable ``IN`` lists."""
    version = conn.dialect.server_version_info or (0,)
    return (
        conn.dialect.name == "postgresql"
        and tuple(version) >= (9, 3)
        and bool(conn.get_execution_options().get(LATERAL_OPTION, True))
    )


def _keys_table() -> Any:
    """PostgreSQL: the array bound as ``keys``, as a table ``k(key)``."""
    return (
        sa.func.unnest(sa.bindparam("keys", type_=_KEY_ARRAY))
        .table_valued("key")
        .render_derived(name="k")
    )


def _lateral_select(
    cols: Sequence[Any], column: Any, order: Any, limit: int | None = None
) -> sa.Select[Any]:
    """PostgreSQL: ``cols`` of the rows whose ``column`` equals each key of the array
    bound as ``keys``, by ``order`` (and at most ``limit``) per key: one ``LATERAL``
    index probe per key."""
    k = _keys_table()
    hit = sa.select(*cols).where(column == k.c.key).order_by(order)
    if limit is not None:
        hit = hit.limit(limit)
    probe = hit.lateral("hit")
    return sa.select(*probe.c).select_from(k.join(probe, sa.true()))


def _probe(
    conn: Connection, cols: Sequence[Any], column: Any, keys: Iterable[str], *, order: Any
) -> Iterator[Any]:
    """The rows (``cols``, by ``order`` within a key) whose indexed, not unique
    ``column`` is one of ``keys``, one index probe per key.

    On PostgreSQL a ``LATERAL`` join over the keys bound as one array: without table
    statistics (a fresh import, before autovacuum's next pass) the planner takes
    ``column = ANY(:keys)`` or ``IN (...)`` on a column not known to be unique to match
    most of the table and scans all of it, once per statement, so an import slows with
    the table it fills (5,000 identity numbers at 100,000 students: 180 ms in ten ``IN``
    lists, 30-40 ms as one array, one sequential scan each; 15 ms probed). The
    ``ORDER BY`` of the lateral subquery also keeps PostgreSQL from flattening it into
    a plain join, which it would plan from the missing statistics again (a hash join
    over the whole table, 160 ms). Elsewhere ``column IN (...)`` per chunk of
    :data:`_IN_CHUNK` keys."""
    if _lateral(conn):
        q = _lateral_select(cols, column, order)
        for chunk in _chunks(keys, _ANY_CHUNK):
            yield from conn.execute(q, {"keys": chunk})
        return
    for chunk in _chunks(keys):
        yield from conn.execute(sa.select(*cols).where(column.in_(chunk)).order_by(order))


_KINDS = {
    units_t.name: "unit",
    schools_t.name: "school",
    classes_t.name: "class",
    students_t.name: "student",
    requests_t.name: "request",
}
"""The record each table holds, as the in-memory store names it in its messages."""


def _update_many(
    conn: Connection, table: sa.Table, kind: str, rows: list[tuple[str, dict[str, Any], int]]
) -> None:
    """``UPDATE ... WHERE id = ? AND version = ?`` for every (id, values, stored version):
    one ``executemany`` where the driver counts its rows, else one statement each; any
    row not found at its version is a conflict."""
    if not rows:
        return
    stmt = (
        table.update()
        .where(table.c.id == sa.bindparam("b_id"), table.c.version == sa.bindparam("b_version"))
        .values({c: sa.bindparam(c) for c in rows[0][1]})
    )
    params = [{**values, "b_id": key, "b_version": v} for key, values, v in rows]
    if conn.dialect.supports_sane_multi_rowcount:
        done = conn.execute(stmt, params)
        if done.rowcount == len(rows):
            return
        raise _conflict(kind, f"{rows[0][0]}..{rows[-1][0]}")
    for p in params:
        if conn.execute(stmt, p).rowcount != 1:
            raise _conflict(kind, str(p["b_id"]))


# serialization failure, deadlock, a lock wait past the session's lock_timeout
_CONFLICT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_CONFLICT_MYSQL_CODES = frozenset({1213, 1205})  # deadlock, lock wait timeout
# another connection held the database past SQLITE_BUSY_TIMEOUT_MS
_CONFLICT_SQLITE = frozenset({"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"})

CONNECT_TIMEOUT_S = 10
"""How long :meth:`SqlStore.from_url` lets a connection take to be made unless the URL
or ``connect_args`` say otherwise: PostgreSQL's (libpq's ``connect_timeout``), and
PyMySQL's, both the TCP connection (its ``connect_timeout``) and each read of the
server's greeting and login after it (:func:`_pymysql_setup`)."""

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite command waits for another writer (``PRAGMA busy_timeout``)
before it gives up with :class:`~xueji.errors.StoreBusy` (a ConcurrencyConflict)."""


def _driver_says(
    error: sa.exc.DBAPIError,
    sqlstates: frozenset[str],
    sqlite_names: frozenset[str],
    mysql_codes: frozenset[int],
) -> bool:
    """Whether the driver's error behind ``error`` is one of these, by the name each
    driver gives it: PostgreSQL's SQLSTATE, SQLite's error name, MySQL's number."""
    orig = error.orig
    if getattr(orig, "sqlstate", None) in sqlstates:
        return True
    if getattr(orig, "sqlite_errorname", None) in sqlite_names:
        return True
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return bool(args) and args[0] in mysql_codes


def _is_conflict(error: sa.exc.DBAPIError) -> bool:
    """Driver errors that mean another transaction won: mapped to ConcurrencyConflict."""
    return _driver_says(error, _CONFLICT_SQLSTATES, _CONFLICT_SQLITE, _CONFLICT_MYSQL_CODES)


_WAITED_SQLITE = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
_WAITED_SQLSTATES = frozenset({"55P03"})  # lock_not_available: past a lock_timeout
_WAITED_MYSQL_CODES = frozenset({1205})  # lock wait timeout


def _waited(error: sa.exc.DBAPIError) -> bool:
    """Whether a conflict came after waiting the whole wait for a lock (SQLite's
    busy timeout, a lock wait timeout), not at once (a deadlock, a serialization
    failure, a stale WAL snapshot): running the command again would wait again."""
    return _driver_says(error, _WAITED_SQLSTATES, _WAITED_SQLITE, _WAITED_MYSQL_CODES)


def _mask_chain(error: BaseException) -> None:
    """Mask identity numbers in the messages of ``error`` and of the errors behind it
    (a driver's own message may quote a row: PostgreSQL's DETAIL of a duplicate key),
    which a logged traceback prints, and in the statement parameters SQLAlchemy keeps
    on its errors (``.params``: the row written, a student's document with its
    identity numbers). xueji's own errors are masked already."""
    seen: BaseException | None = error
    for _ in range(16):  # a chain is short; never follow a cycle for ever
        if seen is None:
            break
        for e in (seen, getattr(seen, "orig", None)):
            if isinstance(e, BaseException) and not isinstance(e, XuejiError):
                with contextlib.suppress(Exception):  # a read-only args: left as it is
                    e.args = tuple(mask_ids(a) if isinstance(a, str) else a for a in e.args)
        if isinstance(seen, sa.exc.StatementError) and seen.params:
            seen.params = _masked_params(seen.params)
        seen = seen.__cause__ or seen.__context__


def _masked_params(value: Any) -> Any:
    """Statement parameters (a dict, or a list of them for a batch) with ID-like text
    masked in every string."""
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, Mapping):
        return {k: _masked_params(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked_params(v) for v in value]
    return value


_UNAVAILABLE_SQLITE = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")  # connection, resources, operator
_UNAVAILABLE_SQLSTATES = frozenset({"25006"})  # a read-only transaction (a standby)
_UNAVAILABLE_MYSQL_CODES = frozenset(
    {1021, 1036, 1040, 1053, 1290, 2002, 2003, 2006, 2013}
)  # disk full, read-only table, too many connections, shutdown, read-only, connection


def _unavailable(error: sa.exc.DBAPIError) -> bool:
    """Whether a driver error means the database cannot be used now (a connection lost,
    a server gone or shutting down, a read-only or full file): a host may try again
    later. Anything else (a damaged file, a schema changed by hand) needs a person."""
    if error.connection_invalidated:
        return True
    orig = error.orig
    if str(getattr(orig, "sqlite_errorname", "")).startswith(_UNAVAILABLE_SQLITE):
        return True
    state = str(getattr(orig, "sqlstate", "") or "")
    if state[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or state in _UNAVAILABLE_SQLSTATES:
        return True
    if isinstance(error, sa.exc.InterfaceError):  # the driver's connection is unusable
        return True
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return bool(args) and args[0] in _UNAVAILABLE_MYSQL_CODES


def _busy() -> StoreBusy:
    """The error of a lock waited for to the end of the wait."""
    return StoreBusy(
        "storage.busy",
        "数据库被另一连接占用，等待超时（SQLite 等待 "
        f"{SQLITE_BUSY_TIMEOUT_MS // 1000} 秒；服务器为其锁等待时限）",
        "the database was held by another connection for longer than the wait "
        f"(SQLite: {SQLITE_BUSY_TIMEOUT_MS // 1000} s; a server: its lock wait timeout)",
    )


def _connected(connect: Callable[[], Connection]) -> Connection:
    """A connection from ``connect``; one that cannot be made (a server gone, refused,
    a file that cannot be opened) is ``storage.unavailable`` whatever the driver calls
    it (psycopg gives a refused connection no SQLSTATE). A lock held past the wait
    is left to :meth:`SqlStore._busy_is_conflict`. An option of the URL that the
    driver refuses only as it connects (PyMySQL: ``?port=abc``, an option it does not
    know; psycopg: a port that is not a number) is ``storage.bad_url``: the driver
    raises ``TypeError``/``ValueError`` (SQLAlchemy an ``ArgumentError``) for the
    arguments it was given, never for the database's state."""
    try:
        return connect()
    except sa.exc.DBAPIError as e:
        if _conflict_in(e) is not None:
            raise
        _mask_chain(e)
        raise _storage_error(e, unavailable=True) from None
    except (TypeError, ValueError, sa.exc.ArgumentError) as e:
        raise _bad_option(e) from e


def _bad_option(error: Exception) -> XuejiError:
    """``storage.bad_url`` for an option of the URL the driver or dialect refused
    (``?port=abc``), with what it said."""
    why = _first_line(error)
    return XuejiError(
        "storage.bad_url",
        f"数据库地址的参数无效：{why}",
        f"an option of the database URL is not valid: {why}",
    )


def _duplicate(
    kind: str, key: str, error: sa.exc.IntegrityError, *, adding: str | None = None
) -> DuplicateKey:
    """:class:`DuplicateKey` for a refused insert, holding nothing of the driver's
    error: SQLAlchemy's keeps the statement's parameters in ``.params`` (the whole row,
    identity numbers in full), and a chained error (``__cause__``, or ``__context__``
    when raised inside its handler) would keep them for any error reporter to print.
    What the driver said is kept as a note, in one line and masked (MySQL quotes the
    duplicate value); the caller raises it outside its ``except`` block (Art 30)."""
    duplicate = DuplicateKey(kind, key, adding=adding)
    duplicate.add_note(f"{type(error.orig).__name__}: {mask_ids(_first_line(error.orig))}")
    return duplicate


def _first_line(error: object) -> str:
    """What a driver's error says, in one line (its first), or its kind if nothing."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _cannot_open(shown: str, why: str) -> XuejiError:
    """``storage.unavailable`` for a database (``shown``: its URL, password hidden)
    that cannot be opened, and why."""
    return XuejiError(
        "storage.unavailable",
        f"无法打开数据库 {shown}：{why}",
        f"cannot open the database {shown}: {why}",
    )


def _storage_error(error: sa.exc.DBAPIError, *, unavailable: bool = False) -> StorageError:
    """A driver error that is no conflict, as xueji's (its first line, masked)."""
    why = _first_line(error.orig)
    code = "storage.unavailable" if unavailable or _unavailable(error) else "storage.failed"
    return StorageError(code, f"数据库出错：{why}", f"the database failed: {why}")


def _conflict_in(error: BaseException) -> sa.exc.DBAPIError | None:
    """The driver conflict behind ``error``: the error itself, or one it was raised
    while handling. A deadlock inside a savepoint makes InnoDB roll the whole
    transaction back, savepoint included, so the driver's error is then "SAVEPOINT
    does not exist", raised while SQLAlchemy rolled back to it: the deadlock is its
    context."""
    seen: BaseException | None = error
    for _ in range(16):  # a chain is short; never follow a cycle for ever
        if seen is None:
            break
        if isinstance(seen, sa.exc.DBAPIError) and _is_conflict(seen):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class _Docs:
    """Shared get/add/list over a (key, doc) table."""

    live: tuple[str, ...] = ()  # columns a set-based update changes without the doc
    mirrored: tuple[str, ...] = ()  # columns written from the doc, for indexes: must agree

    def __init__(self, conn: Connection, table: sa.Table, kind: type[Any], key: str) -> None:
        self.conn, self.table, self.kind, self.key = conn, table, kind, key

    def _cols(self) -> list[Any]:
        extra = (*self.live, *self.mirrored)
        return [self.table.c[self.key], self.table.c.doc, *(self.table.c[c] for c in extra)]

    def _from_row(self, row: Any) -> Any:
        n = len(self.live)
        live = dict(zip(self.live, row[2 : 2 + n], strict=True)) if n else None
        key = str(row[0])
        value = _load(self.kind, self.table.name, self.key, key, row[1], live)
        if self.mirrored:
            _check_mirrored(self.table.name, key, value, self.mirrored, row[2 + n :])
        if live and "grade" in live and live["grade"] not in _GRADES:  # a number typed in
            raise CorruptRecord(self.table.name, key, "grade out of range", "年级超出范围")
        return value

    def _one(self, key: str) -> Any:
        row = self.conn.execute(
            sa.select(*self._cols()).where(self.table.c[self.key] == key)
        ).first()
        return None if row is None else self._from_row(row)

    def _insert(self, key: str, value: Any, **cols: Any) -> None:
        try:
            self.conn.execute(
                self.table.insert().values({self.key: key, "doc": _dump(value), **cols})
            )
        except sa.exc.IntegrityError as e:
            duplicate = _duplicate(_KINDS[self.table.name], key, e)
        else:
            return
        raise duplicate  # outside the handler: the driver's error is not its context

    def _many(self, where: Any = None, order: Any = None) -> list[Any]:
        return list(self._stream(where, order))

    def _all(self, where: Any = None) -> Iterator[Any]:
        """Every record (matching ``where``) in key order, a batch at a time
        (:func:`_pages`)."""
        return map(self._from_row, _pages(self.conn, self._cols(), where))

    def _stream(self, where: Any = None, order: Any = None) -> Iterator[Any]:
        q = sa.select(*self._cols())
        if where is not None:
            q = q.where(where)
        q = q.order_by(*(order if order is not None else (self.table.c[self.key],)))
        for row in self.conn.execute(q):
            yield self._from_row(row)


class _Cached(_Docs):
    """Reads of the tree (units, schools, classes) are cached for the unit of work:
    a command reads the same school and units several times."""

    def __init__(self, conn: Connection, table: sa.Table, kind: type[Any], key: str) -> None:
        super().__init__(conn, table, kind, key)
        self.cache: dict[str, Any] = {}
        self.every: list[Any] | None = None  # the whole listing, until a record is added

    def _cached(self, key: str) -> Any:
        if key not in self.cache:
            self.cache[key] = self._one(key)
        return self.cache[key]

    def _listed(self) -> list[Any]:
        """Every record, cached as read: a command that lists the schools and then
        asks for them one by one (a jurisdiction's, for statistics) reads each once,
        and a second listing (the Art 32 report's) reads nothing."""
        if self.every is None:
            self.every = self._many()
            self.cache.update((getattr(v, self.key), v) for v in self.every)
        return list(self.every)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """Read the keys not cached yet with one query per chunk; cache the answers
        (absent keys too)."""
        wanted = set(keys)
        missing = wanted - self.cache.keys()
        for k in missing:
            self.cache[k] = None
        for where in _key_filters(self.conn, self.table.c[self.key], missing):
            for v in self._stream(where):
                self.cache[getattr(v, self.key)] = v
        return {k: self.cache[k] for k in wanted if self.cache[k] is not None}


def _code_taken(conn: Connection, table: sa.Table, code: str) -> bool:
    """Whether ``table`` (the units' or the schools') holds ``code``: units and schools
    share one code space (an actor, a request's history and the change log name
    either by its code alone), so one is not added under the other's code. Checked
    before the insert, in the unit of work's transaction, for the message's sake
    (which record holds the code); :func:`_claim_code` is what holds the rule when
    two transactions add a unit and a school under one new code at once (the tree is
    the province administrator's setup, Art 6; the :class:`~xueji.registry.Registry`
    checks it the same way)."""
    found = conn.execute(sa.select(table.c.code).where(table.c.code == code)).first()
    return found is not None


def _claim_code(conn: Connection, code: str, kind: str, other: str) -> None:
    """Write ``code`` into the shared code table (schema 9) for a ``kind`` (unit or
    school) being added. Its primary key refuses a code another transaction took
    meanwhile for the ``other`` kind (on a server it waits for that transaction, and
    is refused once it commits): :class:`DuplicateKey` naming the record that holds
    it. A code of the same kind was refused already, by the table's own key."""
    try:
        conn.execute(codes_t.insert().values(code=code, kind=kind))
    except sa.exc.IntegrityError as e:
        duplicate = _duplicate(other, code, e, adding=kind)
    else:
        return
    raise duplicate  # outside the handler: the driver's error is not its context


class _Units(_Cached):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, units_t, Unit, "code")

    def get(self, code: str) -> Unit | None:
        return self._cached(code)  # type: ignore[no-any-return]

    def add(self, unit: Unit) -> None:
        self.cache.pop(unit.code, None)
        self.every = None
        if _code_taken(self.conn, schools_t, unit.code):  # one code space with the schools'
            raise DuplicateKey("school", unit.code, adding="unit")
        self._insert(unit.code, unit)
        _claim_code(self.conn, unit.code, "unit", "school")

    def list(self) -> list[Unit]:
        return self._listed()


class _Schools(_Cached):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, schools_t, School, "code")

    def get(self, code: str) -> School | None:
        return self._cached(code)  # type: ignore[no-any-return]

    def add(self, school: School) -> None:
        self.cache.pop(school.code, None)
        self.every = None
        if _code_taken(self.conn, units_t, school.code):  # one code space with the units'
            raise DuplicateKey("unit", school.code, adding="school")
        self._insert(school.code, school)
        _claim_code(self.conn, school.code, "school", "unit")

    def list(self) -> list[School]:
        return self._listed()


class _Classes(_Cached):
    live = ("grade",)
    mirrored = ("school",)

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, classes_t, SchoolClass, "id")

    def get(self, class_id: str) -> SchoolClass | None:
        return self._cached(class_id)  # type: ignore[no-any-return]

    def add(self, klass: SchoolClass) -> None:
        self.cache.pop(klass.id, None)
        self._insert(klass.id, klass, school=klass.school, grade=klass.grade)

    def update(self, klass: SchoolClass) -> None:
        self.cache.pop(klass.id, None)
        self.conn.execute(
            classes_t.update()
            .where(classes_t.c.id == klass.id)
            .values(doc=_dump(klass), school=klass.school, grade=klass.grade)
        )

    def promote(
        self,
        statuses: frozenset[StudentStatus],
        final_grades: Mapping[Stage, int],
        exclude: frozenset[str],
    ) -> int:
        self.cache.clear()
        with _held(self.conn, exclude) as held:
            # correlated: each class looks for one such student on the class_id index
            moving = sa.exists().where(
                students_t.c.class_id == classes_t.c.id,
                students_t.c.grade == classes_t.c.grade,  # (not one held, then resumed)
                *_promoted(statuses, final_grades, held),
            )
            done = self.conn.execute(
                classes_t.update().where(moving).values(grade=classes_t.c.grade + 1)
            )
        return int(done.rowcount)

    def by_school(self, school: str) -> list[SchoolClass]:
        return self._many(classes_t.c.school == school)


_SEATED_VALUES = frozenset(status.value for status in SEATED)
""":data:`SEATED` by value: a member's own hash is a Python call (``Enum.__hash__``),
a text's is not, and every stored record is asked."""


def _student_cols(s: Student) -> dict[str, Any]:
    status = s.status._value_  # (.value: a slower descriptor on 3.11)
    return {
        "version": s.version,
        "school": s.school,
        "class_id": s.class_id,
        "seat": status in _SEATED_VALUES,  # what count_in_class counts (of the class's grade)
        "status": status,
        "stage": s.stage._value_,
        "grade": s.grade,
        "id_number": s.id_number,
        "guardian_id": s.guardian_id,
        "migrant": s.migrant,  # what tally_flags counts (schema 10)
        "special_needs": s.special_needs,
        "doc": _dump(s),
    }


def _numbers(s: Student) -> list[str]:
    """The numbers the numbers table indexes: every number the student has held,
    except ``G`` + the identity number the record holds now (found through the
    indexed ``id_number`` column; a corrected identity number leaves the old G number
    here, written when the correction is stored). Most students hold only that G
    number, so most enrolments write no row here."""
    if not s.numbers:
        return []
    own = f"G{s.id_number}" if s.id_number else None
    history = s.numbers.history
    if len(history) == 1 and history[0].number.text == own:  # a new record's: none
        return []
    return [n.text for n in s.numbers.all_numbers if n.text != own]


_HELD = "xueji_rollover_held"
"""The temporary table of :func:`_held`."""


@contextmanager
def _held(conn: Connection, ids: frozenset[str]) -> Iterator[Any]:
    """The student ids the rollover leaves where they are, as what ``NOT IN`` takes:
    a list of values when there are few (the usual case), else the ids of a
    temporary table written with one ``executemany`` and dropped after, so that the
    statement binds a handful of parameters, not one per id (SQLite allows 32,766,
    PostgreSQL 65,535: a province holding 300,000 students for open transfers
    failed). The table is made from ``xueji_students.id`` itself (``CREATE ... AS
    SELECT``) so that its text compares the same way (MariaDB: the binary collation
    of schema 3)."""
    if len(ids) <= _IN_CHUNK:
        yield sorted(ids) if ids else None
        return
    on_mysql = conn.dialect.name in ("mysql", "mariadb")  # (not the dialect module)
    temporary = "TEMPORARY TABLE" if on_mysql else "TABLE"  # MySQL commits on a plain DROP
    conn.exec_driver_sql(f"DROP {temporary} IF EXISTS {_HELD}")  # left by a failed unit
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_HELD} AS SELECT id FROM {students_t.name} WHERE 1 = 0"
    )
    table = sa.table(_HELD, sa.column("id"))
    conn.execute(table.insert(), [{"id": i} for i in sorted(ids)])
    try:
        yield sa.select(table.c.id).scalar_subquery()
    finally:
        conn.exec_driver_sql(f"DROP {temporary} {_HELD}")


def _promoted(
    statuses: frozenset[StudentStatus], final_grades: Mapping[Stage, int], held: Any
) -> list[Any]:
    """The rollover's test of a student who moves up: the ``WHERE`` of the students'
    promotion, and of the classes' (a class moves up with its students). ``held`` is
    what :func:`_held` gave."""
    c = students_t.c
    where = [c.status.in_([x.value for x in statuses]), _Students._below_final(final_grades, True)]
    if held is not None:
        where.append(c.id.not_in(held))
    return where


class _Students(_Docs):
    live = ("grade", "version", "status")
    mirrored = (
        "school",
        "class_id",
        "stage",
        "id_number",
        "guardian_id",
        "migrant",
        "special_needs",
    )

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, students_t, Student, "id")

    def get(self, student_id: str) -> Student | None:
        return self._one(student_id)  # type: ignore[no-any-return]

    def add(self, student: Student) -> None:
        self.add_many([student])

    def add_many(self, students: Sequence[Student]) -> None:
        if not students:
            return
        duplicate: DuplicateKey | None = None
        try:
            self.conn.execute(
                students_t.insert(), [{"id": s.id, **_student_cols(s)} for s in students]
            )
        except sa.exc.IntegrityError as e:
            first, last = students[0].id, students[-1].id
            duplicate = _duplicate("student", first if first == last else f"{first}..{last}", e)
        if duplicate is not None:
            raise duplicate  # outside the handler (see _duplicate)
        self._insert_numbers([(n, s.id) for s in students for n in _numbers(s)])

    def _insert_numbers(self, pairs: Iterable[tuple[str, str]]) -> None:
        rows = [{"number": n, "student": sid} for n, sid in pairs]
        if rows:
            self.conn.execute(numbers_t.insert(), rows)

    def _index_numbers(self, students: Sequence[Student]) -> None:
        """Add the numbers of updated ``students`` not indexed yet (one query a chunk)."""
        cols = (numbers_t.c.number, numbers_t.c.student)
        rows = _probe(self.conn, cols, cols[1], (s.id for s in students), order=cols[0])
        have = {(n, sid) for n, sid in rows}
        self._insert_numbers(
            (n, s.id) for s in students for n in _numbers(s) if (n, s.id) not in have
        )

    def update(self, student: Student) -> None:
        done = self.conn.execute(
            students_t.update()
            .where(students_t.c.id == student.id, students_t.c.version == student.version - 1)
            .values(**_student_cols(student))
        )
        if done.rowcount != 1:
            raise _conflict("student", student.id)
        self._index_numbers([student])

    def get_many(self, student_ids: Iterable[str]) -> dict[str, Student]:
        out: dict[str, Student] = {}
        for where in _key_filters(self.conn, students_t.c.id, student_ids):
            out.update((s.id, s) for s in self._stream(where))
        return out

    def schools_of(self, student_ids: Iterable[str]) -> dict[str, str]:
        """The school of each of ``student_ids`` that exists, from its indexed column
        alone (no document read): a report deciding whether a record is in a
        jurisdiction before reading it."""
        out: dict[str, str] = {}
        cols = (students_t.c.id, students_t.c.school)
        for where in _key_filters(self.conn, students_t.c.id, student_ids):
            out.update(
                (str(i), str(school))
                for i, school in self.conn.execute(sa.select(*cols).where(where))
            )
        return out

    def ids_in_school(self, school: str) -> list[str]:
        """The ids of the school's students, from the indexed school column alone (no
        document read): a county's report looking for records no log entry names."""
        c = students_t.c
        q = sa.select(c.id).where(c.school == school).order_by(c.id)
        return [str(i) for i in self.conn.execute(q).scalars()]

    def update_many(self, items: Sequence[tuple[Student, int]]) -> None:
        _update_many(
            self.conn, students_t, "student", [(s.id, _student_cols(s), v) for s, v in items]
        )
        self._index_numbers([s for s, _ in items])

    def by_id_number(self, id_number: str) -> list[Student]:
        return self._many(students_t.c.id_number == id_number)

    def by_id_numbers(self, id_numbers: Iterable[str]) -> dict[str, list[Student]]:
        out: dict[str, list[Student]] = {}
        rows = _probe(
            self.conn, self._cols(), students_t.c.id_number, id_numbers, order=students_t.c.id
        )
        for row in rows:
            s = self._from_row(row)
            out.setdefault(s.id_number, []).append(s)
        return out

    def by_registry_number(self, number: str) -> list[Student]:
        ids = sa.select(numbers_t.c.student).where(numbers_t.c.number == number)
        held: sa.ColumnElement[bool] = students_t.c.id.in_(ids)
        if number.startswith("G"):
            held = sa.or_(held, students_t.c.id_number == number[1:])
        return [s for s in self._many(held) if s.numbers and s.numbers.answers_to(number)]

    def by_guardian(self, guardian_id: str) -> list[Student]:
        return self._many(students_t.c.guardian_id == guardian_id)

    def by_school(self, school: str) -> list[Student]:
        return self._many(students_t.c.school == school)

    def count_in_class(self, class_id: str, grade: int) -> int:
        c = students_t.c
        q = (
            sa.select(sa.func.count())
            .select_from(students_t)
            .where(c.class_id == class_id, c.grade == grade, c.seat == sa.true())
        )
        return int(self.conn.execute(q).scalar_one())

    def count_in_classes(self, classes: Mapping[str, int]) -> dict[str, int]:
        wanted = dict(classes)
        out = dict.fromkeys(wanted, 0)
        c = students_t.c
        # each class's seats by grade, of which the class's own grade is kept (a
        # student held at the rollover is another group): a few rows a class, and
        # one array of keys as before (PostgreSQL 9.3 unnests one array only)
        if _lateral(self.conn):  # a probe per class: see _probe
            k = _keys_table()
            seats = (
                sa.select(c.grade, sa.func.count().label("n"))
                .where(c.class_id == k.c.key, c.seat == sa.true())
                .group_by(c.grade)
                .lateral("seats")
            )
            probe = sa.select(k.c.key, seats.c.grade, seats.c.n).select_from(
                k.join(seats, sa.true())
            )
            for chunk in _chunks(wanted, _ANY_CHUNK):
                found = self.conn.execute(probe, {"keys": chunk})
                out.update({key: int(n) for key, g, n in found if g == wanted[key]})
            return out
        for chunk in _chunks(wanted):
            grouped = (
                sa.select(c.class_id, c.grade, sa.func.count())
                .where(c.class_id.in_(chunk), c.seat == sa.true())
                .group_by(c.class_id, c.grade)
            )
            found = self.conn.execute(grouped)
            out.update({key: int(n) for key, g, n in found if g == wanted[key]})
        return out

    def all(self) -> Iterator[Student]:
        return self._all()

    @staticmethod
    def _below_final(final_grades: Mapping[Stage, int], below: bool) -> Any:
        c = students_t.c
        if below:
            return sa.or_(
                *(sa.and_(c.stage == st.value, c.grade < g) for st, g in final_grades.items())
            )
        return sa.or_(
            *(sa.and_(c.stage == st.value, c.grade >= g) for st, g in final_grades.items())
        )

    def promote(
        self,
        statuses: frozenset[StudentStatus],
        final_grades: Mapping[Stage, int],
        exclude: frozenset[str],
    ) -> int:
        c = students_t.c
        with _held(self.conn, exclude) as held:
            done = self.conn.execute(
                students_t.update()
                .where(*_promoted(statuses, final_grades, held))
                .values(grade=c.grade + 1, version=c.version + 1)
            )
        return int(done.rowcount)

    def tally(self, schools: Iterable[str]) -> dict[tuple[str, Stage, int, StudentStatus], int]:
        return {key: n for key, (n,) in self._grouped(schools, ()).items()}

    def tally_flags(
        self, schools: Iterable[str]
    ) -> dict[tuple[str, Stage, int, StudentStatus], tuple[int, int, int]]:
        """:meth:`tally` with, beside each count, how many of those students are
        migrant (随迁子女) and how many have special needs (残疾学生): ``(students,
        migrant, special_needs)``, from the columns of schema 10 in the same GROUP BY
        (Art 28's statistics; Art 27(3) singles out the migrant children)."""
        c = students_t.c
        flags = tuple(
            sa.func.sum(sa.case((col, 1), else_=0)) for col in (c.migrant, c.special_needs)
        )
        return {
            key: (n, migrant, special)
            for key, (n, migrant, special) in self._grouped(schools, flags).items()
        }

    def _grouped(
        self, schools: Iterable[str], sums: Sequence[Any]
    ) -> dict[tuple[str, Stage, int, StudentStatus], tuple[int, ...]]:
        """The students of ``schools`` counted by (school, stage, grade, status), each
        with the ``sums`` beside: one GROUP BY over the indexed columns per chunk of
        schools, no document read."""
        c = students_t.c
        cols = (c.school, c.stage, c.grade, c.status)
        out = {}
        for where in _key_filters(self.conn, c.school, schools):
            q = sa.select(*cols, sa.func.count(), *sums).where(where).group_by(*cols)
            for school, stage, grade, status, *counts in self.conn.execute(q):
                try:
                    key = (school, Stage(stage), int(grade), StudentStatus(status))
                except ValueError:
                    raise self._bad_column(school) from None
                out[key] = tuple(int(n) for n in counts)  # (MySQL sums as Decimal)
        return out

    def _bad_column(self, school: str) -> CorruptRecord:
        """The error for a student of ``school`` whose ``stage`` or ``status`` column
        holds no such value (edited by hand), named by its key."""
        c = students_t.c
        for column, values, zh in (("stage", Stage, "学段"), ("status", StudentStatus, "状态")):
            valid = [v.value for v in values]
            q = sa.select(c.id).where(c.school == school, c[column].not_in(valid))
            key = self.conn.execute(q.order_by(c.id).limit(1)).scalar()
            if key is not None:
                return CorruptRecord(
                    students_t.name,
                    key,
                    f"column {column}: not a valid {column}",
                    f"{column} 列：不是有效的{zh}",
                )
        return CorruptRecord(  # mended since it was counted
            students_t.name,
            f"school {school}",
            "column stage or status: not a valid value",
            "stage 或 status 列：值无效",
        )

    def count_where(
        self, status: StudentStatus, final_grades: Mapping[Stage, int] | None = None
    ) -> int:
        where = [students_t.c.status == status.value]
        if final_grades is not None:
            where.append(self._below_final(final_grades, False))
        q = sa.select(sa.func.count()).select_from(students_t).where(*where)
        return int(self.conn.execute(q).scalar_one())

    def in_final_grade(
        self, status: StudentStatus, final_grades: Mapping[Stage, int]
    ) -> Iterator[Student]:
        # keyset pages (a province's final grades need not fit in memory): the caller
        # may write between pages, which start after the last key already read
        return self._all(
            sa.and_(students_t.c.status == status.value, self._below_final(final_grades, False))
        )


_REQUEST_MIRRORED = ("student", "deadline", "is_open", "kind", "state")
"""The request columns written from its document (``_Requests.mirrored``)."""

_DUE = (
    sa.select(requests_t.c.id, requests_t.c.doc, *(requests_t.c[c] for c in _REQUEST_MIRRORED))
    .where(
        # ``= true``, not ``IS true``: MariaDB and MySQL use no index for ``IS TRUE``
        # (a full scan and a filesort of every request, 27 ms at 100,000); ``=`` is a
        # range of ix_xueji_requests_due on every engine (NOT NULL: the same rows)
        requests_t.c.is_open == sa.true(),
        requests_t.c.deadline < sa.bindparam("day", type_=sa.Date),
    )
    .order_by(requests_t.c.deadline, requests_t.c.id)
)
"""Open requests due before ``day`` (``RequestRepository.open_due_before``)."""


class _Requests(_Docs):
    mirrored = _REQUEST_MIRRORED

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, requests_t, Request, "id")

    @staticmethod
    def _row(r: Request) -> dict[str, Any]:
        return {
            "version": r.version,
            "student": r.student,
            "is_open": r.is_open,
            "deadline": r.deadline,
            "kind": r.kind.value,
            "state": r.state.value,
            "doc": _dump(r),
        }

    def get(self, request_id: str) -> Request | None:
        return self._one(request_id)  # type: ignore[no-any-return]

    def add(self, request: Request) -> None:
        try:
            self.conn.execute(requests_t.insert().values(id=request.id, **self._row(request)))
        except sa.exc.IntegrityError as e:
            duplicate = _duplicate("request", request.id, e)
        else:
            return
        raise duplicate  # outside the handler (see _duplicate)

    def update(self, request: Request) -> None:
        done = self.conn.execute(
            requests_t.update()
            .where(requests_t.c.id == request.id, requests_t.c.version == request.version - 1)
            .values(**self._row(request))
        )
        if done.rowcount != 1:
            raise _conflict("request", request.id)

    def update_many(self, items: Sequence[tuple[Request, int]]) -> None:
        _update_many(self.conn, requests_t, "request", [(r.id, self._row(r), v) for r, v in items])

    def open_for_student(self, student_id: str) -> list[Request]:
        # the student's requests by their own index, the open ones picked here: asked
        # for ``is_open`` too, a planner without statistics (SQLite before an ANALYZE)
        # took ix_xueji_requests_open to save the sort and read every open request of
        # the province, for each command on one student
        return [r for r in self._many(requests_t.c.student == student_id) if r.is_open]

    def for_student(self, student_id: str) -> list[Request]:
        # by the student's own index, in key order
        return self._many(requests_t.c.student == student_id)

    def open_due_before(self, day: _dt.date) -> list[Request]:
        # the statement is built once: the sweep runs it daily and most days find nothing
        return [self._from_row(row) for row in self.conn.execute(_DUE, {"day": day})]

    def readable_due_before(
        self, day: _dt.date, unreadable: dict[str, CorruptRecord]
    ) -> list[Request]:
        """:meth:`open_due_before`, a request that cannot be read kept in ``unreadable``
        by id instead of stopping the reading (the optional method of
        :class:`~xueji.storage.protocols.RequestRepository`: the deadline sweep goes
        on with the other requests)."""
        return list(self._read_past(self.conn.execute(_DUE, {"day": day}), unreadable))

    def all(self) -> Iterator[Request]:
        return self._all()

    def readable_all(self, unreadable: dict[str, CorruptRecord]) -> Iterator[Request]:
        """:meth:`all`, a request that cannot be read kept in ``unreadable`` by id
        instead of stopping the reading (the optional method of
        :class:`~xueji.storage.protocols.RequestRepository`: the Art 32 report reads
        the other requests and names it)."""
        return self._readable(unreadable)

    def _readable(
        self, unreadable: dict[str, CorruptRecord], where: Any = None
    ) -> Iterator[Request]:
        return self._read_past(_pages(self.conn, self._cols(), where), unreadable)

    def _read_past(
        self, rows: Iterable[Any], unreadable: dict[str, CorruptRecord]
    ) -> Iterator[Request]:
        """The requests of ``rows``, each that cannot be read kept in ``unreadable`` by
        its key (the row's first column) instead of raised."""
        for row in rows:
            try:
                yield self._from_row(row)
            except CorruptRecord as bad:
                unreadable[str(row[0])] = bad

    def open(self) -> Iterator[Request]:
        # a range of ix_xueji_requests_open per page: the closed rows are never read
        return self._all(requests_t.c.is_open == sa.true())

    def readable_open(self, unreadable: dict[str, CorruptRecord]) -> Iterator[Request]:
        """:meth:`open`, read past a request that cannot be read as
        :meth:`readable_all` is (a unit's inbox, ``Registry.pending``, lists the
        others)."""
        return self._readable(unreadable, requests_t.c.is_open == sa.true())

    def of_kind(self, kind: RequestKind, state: RequestState) -> Iterator[Request]:
        # a range of ix_xueji_requests_kind per page, in key order: no other row is read
        c = requests_t.c
        return self._all(sa.and_(c.kind == kind.value, c.state == state.value))


@functools.lru_cache(maxsize=8)
def _heads_query(n: int) -> sa.Select[Any]:
    """The last entries of ``n`` subjects (bound as ``s0``..): built once per size.

    The ``UNION ALL`` of one ``max()`` per subject is joined as a derived table, not
    used as ``seq IN (...)``: MariaDB and MySQL cannot materialize or semi-join an
    ``IN`` subquery that is a ``UNION``, so they turned it into a dependent
    ``EXISTS`` evaluated for every row of a full scan of the log (100 subjects
    against a 100,000-entry log: 0.9 s a chunk, the whole of the deadline sweep's
    time). Joined, the union is computed once (one index probe per subject) and
    each head read by its primary key (2 ms); SQLite plans both forms alike."""
    latest = sa.union_all(
        *(
            sa.select(sa.func.max(log_t.c.seq).label("seq")).where(
                log_t.c.subject == sa.bindparam(f"s{i}")
            )
            for i in range(n)
        )
    ).subquery("heads")
    return sa.select(log_t.c.seq, log_t.c.doc, log_t.c.subject).join_from(
        log_t, latest, log_t.c.seq == latest.c.seq
    )


_HEADS_LATERAL = _lateral_select(
    (log_t.c.seq, log_t.c.doc, log_t.c.subject), log_t.c.subject, log_t.c.seq.desc(), limit=1
)
"""PostgreSQL: the last entries of the subjects bound as the array ``keys``, one
index probe per subject (2,000 subjects at 100,000 students: 7-10 ms, against
25-120 ms in UNION ALL chunks of 100)."""


_LOG_COLS = (log_t.c.seq, log_t.c.doc, log_t.c.subject)


def _entry(row: Any) -> ChangeEntry:
    """A log row as its entry; the ``subject`` column (which ``history`` and the
    subject chain are found by) must agree with the document: re-pointed by hand, it
    hid entries from a student's history and passed verification."""
    seq, doc, subject = row
    entry = _load(ChangeEntry, log_t.name, "seq", str(seq), doc)
    _check_mirrored(log_t.name, str(seq), entry, ("subject",), (subject,))
    return entry


class _Log:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._last: dict[str | None, ChangeEntry | None] = {}  # read or written in this unit

    def _check_next(self, entries: Sequence[ChangeEntry]) -> None:
        """The protocol's rule: entries continue the log's sequence with no gap (the
        last entry is known in a unit that appends: the facade reads it to seal)."""
        last = self.last()
        expected = (last.seq if last else 0) + 1
        for e in entries:
            if e.seq != expected:
                raise _conflict("change log entry", str(e.seq))
            expected += 1

    def append(self, entry: ChangeEntry) -> ChangeEntry:
        self._check_next([entry])
        try:
            self.conn.execute(
                log_t.insert().values(seq=entry.seq, subject=entry.subject, doc=_dump(entry))
            )
        except sa.exc.IntegrityError as e:
            raise _conflict("change log entry", str(entry.seq)) from e
        self._last[None] = entry
        self._last[entry.subject] = entry
        return entry

    def append_many(self, entries: Sequence[ChangeEntry]) -> None:
        if not entries:
            return
        self._check_next(entries)
        try:
            self.conn.execute(
                log_t.insert(),
                [{"seq": e.seq, "subject": e.subject, "doc": _dump(e)} for e in entries],
            )
        except sa.exc.IntegrityError as e:
            raise _conflict("change log entry", str(entries[0].seq)) from e
        # the subjects whose last entry is cached are kept current; the others are not
        # added: a bulk import's unit would otherwise hold every new record's entry
        # (about 1 KB a row) until it ends, and last() reads them back when asked
        for entry in entries:
            if entry.subject in self._last:
                self._last[entry.subject] = entry
        self._last[None] = entries[-1]

    def _rows(self, q: Any, params: Mapping[str, Any] | None = None) -> list[ChangeEntry]:
        return [_entry(row) for row in self.conn.execute(q, params)]

    def last(self, subject: str | None = None) -> ChangeEntry | None:
        if subject in self._last:
            return self._last[subject]
        q = sa.select(*_LOG_COLS).order_by(log_t.c.seq.desc()).limit(1)
        if subject is not None:
            q = q.where(log_t.c.subject == subject)
        rows = self._rows(q)
        self._last[subject] = rows[0] if rows else None
        return self._last[subject]

    def entries(self, subject: str | None = None) -> list[ChangeEntry]:
        q = sa.select(*_LOG_COLS).order_by(log_t.c.seq)
        if subject is not None:
            q = q.where(log_t.c.subject == subject)
        return self._rows(q)

    def stream(self) -> Iterator[ChangeEntry]:
        return map(_entry, _pages(self.conn, _LOG_COLS))

    def last_many(self, subjects: Iterable[str]) -> dict[str, ChangeEntry]:
        wanted = set(subjects)
        out = {s: e for s in wanted if (e := self._last.get(s)) is not None}
        todo = wanted - self._last.keys()
        # one index lookup on (subject, seq) per subject, whatever the planner knows of
        # the table: a GROUP BY over ``subject IN (...)`` was planned as a scan of the
        # whole log by PostgreSQL before the table's statistics caught up with an import
        if _lateral(self.conn):
            found = [
                e
                for chunk in _chunks(todo, _ANY_CHUNK)
                for e in self._rows(_HEADS_LATERAL, {"keys": chunk})
            ]
        else:  # one max() per subject, joined by UNION ALL (SQLite, MariaDB: no LATERAL)
            found = [
                e
                for chunk in _chunks(todo, _HEADS_CHUNK)
                for e in self._rows(
                    _heads_query(len(chunk)), {f"s{i}": s for i, s in enumerate(chunk)}
                )
            ]
        for entry in found:
            out[entry.subject] = entry
        # not cached: a batch's caller keeps what it asked for (WriteBehind), and a
        # province's worth of subjects would otherwise stay in memory to the unit's end
        return out


_UPSERT: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
"""The INSERT constructs with ``ON CONFLICT ... DO UPDATE``, by dialect."""


class _Meta:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> str | None:
        row = self.conn.execute(sa.select(meta_t.c.value).where(meta_t.c.key == key)).first()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        # One upsert statement where the engine has one. An UPDATE that finds no row
        # followed by an INSERT made InnoDB (MySQL, MariaDB) hold a gap lock in
        # between, and two units adding keys that fall in one gap deadlocked.
        name = self.conn.dialect.name
        if name in ("postgresql", "sqlite"):
            ins = _UPSERT[name](meta_t).values(key=key, value=value)
            self.conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[meta_t.c.key], set_={"value": ins.excluded.value}
                )
            )
        elif name in ("mysql", "mariadb"):
            ins = mysql.insert(meta_t).values(key=key, value=value)
            self.conn.execute(ins.on_duplicate_key_update(value=ins.inserted.value))
        else:  # another engine: portable SQL
            done = self.conn.execute(meta_t.update().where(meta_t.c.key == key).values(value=value))
            if done.rowcount == 0:
                self.conn.execute(meta_t.insert().values(key=key, value=value))

    def prefixed(self, prefix: str) -> Iterator[tuple[str, str]]:
        # LIKE narrows (its wildcards escaped); SQLite's LIKE ignores the case of ASCII
        # letters, so the prefix is compared again here, exactly
        where = meta_t.c.key.startswith(prefix, autoescape=True)
        for key, value in _pages(self.conn, [meta_t.c.key, meta_t.c.value], where):
            if key.startswith(prefix):
                yield str(key), str(value)

    def delete(self, keys: Iterable[str]) -> int:
        gone = 0
        for chunk in _chunks(keys):
            gone += self.conn.execute(meta_t.delete().where(meta_t.c.key.in_(chunk))).rowcount
        return gone


class _Allocator:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._held: dict[str, int] = {}  # keys whose row this unit has locked, and the value

    def next(self, key: str) -> int:
        return self.reserve({key: 1})[key]

    _BUMP = (
        seq_t.update()
        .where(seq_t.c.key == sa.bindparam("k"))
        .values(value=seq_t.c.value + sa.bindparam("n"))
    )

    def reserve(self, counts: Mapping[str, int]) -> dict[str, int]:
        """Bump every key's row (one ``executemany``), read the new values of the rows
        this unit had not locked yet (one query), insert the keys that had no row (one
        ``executemany`` in a savepoint). Each row stays locked until commit."""
        check_counts(counts)
        if not counts:
            return {}
        self.conn.execute(self._BUMP, [{"k": k, "n": n} for k, n in sorted(counts.items())])
        fresh = sorted(k for k in counts if k not in self._held)
        for k in counts:
            if k in self._held:  # the row is ours until commit: no need to read it
                self._held[k] += counts[k]
        if fresh:
            found = self._values(fresh)
            missing = [k for k in fresh if k not in found]
            if missing:
                try:
                    with self.conn.begin_nested():
                        self.conn.execute(
                            seq_t.insert(), [{"key": k, "value": counts[k]} for k in missing]
                        )
                    found.update({k: counts[k] for k in missing})
                except sa.exc.IntegrityError:  # another unit inserted one of them first
                    self.conn.execute(self._BUMP, [{"k": k, "n": counts[k]} for k in missing])
                    found.update(self._values(missing))
                    # ... and committed it after this unit's snapshot was taken
                    # (PostgreSQL's REPEATABLE READ): the row is there but not for us
                    lost = [k for k in missing if k not in found]
                    if lost:
                        raise _conflict("sequence", lost[0]) from None
            self._held.update(found)
        return {k: self._held[k] - n + 1 for k, n in counts.items()}

    def _values(self, keys: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for where in _key_filters(self.conn, seq_t.c.key, keys):
            q = sa.select(seq_t.c.key, seq_t.c.value).where(where)
            out.update({k: int(v) for k, v in self.conn.execute(q)})
        return out


class _UnitOfWork:
    """The repositories over one connection in one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.units = _Units(conn)
        self.schools = _Schools(conn)
        self.classes = _Classes(conn)
        self.students = _Students(conn)
        self.requests = _Requests(conn)
        self.log = _Log(conn)
        self.meta = _Meta(conn)
        self.allocator = _Allocator(conn)

    def forget(self) -> None:
        """Drop what this unit's repositories remember (after a savepoint rolled back)."""
        for cached in (self.units, self.schools, self.classes):
            cached.cache.clear()
            cached.every = None  # (a listing may hold a record the savepoint undid)
        self.log._last.clear()
        self.allocator._held.clear()


def _create_index(conn: Connection, table: sa.Table, name: str) -> None:
    """Create ``table``'s declared index ``name`` unless it exists (a migration that
    adds an index; step 1 already made it on a new database)."""
    next(i for i in table.indexes if i.name == name).create(conn, checkfirst=True)


def _index_numbers_by_student(conn: Connection) -> None:
    """Schema 2: look a student's numbers up by student (an update re-indexes them;
    without it every update scanned the whole numbers table)."""
    _create_index(conn, numbers_t, "ix_xueji_student_numbers_student")


def _index_open_requests(conn: Connection) -> None:
    """Schema 4: page through the open requests in key order (``requests.open()``, the
    rollover's look at open transfers) on an index that holds them in that order;
    without it each page sorted every open request again."""
    _create_index(conn, requests_t, "ix_xueji_requests_open")


def _check_encoding(conn: Connection) -> None:
    """Refuse a PostgreSQL database not in UTF-8 (MySQL and MariaDB tables are
    converted by schema 3; SQLite is always UTF-8)."""
    if conn.dialect.name != "postgresql":
        return
    encoding = str(conn.exec_driver_sql("SHOW server_encoding").scalar())
    if encoding.upper().replace("-", "") != "UTF8":
        raise XuejiError(
            "storage.encoding",
            f"数据库编码为 {encoding} 而非 UTF8，中文无法可靠存放：请以 ENCODING 'UTF8' 创建数据库",
            f"the database's encoding is {encoding}, not UTF8: Chinese text cannot be stored "
            "reliably; create the database with ENCODING 'UTF8'",
        )


def _schema_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table(schema_t.name):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema_t.c.version))).scalar() or 0)


_SCHEMA_LOCK = "xueji.schema"
"""The start of the name of the lock :meth:`SqlStore.migrate` holds while it upgrades
(MySQL and MariaDB ``GET_LOCK``: see :func:`_schema_lock_name`; PostgreSQL's advisory
lock takes a number, :data:`_SCHEMA_LOCK_ID`, and is the database's own)."""
_SCHEMA_LOCK_ID = 0x7875656A69  # "xueji" in ASCII
_SCHEMA_LOCK_WAIT_S = 600
"""How long a process waits for another's upgrade (MySQL and MariaDB; PostgreSQL waits
as long as its ``lock_timeout``, by default without end)."""


def _schema_lock_name(conn: Connection) -> str:
    """The schema lock's name on MySQL and MariaDB: ``xueji.schema.`` + the database's
    name. ``GET_LOCK`` names are the server's, not the database's (PostgreSQL's
    advisory locks are the database's), so under one name the upgrade of one database
    kept every other database of the server waiting, and a process opening its store
    gave up (``storage.schema_locked``) while another database was upgraded. A name
    longer than MySQL's 64 characters is shortened to a digest of the database's."""
    database = str(conn.exec_driver_sql("SELECT DATABASE()").scalar() or "")
    name = f"{_SCHEMA_LOCK}.{database}"
    if len(name) > 64:
        name = f"{_SCHEMA_LOCK}.{hashlib.sha256(database.encode()).hexdigest()[:40]}"
    return name


@contextmanager
def _schema_lock(conn: Connection) -> Iterator[None]:
    """Hold the schema lock on ``conn`` (a session lock, taken and released outside
    the upgrade's transaction). SQLite needs none: its upgrade starts with ``BEGIN
    IMMEDIATE``, which waits for any other writer."""
    name = conn.dialect.name
    if name == "postgresql":
        take = sa.text("SELECT pg_advisory_lock(:lock)")
        free = sa.text("SELECT pg_advisory_unlock(:lock)")
        arg: dict[str, Any] = {"lock": _SCHEMA_LOCK_ID}
    elif name in ("mysql", "mariadb"):
        take = sa.text("SELECT GET_LOCK(:lock, :wait)")
        free = sa.text("SELECT RELEASE_LOCK(:lock)")
        arg = {"lock": _schema_lock_name(conn), "wait": _SCHEMA_LOCK_WAIT_S}
    else:
        yield
        return
    got = conn.execute(take, arg).scalar()
    conn.commit()
    if got == 0:  # MySQL: timed out (PostgreSQL raises instead)
        raise ConcurrencyConflict(
            "storage.schema_locked",
            f"另一进程升级数据库结构超过 {_SCHEMA_LOCK_WAIT_S} 秒",
            f"another process has been upgrading the schema for over {_SCHEMA_LOCK_WAIT_S} s",
        )
    try:
        yield
    finally:
        try:
            if conn.in_transaction():
                conn.rollback()
            conn.execute(free, {"lock": arg["lock"]})
            conn.commit()
        except sa.exc.DBAPIError:  # pragma: no cover - the connection is gone: so is the lock
            conn.invalidate()


_EXACT_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")
"""MySQL and MariaDB collations that compare text exactly, best first: the first two
also count trailing spaces (``NO PAD``; MariaDB 10.2+, MySQL 8.0); ``utf8mb4_bin``,
which every MySQL-compatible engine has, ignores them."""


def _exact_text(conn: Connection) -> None:
    """Schema 3: on MySQL and MariaDB, every table in ``utf8mb4`` with a binary
    collation, so that keys compare exactly as on SQLite and PostgreSQL. A table
    takes the server's default otherwise, usually case-insensitive
    (``utf8mb4_general_ci``): ``idem:form-1`` and ``idem:FORM-1`` were one
    idempotency key there, and a second command silently a repeat of the first; on a
    ``latin1`` server Chinese text could not be stored at all. Other engines: nothing
    to do. A table added by a later schema must be converted likewise."""
    _convert_to_exact_text(conn, metadata.sorted_tables)


def _convert_to_exact_text(conn: Connection, tables: Iterable[sa.Table]) -> None:
    """On MySQL and MariaDB, convert ``tables`` to ``utf8mb4`` with the first binary
    collation of :data:`_EXACT_COLLATIONS` the server has (schema 3's change, for a
    table a later schema adds); other engines: nothing to do."""
    if conn.dialect.name not in ("mysql", "mariadb"):
        return
    names = ", ".join(f"'{c}'" for c in _EXACT_COLLATIONS)
    found = {
        c
        for (c,) in conn.exec_driver_sql(
            f"SELECT COLLATION_NAME FROM information_schema.COLLATIONS "
            f"WHERE COLLATION_NAME IN ({names})"
        )
    }
    collation = next((c for c in _EXACT_COLLATIONS if c in found), "utf8mb4_bin")
    for table in tables:
        conn.exec_driver_sql(
            f"ALTER TABLE {table.name} CONVERT TO CHARACTER SET utf8mb4 COLLATE {collation}"
        )


_Added = tuple[sa.Table, str, str, Any, Callable[[Any], Any]]
"""A column a migration adds: its table, name, default as SQL, that default as read
back, and how a row's value is read from its document (:func:`_add_columns`)."""

_ADDED_TO_SCHEMA_1: tuple[_Added, ...] = (
    (students_t, "stage", "''", "", lambda doc: Stage(doc["stage"]).value),
    (classes_t, "grade", "0", 0, lambda doc: int(doc["grade"])),
)
"""Columns the tables of schema 1 gained after the first databases were written (the
set-based rollover reads them), with the default that fills them while they are
added (as SQL, and as the value read back: no record holds it) and how each row's
value is read from its document."""


def _add_columns(conn: Connection, added: Sequence[_Added], *, held: bool = False) -> None:
    """Add each column of ``added`` (:data:`_Added`) that a table lacks, with
    its default, and fill every row still holding the default from its document, a
    page at a time (see :func:`_schema_1_columns` for why a column found is filled
    too). A document that cannot be read, or holds no valid value (a kind edited by
    hand into text no kind is, perhaps too long for the column: a server would refuse
    it and stop the upgrade), keeps the default: the row's first read reports it
    (:class:`CorruptRecord`), and the other rows are read as ever. A row whose
    document gives the default is left as it is (nothing to write).

    ``held``: the default is a value a record may hold (a flag's false, schema 10),
    so a row holding it may be one a writer set after its page was read; a row is
    then written only while its document is still the one read (a writer writes the
    column and the document together)."""
    have = sa.inspect(conn)
    for table, name, default, unset, read in added:
        column = table.c[name]
        found = {c["name"]: c for c in have.get_columns(table.name)}.get(name)
        if found is None:
            kind = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {table.name} ADD COLUMN {name} {kind} NOT NULL DEFAULT {default}"
            )
        key = next(iter(table.primary_key.columns))
        # only a row still holding the default: on MariaDB the ALTER TABLE has committed,
        # and a writer may have set the column (and changed the document) since this
        # page was read; its value is the newer one
        unchanged = [table.c.doc == sa.bindparam("d")] if held else []
        fill = (
            table.update()
            .where(key == sa.bindparam("k"), column == unset, *unchanged)
            .values({name: sa.bindparam("v")})
        )
        rows = []
        for k, doc in _pages(conn, (key, table.c.doc), column == unset):
            try:
                value = read(_decode(doc))
            except (ValueError, TypeError, KeyError):
                continue  # keeps the default: the row's first read reports it (CorruptRecord)
            if value == unset:
                continue  # (a flag's false: the default holds it)
            rows.append({"k": k, "v": value, **({"d": doc} if held else {})})
            if len(rows) == STREAM_BATCH:
                conn.execute(fill, rows)
                rows = []
        if rows:
            conn.execute(fill, rows)
        defaulted = found is None or found.get("default") is not None  # (added now, or
        # found so by an upgrade cut off before; a new database's step 1 made it without)
        if defaulted and conn.dialect.name != "sqlite":  # (SQLite cannot change one)
            # as a new database has it: no default. An older xueji process still
            # running, which writes no value here, then fails loudly instead of
            # writing a row that this version reports as corrupt (docs/storage.md)
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ALTER COLUMN {name} DROP DEFAULT")


def _schema_1_columns(conn: Connection) -> None:
    """Schema 5: the columns of :data:`_ADDED_TO_SCHEMA_1`, on a database whose
    schema-1 tables were created without them (by the first release of the SQL store).
    Each is added with a default and then filled from each row's document, a page at
    a time; a database that has them (any created since) is left as it is. Before this
    step such a database was upgraded to schema 4 and then failed on every read of a
    student (``no such column``).

    The rows still holding the default are filled whether the column was added now
    or found: MariaDB and MySQL commit an ``ALTER TABLE`` at once, so an upgrade cut
    off while filling (a connection lost) left the column, full of defaults, and no
    schema 5 row; the next upgrade found the column and skipped the fill, and every
    student read failed. No record holds the default (no stage ``''``, no grade 0),
    so on any other database the fill finds nothing to do."""
    _add_columns(conn, _ADDED_TO_SCHEMA_1)


_ADDED_IN_SCHEMA_6: tuple[_Added, ...] = (
    (requests_t, "kind", "''", "", lambda doc: RequestKind(doc["kind"]).value),
    (requests_t, "state", "''", "", lambda doc: RequestState(doc["state"]).value),
)
"""The request columns of schema 6, as :data:`_ADDED_TO_SCHEMA_1` (no request has an
empty kind or state)."""


def _request_kind_state(conn: Connection) -> None:
    """Schema 6: each request's kind and state as columns, written from its document
    (and checked against it on every read, like the other mirrored columns), with an
    index on both in key order: ``requests.of_kind`` (the Art 27 dropouts of a term)
    reads the requests it wants instead of every request of the province. The
    columns are filled from each row's document as :func:`_add_columns` does."""
    _add_columns(conn, _ADDED_IN_SCHEMA_6)
    _create_index(conn, requests_t, "ix_xueji_requests_kind")


def _index_seats_by_grade(conn: Connection) -> None:
    """Schema 7: the class-size index (``count_in_class``) on ``(class_id, grade,
    seat)``, in place of schema 1's ``(class_id, seat)``. A class counts only its seated
    students of its own grade (a student held at the rollover names the class that
    went up, and takes no seat in it); the count reads the index alone, as before.
    The new index is made before the old one is dropped: an upgrade cut off between
    the two (MariaDB's DDL commits at once) leaves both, and the next drops the old."""
    _create_index(conn, students_t, "ix_xueji_students_class")
    old = "ix_xueji_students_seat"
    if old in {ix["name"] for ix in sa.inspect(conn).get_indexes(students_t.name)}:
        on = f" ON {students_t.name}" if conn.dialect.name in ("mysql", "mariadb") else ""
        conn.exec_driver_sql(f"DROP INDEX {old}{on}")


def _flag(name: str) -> Callable[[Any], bool]:
    """How schema 10 reads a student's flag from its document: ``true`` or ``false``
    (absent: false, the field's default); anything else is no valid value."""

    def read(doc: Any) -> bool:
        value = doc.get(name, False)
        if type(value) is not bool:
            raise ValueError(name)
        return value

    return read


_ADDED_IN_SCHEMA_10: tuple[_Added, ...] = (
    (students_t, "migrant", "false", False, _flag("migrant")),
    (students_t, "special_needs", "false", False, _flag("special_needs")),
)
"""The student columns of schema 10, as :data:`_ADDED_IN_SCHEMA_6`; their default,
false, is a value most records hold (hence :func:`_add_columns`'s ``held``)."""


def _student_flags(conn: Connection) -> None:
    """Schema 10: each student's migrant (随迁子女) and special-needs (残疾学生) flags as
    columns, written from its document (and checked against it on every read, like
    the other mirrored columns): ``students.tally_flags`` counts them in the Art 28
    statistics' one GROUP BY instead of reading every record. The columns are filled
    from each row's document as :func:`_add_columns` does, a row written only while
    its document is the one read. Idempotent: an upgrade cut off while filling
    (MariaDB's DDL commits at once) is finished by the next, which finds the columns
    and fills the rows still false."""
    _add_columns(conn, _ADDED_IN_SCHEMA_10, held=True)


def _newer_documents(conn: Connection) -> None:
    """Schema 8: no table changes. The documents of this version hold fields an older
    xueji does not know and would drop when it rewrites a record (a request step's
    ``due``, the deadline a late decision missed; a transfer's ``held_at_rollover``,
    the years a rollover held its student; a dropout's school, grade, 户籍 and migrant
    mark as at its approval): the Art 32 report would lose a late decision, and a
    held student would stay a year behind. The version makes an older xueji refuse the
    database (``SchemaTooNew``) instead; a database of schema 7 needs nothing done."""


def _shared_codes(conn: Connection) -> None:
    """Schema 9: the shared code table (:data:`codes_t`), created where missing (in
    ``utf8mb4`` with an exact collation on MySQL and MariaDB, as schema 3 made the
    others) and filled with every unit's and then every school's code not in it
    yet. A database that holds a unit and a school under one code (written before
    the registry refused it) keeps both records; the table names the unit, and
    adding either code again is refused. Idempotent: an upgrade cut off part way
    (MariaDB's DDL commits at once) is finished by the next."""
    codes_t.create(conn, checkfirst=True)
    _convert_to_exact_text(conn, (codes_t,))
    have = {code for (code,) in conn.execute(sa.select(codes_t.c.code))}
    for table, kind in ((units_t, "unit"), (schools_t, "school")):
        rows = []
        for (code,) in conn.execute(sa.select(table.c.code).order_by(table.c.code)):
            if code not in have:
                have.add(code)
                rows.append({"code": code, "kind": kind})
        for i in range(0, len(rows), STREAM_BATCH):
            conn.execute(codes_t.insert(), rows[i : i + STREAM_BATCH])


MIGRATIONS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, lambda conn: metadata.create_all(conn)),
    (2, _index_numbers_by_student),
    (3, _exact_text),
    (4, _index_open_requests),
    (5, _schema_1_columns),
    (6, _request_kind_state),
    (7, _index_seats_by_grade),
    (8, _newer_documents),
    (9, _shared_codes),
    (10, _student_flags),
)
"""Ordered migrations: (version, step). A new schema version appends a step. Step 1
creates the tables as the code now declares them, so the later steps must be
idempotent (they find their change made already on a new database)."""


NO_JIT = "SELECT set_config('jit', 'off', false) FROM pg_settings WHERE name = 'jit'"
"""Run by each PostgreSQL session of :meth:`SqlStore.from_url` (unless the host gives
its own libpq ``options`` in ``connect_args``): no JIT compilation. xueji's statements
are index look-ups, and on a table without statistics the planner overestimates a
probe of 5,000 keys (3 ms) past ``jit_above_cost`` and compiles it first (75 ms).
A server without the setting (before PostgreSQL 11, or a compatible engine without
JIT) is left alone."""


def _postgres_setup(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        cur.execute(NO_JIT)
        cur.close()
        dbapi_connection.commit()  # a setting made in a rolled-back transaction reverts


@functools.cache
def _pymysql_lifts() -> bool:
    """Whether this PyMySQL keeps its read bound where :func:`_pymysql_setup` lifts it
    (``Connection._read_timeout``, read again at every packet: PyMySQL 1.0 to 1.1).
    If not, no bound is set for the greeting either: an unbounded greeting is better
    than every later statement cut off."""
    try:
        import pymysql
    except ImportError:  # not installed: create_engine says so (storage.bad_url)
        return False
    return "_read_timeout" in vars(pymysql.connections.Connection(defer_connect=True))


def _pymysql_setup(engine: Engine) -> None:
    """Lift the read bound :meth:`SqlStore.from_url` gave a PyMySQL connection for its
    making. PyMySQL's ``connect_timeout`` covers the TCP connection only; the server's
    greeting, the login and ``SET NAMES`` are read with its ``read_timeout``, by
    default none: a port that takes the connection and never greets (a hung server, a
    proxy with nothing behind it, another service) held the command, and the
    application's start, for ever. Each connection is made with ``read_timeout`` at
    :data:`CONNECT_TIMEOUT_S` (its ``connect_args``), and its reads are unbounded
    again once it is made (PyMySQL sets the socket's timeout from ``_read_timeout``
    at every read), so that a long report or rollover is not cut off. Only the
    ``connect`` event is used: a host's own ``do_connect`` listener (fresh
    credentials per connection) still runs."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection._read_timeout = None


_READ_ONLY = "xueji_read_only"
"""The execution option of a connection that only reads (:meth:`SqlStore.reading`,
the schema check): on SQLite its transaction begins deferred, taking no write lock,
and in WAL mode it reads a snapshot while writers go on."""


def _sqlite_setup(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_connection.cursor()
        # the wait first: setting WAL mode needs the lock, and waited sqlite3's 5 s
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        # a province's indexes outgrow SQLite's default 2 MB page cache: 64 MB per
        # connection keeps bulk writes from going to disk for every index page
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")  # a snapshot at its first read; no lock held
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # writers queue, not fail to upgrade


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()
"""The engines of the live stores, whose pools a forked child gives up (below)."""


def _forget_pools_in_child() -> None:
    """In a child made by ``os.fork()`` (a web server's preloaded workers, a
    ``multiprocessing`` pool): drop the pooled connections copied from the parent
    without closing them (they are the parent's), so the child opens its own.
    Shared, they broke both processes' sessions (SQLAlchemy: "Using Connection Pools
    with Multiprocessing or os.fork()")."""
    for engine in list(_ENGINES):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pools_in_child)


def _sqlite_has_registry(path: Path, shown: str) -> bool:
    """Whether the SQLite file at ``path`` (which exists) holds xueji's schema table,
    read through a plain connection of the standard library that sets nothing: no
    WAL mode written into the header, and, as the last connection to close, no
    ``-wal``/``-shm`` files left beside a file in WAL mode (a read-only connection
    cannot remove them). A lock held past the busy timeout is :class:`StoreBusy`."""
    import sqlite3

    try:
        conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (schema_t.name,)
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as e:
        if getattr(e, "sqlite_errorname", None) in _WAITED_SQLITE:
            raise _busy() from None
        raise _cannot_open(shown, _first_line(e)) from None
    return found is not None


def _parsed_url(url: str) -> sa.engine.URL:
    """``url`` parsed; text that is not a database URL is ``storage.bad_url``. A URL
    whose port is not a number is said to be one, shown with its password as ``***``
    (the generic message suggested a SQLite URL to someone who typed a server's)."""
    try:
        return sa.engine.make_url(url)
    except ValueError as e:  # a port that is no number: the rest parsed
        # the password up to the last @ before the path (it may hold an @ of its own),
        # and one given as a query option (found by the privacy review)
        shown = re.sub(r"(://[^:/@]*:).*@", r"\1***@", url)
        shown = re.sub(r"([?&](?:password|passwd|pwd)=)[^&#]*", r"\1***", shown, flags=re.I)
        raise XuejiError(
            "storage.bad_url",
            f"数据库地址的端口不是数字：{shown}",
            f"the port of the database URL is not a number: {shown}",
        ) from e
    except sa.exc.ArgumentError as e:
        raise XuejiError(
            "storage.bad_url",
            "不是数据库地址（例如 sqlite:///学籍.db）",
            "not a database URL (e.g. sqlite:///registry.db)",
        ) from e


SQLITE_DRIVER_OPTIONS = frozenset({"uri", "detect_types", "check_same_thread", "cached_statements"})
"""The options of a SQLite URL the store passes on to the driver (``sqlite3.connect``).
``timeout`` and ``isolation_level`` are not among them: the store sets the busy wait
(:data:`SQLITE_BUSY_TIMEOUT_MS`) and begins its transactions itself, so either would be
overridden."""

SQLITE_URI_OPTIONS = frozenset({"mode", "cache", "vfs", "immutable", "nolock", "psow", "modeof"})
"""SQLite's own URI parameters (``?mode=ro``), taken only with ``uri=true``: without it
the driver ignored them (``sqlite:///x.db?mode=ro`` opened the file for writing)."""


def _sqlite_options(url: str, parsed: sa.engine.URL) -> None:
    """Refuse an option of a SQLite URL the store does not use (``storage.bad_url``):
    SQLAlchemy dropped it with a warning and the store opened as if it were absent."""
    uri = parsed.query.get("uri")
    as_uri = isinstance(uri, str) and sa.util.asbool(uri)
    allowed = SQLITE_DRIVER_OPTIONS | (SQLITE_URI_OPTIONS if as_uri else frozenset())
    unused = sorted(set(parsed.query) - allowed)
    path = parsed.database or ""
    if as_uri and set(parsed.query) & SQLITE_URI_OPTIONS and not path.startswith("file:"):
        # the driver reads a URI only from a file: name: it opened a new, writable
        # file called "x.db?mode=ro" (found by the session review)
        shown = _shown(url, parsed)
        raise XuejiError(
            "storage.bad_url",
            f"SQLite 的 URI 参数须写在 file: 地址中（sqlite:///file:x.db?mode=ro&uri=true）：{shown}",
            "SQLite URI options need a file: name (sqlite:///file:x.db?mode=ro&uri=true): " + shown,
        )
    if not unused:
        return
    names = ", ".join(unused)
    shown = _shown(url, parsed)
    zh_hint, en_hint = "", ""
    if not as_uri and set(unused) & SQLITE_URI_OPTIONS:
        zh_hint = "；SQLite 的 URI 参数需同时写 uri=true（sqlite:///file:x.db?mode=ro&uri=true）"
        en_hint = (
            "; SQLite URI options need uri=true as well (sqlite:///file:x.db?mode=ro&uri=true)"
        )
    raise XuejiError(
        "storage.bad_url",
        f"SQLite 学籍库不使用数据库地址的参数 {names}：{shown}{zh_hint}",
        f"the SQLite store does not use the URL option{'s' if len(unused) > 1 else ''} {names}: {shown}{en_hint}",
    )


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names, as SQLAlchemy reads it (a query string, a
    ``file:`` URI and percent-escapes included); None for another database, an
    in-memory one, or text that is not a URL. The CLI uses it to refuse an output
    path that is the store's own file."""
    try:
        parsed = _parsed_url(url)
    except XuejiError:
        return None
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or path in (None, "", ":memory:"):
        return None
    uri = parsed.query.get("uri")
    if path.startswith("file:") and isinstance(uri, str) and sa.util.asbool(uri):
        path = path[len("file:") :]  # sqlite:///file:x.db?uri=true (without: a file:x.db)
        return None if path.startswith(":memory:") else path
    return path


def _shown(url: str, parsed: sa.engine.URL) -> str:
    """``url`` as a message shows it: with its password as ``***``; a SQLite URL as
    typed (it holds no password, and SQLAlchemy would percent-encode a path in
    Chinese or with spaces past recognition), followed by the file's absolute path
    when that is not what was typed (a relative path is taken from the current
    directory: a clerk who ran the command from another saw only ``x.db``).

    >>> import os
    >>> _shown("sqlite:///x.db", sa.engine.make_url("sqlite:///x.db")) == (
    ...     f"sqlite:///x.db ({os.path.realpath('x.db')})"
    ... )
    True
    """
    if parsed.get_backend_name() == "sqlite":
        file = sqlite_file(url)
        if file is None:
            return url
        try:
            where = str(Path(file).resolve())
        except (OSError, RuntimeError, ValueError):  # (a symlink loop, a NUL in the path)
            where = os.path.abspath(file)
        return url if where == file else f"{url} ({where})"
    return parsed.render_as_string(hide_password=True)


class SqlStore:
    """A :class:`~xueji.storage.protocols.Store` on a SQL database.

    A store may be made before ``os.fork()``: the child opens its own connections.
    """

    def __init__(self, engine: Engine, *, migrate: bool = True, check: bool = True) -> None:
        """A store on ``engine``. ``migrate``: create or upgrade the schema now
        (:meth:`migrate`). ``migrate=False`` leaves the schema as found but still reads
        its version (one query): a database of a newer xueji is refused
        (:class:`SchemaTooNew`), one of an older schema too (:class:`SchemaTooOld`:
        it would be misread), an empty one opens (``migrate`` or ``drop_all`` may
        follow; a unit of work on it is refused until it is made). ``check=False``
        skips that query (no connection is made on opening; a tear-down's
        ``drop_all`` of a test database whatever its schema): the first unit of work
        reads the version instead, and refuses one it cannot read."""
        self.engine = engine
        _ENGINES.add(engine)
        self._nested = threading.local()
        self._current = False  # the schema seen at SCHEMA_VERSION (no check needed)
        if migrate:
            self.migrate()
        elif check:
            with self._busy_is_conflict(), self._reader() as conn:
                current = _schema_version(conn)
            refused = _schema_refused(current) if current else None
            if refused is not None:
                raise refused
            self._current = current == SCHEMA_VERSION

    @classmethod
    def sqlite(cls, path: str | os.PathLike[str], **kw: Any) -> SqlStore:
        """The embedded store in a file (created if missing), in WAL mode.

        ``path`` is taken as it is, not as part of a URL: a ``?``, ``#`` or ``%20``
        in it names the file, as the shell would."""
        kw.setdefault("hide_parameters", True)  # a row's values in an error: see from_url
        engine = sa.create_engine(sa.engine.URL.create("sqlite", database=os.fspath(path)), **kw)
        _sqlite_setup(engine)
        return cls(engine)

    @classmethod
    def from_url(cls, url: str, *, migrate: bool = True, check: bool = True, **kw: Any) -> SqlStore:
        """A store for a SQLAlchemy URL (``sqlite:///path``, ``postgresql+psycopg://...``,
        ``mysql+pymysql://...``); ``kw`` goes to :func:`sqlalchemy.create_engine`.
        ``migrate`` and ``check`` as for the constructor (``migrate=False``: the schema
        is left as found, and a newer or older one refused).

        On a server, a pooled connection is tested as each unit of work takes it
        (``pool_pre_ping``): one the server closed (a restart, a failover, MySQL's
        ``wait_timeout`` after a night idle) is replaced instead of failing the next
        command. Pass ``pool_pre_ping=False`` to save its round trip."""
        parsed = _parsed_url(url)  # not a URL: storage.bad_url, not SQLAlchemy's error
        if parsed.get_backend_name() == "sqlite":
            _sqlite_options(url, parsed)  # (SQLAlchemy ignored the others with a warning)
        if url.startswith("postgresql"):
            # a snapshot per unit of work: a concurrent writer shows up as a conflict,
            # never as a half-seen state
            kw.setdefault("isolation_level", "REPEATABLE READ")
            # text as UTF-8 whatever the server's encoding, so that a database in
            # another is refused by migrate() in words rather than failing in the driver
            kw["connect_args"] = {"client_encoding": "utf8", **kw.get("connect_args", {})}
            if "connect_timeout" not in parsed.query:
                # a server that takes the connection and never answers: an error after
                # CONNECT_TIMEOUT_S, not libpq's TCP retries (130 s here) or longer
                kw["connect_args"].setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        lift = False
        if parsed.drivername.endswith("+pymysql"):
            args = dict(kw.get("connect_args", {}))
            if "connect_timeout" not in parsed.query:
                # (PyMySQL's default is 10 s too: set so that CONNECT_TIMEOUT_S is the bound)
                args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
            # the greeting bounded too, unless the host bounds every read itself
            given = "read_timeout" in parsed.query or "read_timeout" in args
            lift = not given and _pymysql_lifts()
            if lift:
                args["read_timeout"] = CONNECT_TIMEOUT_S  # lifted once made: _pymysql_setup
            kw["connect_args"] = args
        if not url.startswith("sqlite"):
            kw.setdefault("pool_pre_ping", True)
        # a driver error shows the statement without its values (a student's identity
        # number, in an error message or a logged traceback)
        kw.setdefault("hide_parameters", True)
        try:
            engine = sa.create_engine(url, **kw)
        except sa.exc.NoSuchModuleError as e:
            shown = _shown(url, parsed)
            raise XuejiError(
                "storage.bad_url",
                f"不支持的数据库类型：{shown}",
                f"unknown kind of database: {shown}",
            ) from e
        except (ValueError, sa.exc.ArgumentError) as e:  # an option it cannot take (?port=abc)
            raise _bad_option(e) from e
        except ImportError as e:  # the extra that brings the driver is not installed
            raise XuejiError(
                "storage.bad_url",
                f"缺少数据库驱动 {e.name}：postgres 扩展提供 postgresql+psycopg://，"
                "mysql 扩展提供 mysql+pymysql://（在 xueji 源码目录中 "
                "pip install -e '.[postgres]' 或 pip install -e '.[mysql]'）",
                f"the database driver {e.name} is not installed: the postgres extra brings "
                "postgresql+psycopg://, the mysql extra mysql+pymysql:// "
                "(pip install -e '.[postgres]' or pip install -e '.[mysql]' "
                "in a checkout of xueji)",
            ) from e
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        elif engine.dialect.name == "postgresql" and "options" not in kw.get("connect_args", {}):
            _postgres_setup(engine)  # a host's own session options are left as given
        elif lift:
            _pymysql_setup(engine)
        return cls(engine, migrate=migrate, check=check)

    @classmethod
    def open(cls, url: str, *, existing: bool = False, **kw: Any) -> SqlStore:
        """:meth:`from_url`, with what prevents opening said in one line a person can
        act on: a :class:`~xueji.errors.XuejiError` whose message shows the URL with
        its password as ``***`` (``xueji import``/``report --store`` use it). With
        ``existing``, a database that holds no xueji registry (no ``xueji_schema``
        table) is refused and left untouched, and a SQLite file that does not exist is
        not created: a mistyped path or URL would otherwise give an empty registry and
        an empty report, or add xueji's tables to another application's database.

        Codes: ``storage.bad_url`` (not a URL, an unknown kind of database, a driver
        not installed); ``storage.unavailable`` with the database's own reason (no
        such file or directory, a server not answering, a refused login); and the
        errors of :meth:`migrate` (``storage.encoding``, ``storage.schema_too_new``).
        """
        parsed = _parsed_url(url)
        if parsed.get_backend_name() == "sqlite":
            _sqlite_options(url, parsed)  # before the file is looked for
        shown = _shown(url, parsed)
        # the file (a ``file:`` URI's too: sqlite:///file:x.db?uri=true was refused
        # as no such file, and would have been asked as a new file named file:x.db)
        path = sqlite_file(url)
        if existing and path is not None and not Path(path).is_file():
            raise XuejiError(
                "storage.unavailable",
                f"数据库文件不存在：{shown}",
                f"no such database file: {shown}",
            )
        not_a_registry = XuejiError(
            "storage.unavailable",
            f"数据库中没有学籍库（无 {schema_t.name} 表）：{shown}",
            f"no xueji registry in the database (no {schema_t.name} table): {shown}",
        )
        asked = existing and path is not None
        # a file is asked before the store's own connections set it up (WAL mode is
        # written into the file): another application's file is left exactly as it was
        if asked and not _sqlite_has_registry(Path(str(path)), shown):
            raise not_a_registry
        try:
            # (existing: the version is read by migrate() below, once a registry is
            # found; an older one is upgraded)
            store = cls.from_url(url, migrate=not existing, check=False, **kw)
            if existing and not asked:  # a server's database (or SQLite in memory)
                with store._busy_is_conflict(), store._reader() as conn:
                    registry = sa.inspect(conn).has_table(schema_t.name)
                if not registry:
                    store.engine.dispose()
                    raise not_a_registry
            if existing:
                store.migrate()  # (found a registry: an older one is upgraded)
            return store
        except (sa.exc.DBAPIError, StorageError) as e:
            # (a driver error inside the schema's unit of work comes as a StorageError)
            driver = e.__context__ if isinstance(e, StorageError) else e
            raise _cannot_open(shown, _first_line(getattr(driver, "orig", driver))) from e

    def schema_version(self) -> int:
        """The schema version the database is at (0 for an empty database)."""
        with self._busy_is_conflict(), self._reader() as conn:
            return _schema_version(conn)

    def _reader(self) -> Connection:
        """A connection for reads only (:data:`_READ_ONLY`)."""
        return _connected(self.engine.connect).execution_options(**{_READ_ONLY: True})

    @staticmethod
    @contextmanager
    def _busy_is_conflict() -> Iterator[None]:
        """Driver errors leaving a unit of work as xueji's: one that means another
        transaction won (a serialization failure, a deadlock) as a
        :class:`ConcurrencyConflict`, which the Registry retries; one that means it
        held the database past the wait (SQLite's busy timeout, a lock wait timeout)
        as :class:`StoreBusy`, which it does not; any other as a
        :class:`StorageError`. Identity numbers in the messages of the errors
        behind an error are masked (a logged traceback prints them)."""
        try:
            yield
        except sa.exc.DBAPIError as e:
            _mask_chain(e)
            cause = _conflict_in(e)
            if cause is not None and _waited(cause):
                raise _busy() from e
            if cause is not None:
                raise _conflict("transaction", type(cause.orig).__name__) from e
            raise _storage_error(e) from None
        except XuejiError as e:
            _mask_chain(e)
            raise

    def migrate(self) -> int:
        """Create or upgrade the schema; refuse a database written by a newer version,
        and a PostgreSQL database whose encoding is not UTF-8 (it cannot hold Chinese
        text, or holds it unchecked: ``SQL_ASCII``).

        Safe when several processes open an old or empty database at once (the workers
        of a web application starting together): one upgrades it while the others
        wait on a lock (PostgreSQL: an advisory lock; MySQL and MariaDB: ``GET_LOCK``;
        SQLite: the write lock of ``BEGIN IMMEDIATE``), then find it upgraded. A
        database already at this version takes no lock.
        """
        with self._busy_is_conflict():
            version = self._migrate()
        self._current = True
        return version

    def _migrate(self) -> int:
        with self._reader() as conn:
            _check_encoding(conn)
            if _schema_version(conn) == SCHEMA_VERSION:
                return SCHEMA_VERSION
        with _connected(self.engine.connect) as conn, _schema_lock(conn), conn.begin():
            current = _schema_version(conn)  # again, under the lock
            if current > SCHEMA_VERSION:
                raise _too_new(current)
            for version, step in MIGRATIONS:
                if version > current:
                    step(conn)
                    conn.execute(
                        schema_t.insert().values(
                            version=version, applied_on=_dt.datetime.now(_dt.UTC).isoformat()
                        )
                    )
        return SCHEMA_VERSION

    def analyze(self) -> None:
        """Refresh the query planner's statistics of xueji's tables (``ANALYZE``;
        ``ANALYZE TABLE`` on MySQL and MariaDB).

        A bulk command's own look-ups of many keys are written not to depend on them
        (``docs/storage.md``), but every other plan does: a table that was never
        analyzed, or has grown tenfold since, gets plans that scan it whole, or not, by
        the luck of the estimate. Autovacuum (on by default) keeps them current;
        PostgreSQL's documentation advises an ``ANALYZE`` after a bulk load all the
        same (“Populating a Database”), and where autovacuum is off it is the only
        way. ``xueji import`` calls this after an import; a host application that
        imports through :meth:`~xueji.registry.Registry.enroll_many` may call it
        likewise.
        """
        names = [t.name for t in metadata.sorted_tables]
        with self._busy_is_conflict(), _connected(self.engine.connect) as conn, conn.begin():
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("ANALYZE")
            elif conn.dialect.name in ("mysql", "mariadb"):
                conn.exec_driver_sql(f"ANALYZE TABLE {', '.join(names)}").all()
            else:
                conn.exec_driver_sql(f"ANALYZE {', '.join(names)}")

    def drop_all(self) -> None:
        """Remove every xueji table (tests and tear-down), whatever the schema's
        version; a unit of work is refused (:class:`SchemaTooOld`) until
        :meth:`migrate` makes them again."""
        self._current = False
        with self._busy_is_conflict(), _connected(self.engine.connect) as conn, conn.begin():
            metadata.drop_all(conn)

    def in_unit_of_work(self) -> bool:
        """Whether the calling thread has a unit of work of this store open (a command
        run now would join it as a savepoint)."""
        return getattr(self._nested, "uow", None) is not None

    @contextmanager
    def unit_of_work(self) -> Iterator[_UnitOfWork]:
        """One transaction: committed on exit, rolled back on an exception. A unit opened
        inside another (same thread) joins it as a savepoint."""
        outer: _UnitOfWork | None = getattr(self._nested, "uow", None)
        if outer is not None:  # a savepoint: an inner failure undoes only the inner writes
            try:
                with outer.conn.begin_nested():
                    yield outer
            except BaseException:
                outer.forget()  # what the caches remember may have been undone
                raise
            return
        with self._unit_on(self.engine.connect) as uow:
            yield uow

    @contextmanager
    def _unit_on(self, connect: Callable[[], Connection]) -> Iterator[_UnitOfWork]:
        """A unit of work (the calling thread's) in one transaction of a connection from
        ``connect``, closed after; driver errors as xueji's (:meth:`_busy_is_conflict`),
        those of making the connection too (a server gone: ``storage.unavailable``)."""
        with self._busy_is_conflict(), _connected(connect) as conn, conn.begin():
            if not self._current:  # (opened with check=False, or on an empty database)
                refused = _schema_refused(_schema_version(conn))
                if refused is not None:
                    raise refused
                self._current = True
            uow = _UnitOfWork(conn)
            self._nested.uow = uow
            try:
                yield uow
            finally:
                self._nested.uow = None

    @contextmanager
    def reading(self) -> Iterator[_UnitOfWork]:
        """A unit of work for reads only: reports, exports, audits. On SQLite its
        transaction takes no write lock (``BEGIN``, not ``BEGIN IMMEDIATE``): it reads
        a snapshot of the database, in WAL mode, while commands go on writing, where a
        unit of work would hold every writer up for as long as the report runs. On a
        server it is an ordinary transaction (a snapshot on PostgreSQL). Nothing may
        be written in it (on SQLite a write would have to wait for the write lock,
        and could fail where a unit of work would have queued). Opened inside a unit
        of work, it is that unit."""
        outer: _UnitOfWork | None = getattr(self._nested, "uow", None)
        if outer is not None:
            yield outer
            return
        with self._unit_on(self._reader) as uow:
            yield uow
