"""The tamper-evident change log (Arts 19, 31, 32): hash chain, verification, checkpoints.

Every entry carries the hash of the entry before it in total order (``prev_hash``)
and of the same subject's entry before it (``prev_subject_hash``), and its own hash
over all its fields (``hash``, SHA-256 of a canonical JSON form). Altering, removing
or reordering any stored entry breaks a link that :func:`verify` reports, naming the
first entry affected. A :class:`Checkpoint` (the head hash at a sequence number) can
be exported to a higher authority, which can later prove that history up to it was
not rewritten (:func:`verify_checkpoint`), even by someone who recomputed every hash.

>>> import datetime as dt
>>> from xueji.model import ChangeEntry, Student
>>> a = seal(ChangeEntry(1, dt.date(2026, 9, 1), "school", "A", "enroll", "S1"), None, None)
>>> b = seal(ChangeEntry(2, dt.date(2026, 9, 2), "county", "340104", "register", "S1"), a, a)
>>> verify([a, b]).ok
True
>>> import attrs
>>> verify([a, attrs.evolve(b, command="forged")]).problem
'altered'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs

from xueji.errors import CorruptRecord
from xueji.masking import mask_ids
from xueji.model import ChangeEntry, FrozenDict, Request, Student

__all__ = [
    "Checkpoint",
    "Verification",
    "checkpoint",
    "digest_matches",
    "entry_hash",
    "make_entry",
    "record_digest",
    "record_digest_v1",
    "request_digest",
    "request_digest_matches",
    "seal",
    "verify",
    "verify_checkpoint",
]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry (and of a subject's first entry)."""

Problem = Literal[
    "altered", "removed", "reordered", "broken_link", "checkpoint_mismatch", "truncated"
]


_HASHED = tuple(f.name for f in attrs.fields(ChangeEntry) if f.name != "hash")


def _canonical_json(data: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8, only the escapes JSON requires: the bytes that are
    hashed. The standard library's form; orjson, when installed, gives the same bytes
    for the values an entry holds (text, integers, null) several times faster
    (``tests/test_audit.py`` checks the two agree)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _json_list(data: list[Any]) -> bytes:
    """A list of text, null, booleans, dates (as ISO 8601 text) and lists of them as
    compact UTF-8 JSON (what :func:`record_digest` hashes); orjson, when installed,
    gives the same bytes."""
    return json.dumps(
        data, ensure_ascii=False, separators=(",", ":"), default=_dt.date.isoformat
    ).encode()


_fast_json_list: Callable[[list[Any]], bytes] = _json_list
try:
    import orjson

    def _fast_canonical_json(data: dict[str, Any]) -> bytes:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)

    _fast_json_list = orjson.dumps
except ImportError:  # pragma: no cover - orjson comes with the sql extras
    _fast_canonical_json = _canonical_json


def _canonical(entry: ChangeEntry) -> bytes:
    """Every field but ``hash`` as sorted compact JSON: the same bytes as
    ``attrs.asdict`` would give, at a third of the cost."""
    data: dict[str, Any] = {name: getattr(entry, name) for name in _HASHED}
    data.update(on=entry.on.isoformat(), before=dict(entry.before))
    data["after"] = dict(entry.after)
    return _fast_canonical_json(data)


def entry_hash(entry: ChangeEntry) -> str:
    """SHA-256 over every field of ``entry`` but ``hash`` itself."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def seal(
    entry: ChangeEntry, previous: ChangeEntry | None, previous_of_subject: ChangeEntry | None
) -> ChangeEntry:
    """The entry with its links to its predecessors and its own hash."""
    return make_entry(
        entry.seq,
        entry.on,
        entry.actor_kind,
        entry.actor_unit,
        entry.command,
        entry.subject,
        entry.before,
        entry.after,
        entry.basis,
        entry.actor_name,
        previous,
        previous_of_subject,
    )


def make_entry(
    seq: int,
    on: _dt.date,
    actor_kind: str,
    actor_unit: str,
    command: str,
    subject: str,
    before: Mapping[str, str],
    after: Mapping[str, str],
    basis: str,
    actor_name: str,
    previous: ChangeEntry | None,
    previous_of_subject: ChangeEntry | None,
) -> ChangeEntry:
    """A new sealed entry from its fields (those of :class:`~xueji.model.ChangeEntry`
    in order, then the two predecessors), built once (a bulk import seals one entry
    per row). The hashed form is written out here for speed; :func:`entry_hash`
    derives it from the class's fields, and :func:`verify` checks the two agree.

    >>> e = make_entry(1, _dt.date(2026, 9, 1), "school", "A", "enroll", "S1", {},
    ...                {"grade": "1"}, "", "", None, None)
    >>> e.hash == entry_hash(e), e.prev_hash == GENESIS
    (True, True)
    """
    prev = previous.hash if previous else GENESIS
    prev_subject = previous_of_subject.hash if previous_of_subject else GENESIS
    before, after = FrozenDict(before), FrozenDict(after)  # (the entry's own, unchanged)
    canonical = _fast_canonical_json(
        {
            "seq": seq,
            "on": on.isoformat(),
            "actor_kind": actor_kind,
            "actor_unit": actor_unit,
            "command": command,
            "subject": subject,
            "before": before,
            "after": after,
            "basis": basis,
            "actor_name": actor_name,
            "prev_hash": prev,
            "prev_subject_hash": prev_subject,
        }
    )
    return ChangeEntry(
        seq,
        on,
        actor_kind,
        actor_unit,
        command,
        subject,
        before,
        after,
        basis,
        actor_name,
        prev,
        prev_subject,
        hashlib.sha256(canonical).hexdigest(),
    )


@attrs.frozen
class Verification:
    """The result of :func:`verify`: ok, or the first entry that does not hold."""

    ok: bool
    checked: int
    seq: int | None = None  # the first sequence number affected
    problem: Problem | None = None
    message_zh: str = ""
    message_en: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"变更记录完整（{self.checked} 条） (change log intact: {self.checked} entries)"
        return f"{self.message_zh} ({self.message_en})"


def _fail(checked: int, seq: int, problem: Problem, zh: str, en: str) -> Verification:
    return Verification(False, checked, seq, problem, zh, en)


def verify(entries: Iterable[ChangeEntry]) -> Verification:
    """Check the whole chain in stored order; report the first entry that breaks it.

    * ``altered``: an entry's content no longer matches its hash;
    * ``removed``: a sequence number is missing (the entry after the gap is named);
    * ``reordered``: entries are out of sequence order;
    * ``broken_link``: an entry's hash is intact but does not follow its predecessor
      (an entry was replaced by a re-hashed forgery, or the subject chain was cut).
      The entry named is the first whose link fails; the message says which link
      (to the entry before it, or to its subject's previous entry) and so which
      entry is the suspect: a forgery re-sealed in place breaks the link of the
      entry after it, not its own.

    One pass over ``entries``, which may be a stream (``ChangeLog.stream``): it keeps
    each subject's last hash, not the entries, so a province's log is never held in
    memory at once.
    """
    return _walk(entries, None)[0]


def _walk(entries: Iterable[ChangeEntry], want: int | None) -> tuple[Verification, str | None]:
    """:func:`verify`, and the hash of entry ``want`` (None if not met)."""
    expected = 1
    previous = GENESIS
    last_of: dict[str, str] = {}  # each subject's last hash
    found: str | None = None
    n = 0
    stream = iter(entries)
    while True:
        try:
            e = next(stream)
        except StopIteration:
            break
        except CorruptRecord as bad:  # a row edited by hand past reading: tampering
            # (reported, not raised: it hid the whole Art 32 report; the reading stops
            # here, as it does at any other broken entry)
            seq = int(bad.key) if bad.key.isdigit() else expected
            return _fail(
                n + 1,
                seq,
                "altered",
                f"第 {seq} 条变更记录无法读取（{bad.detail_zh}），已被改动",
                f"entry {seq} cannot be read ({bad.detail}): it was edited",
            ), found
        n += 1
        if e.seq != expected:
            # a later entry numbered as expected means the order, not a removal, broke
            if e.seq > expected and not _comes_later(stream, expected):
                return _fail(
                    n,
                    e.seq,
                    "removed",
                    f"第 {expected} 条变更记录缺失",
                    f"entry {expected} is missing",
                ), found
            return _fail(
                n,
                e.seq,
                "reordered",
                f"第 {e.seq} 条变更记录顺序错乱",
                f"entry {e.seq} is out of order (expected {expected})",
            ), found
        if entry_hash(e) != e.hash:
            return _fail(
                n, e.seq, "altered", f"第 {e.seq} 条变更记录被篡改", f"entry {e.seq} was altered"
            ), found
        if e.prev_hash != previous or e.prev_subject_hash != last_of.get(e.subject, GENESIS):
            return _broken_link(n, e, e.prev_hash != previous), found
        previous = last_of[e.subject] = e.hash
        if e.seq == want:
            found = e.hash
        expected += 1
    return Verification(True, n), found


def _comes_later(stream: Iterator[ChangeEntry], seq: int) -> bool:
    """Whether entry ``seq`` is further on in ``stream`` (read to it, or to the end).
    A row that cannot be read ends the reading (as in :func:`_walk`): it is entry
    ``seq`` if its key says so, and otherwise ``seq`` was not met and is counted
    missing (reported, not raised: the unreadable row hid the removal)."""
    try:
        return any(x.seq == seq for x in stream)
    except CorruptRecord as bad:
        return bad.key == str(seq)


def _broken_link(checked: int, e: ChangeEntry, in_order: bool) -> Verification:
    """``e`` intact but not linked to its predecessor: named (the first entry that
    fails), with the link that failed, whose other end is the suspect: an entry
    replaced by a re-sealed forgery breaks its successor's link, not its own."""
    if in_order and e.seq == 1:
        zh = "第 1 条变更记录不是变更记录的开头：其前面的记录被删除，或本条被替换"
        en = "entry 1 does not start the log: entries before it were removed, or it was replaced"
    elif in_order:
        p = e.seq - 1
        zh = f"第 {e.seq} 条变更记录与前一条不衔接：前一条（第 {p} 条）被替换或改动"
        en = f"entry {e.seq} does not follow its predecessor: entry {p} was replaced or altered"
    else:
        subject = mask_ids(e.subject)
        zh = (
            f"第 {e.seq} 条变更记录与对象 {subject} 的前一条记录不衔接："
            f"{subject} 的前一条记录被替换、改动或删除，或本条被改挂到 {subject}"
        )
        en = (
            f"entry {e.seq} does not follow the previous entry of subject {subject}: that "
            f"entry was replaced, altered or removed, or this one was moved to {subject}"
        )
    return _fail(checked, e.seq, "broken_link", zh, en)


@attrs.frozen
class Checkpoint:
    """The head of the log at a moment: export it to a higher authority (JSON)."""

    seq: int
    hash: str
    taken_on: _dt.date
    unit: str = ""

    def to_json(self) -> str:
        """The checkpoint as JSON."""
        return json.dumps(
            {
                "seq": self.seq,
                "hash": self.hash,
                "taken_on": self.taken_on.isoformat(),
                "unit": self.unit,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        """A checkpoint read back from :meth:`to_json`."""
        d = json.loads(text)
        return cls(
            int(d["seq"]),
            str(d["hash"]),
            _dt.date.fromisoformat(d["taken_on"]),
            str(d.get("unit", "")),
        )


def checkpoint(entries: Sequence[ChangeEntry], *, taken_on: _dt.date, unit: str = "") -> Checkpoint:
    """The checkpoint at the last entry (seq 0 and the genesis hash for an empty log);
    only the last entry is read, so ``[log.last()]`` will do."""
    if not entries:
        return Checkpoint(0, GENESIS, taken_on, unit)
    return Checkpoint(entries[-1].seq, entries[-1].hash, taken_on, unit)


def verify_checkpoint(entries: Iterable[ChangeEntry], cp: Checkpoint) -> Verification:
    """Verify the chain and that it still passes through the checkpoint (one pass;
    ``entries`` may be a stream).

    Besides :func:`verify`'s problems:

    * ``truncated``: the chain links but ends before the checkpoint's entry: the
      newest entries were removed (``seq`` names the first of them);
    * ``checkpoint_mismatch``: the checkpoint's entry is there but is not the one
      certified: history up to it was rewritten and re-sealed.

    >>> a = make_entry(1, _dt.date(2026, 9, 1), "school", "A", "enroll", "S1", {}, {},
    ...                "", "", None, None)
    >>> b = seal(attrs.evolve(a, seq=2), a, a)
    >>> cp = checkpoint([b], taken_on=_dt.date(2026, 9, 2))
    >>> verify_checkpoint([a, b], cp).ok
    True
    >>> print(verify_checkpoint([a], cp).message_en)
    the log ends at entry 1, before the checkpoint at 2 of 2026-09-02: the newest entries were removed
    """
    result, at = _walk(entries, cp.seq or None)
    if not result.ok or cp.seq == 0:
        return result
    if at is None and result.checked < cp.seq:  # a chain that links ends at its count
        end = result.checked
        zh, en = (f"止于第 {end} 条", f"ends at entry {end}") if end else ("为空", "is empty")
        return _fail(
            end,
            end + 1,
            "truncated",
            f"变更记录{zh}，早于 {cp.taken_on} 第 {cp.seq} 条的检查点：最新的记录被删除",
            f"the log {en}, before the checkpoint at {cp.seq} of {cp.taken_on}: "
            "the newest entries were removed",
        )
    if at != cp.hash:
        return _fail(
            result.checked,
            cp.seq,
            "checkpoint_mismatch",
            f"第 {cp.seq} 条变更记录与 {cp.taken_on} 的检查点不符，历史被改写",
            f"entry {cp.seq} does not match the checkpoint of {cp.taken_on}: history was rewritten",
        )
    return result


# -- the records against the log (Art 32(三)) ----------------------------------------------

RECORD_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "guardian_id",
    "photo",
    "status",
    "school",
    "class_id",
    "stage",
    "numbers",
    "regional_number",
    "regional_numbers",
    "entry_date",
    "hukou_region",
    "migrant",
    "special_needs",
    "submitted",
)
"""The fields of a student record that :func:`record_digest` covers (version 2): those
that change only through a command that logs the change with the record's digest (the
key fields of Art 29 and their lock, ``submitted``; the status, the school, class and
stage, the entry date, 户籍, the migrant and special-needs marks; the number record,
with the 学籍号, its history and the numbers voided, and the 地区学号 with theirs).
Not the grade, which the rollover moves for the province in one statement with one
entry for the year (Art 18): the entries record it beside the digest, and
:meth:`xueji.registry.Registry.detect` follows it through the rollovers' entries. Nor
the version, the 学籍信息 entries of Art 17 or the consent."""

RECORD_FIELDS_V1 = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "guardian_id",
    "photo",
    "status",
    "school",
    "class_id",
    "stage",
    "registry_number",
    "regional_number",
)
"""What :func:`record_digest_v1` covers: the digest the log's entries carried before
version 2 (it left out, among others, the Art 29 lock ``submitted``)."""

DIGEST_VERSION = 2
"""The version of :func:`record_digest`, written before its hex as ``"2:"``; a version 1
digest (:func:`record_digest_v1`) is 32 hex characters with no prefix."""


def record_digest(student: Student) -> str:
    """The digest of a record's :data:`RECORD_FIELDS` and id, version 2: ``"2:"`` and
    32 hex characters (the first 128 bits of SHA-256 over their canonical JSON).

    Every change-log entry that writes a student record carries the digest of the
    record it wrote (``record_digest`` in ``after``), so the log, whose chain and
    checkpoints show it unaltered, also says what each record should hold now:
    :meth:`xueji.registry.Registry.detect` compares every record with the digest of its
    last entry (:func:`digest_matches`, by the version that entry wrote), and a record
    edited in the database, outside the library (a name, an identity number, a status,
    the lock of its key fields), is a finding of Art 32(三) (伪造、改动学籍数据). The log
    holds the digest, never the fields: its readers, who may read the records of their
    jurisdiction anyway, learn nothing new from it.

    >>> import datetime as dt
    >>> from xueji.lifecycle import StudentStatus
    >>> from xueji.policy import Stage
    >>> s = Student("S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.DRAFT, "张三", "M",
    ...             dt.date(2019, 3, 1), "340104", dt.date(2026, 9, 1))
    >>> d = record_digest(s)
    >>> d[:2], len(d), d == record_digest(attrs.evolve(s, grade=2))
    ('2:', 34, True)
    >>> [d == record_digest(attrs.evolve(s, **f)) for f in ({"name": "张珊"}, {"submitted": True})]
    [False, False]
    """
    photo, numbers = student.photo, student.numbers
    fields = [  # RECORD_FIELDS' order after the id: a list, so no keys to sort
        student.id,
        student.name,
        student.sex,
        student.birth_date,  # (a date: ISO 8601 text)
        student.id_number,
        student.guardian_id,
        None if photo is None else [photo.taken_on, photo.digest],
        student.status,  # (a StrEnum: its value)
        student.school,
        student.class_id,
        student.stage,
        None
        if numbers is None
        else [
            numbers.current.text,
            [[c.on, c.number.text, c.reason] for c in numbers.history],
            numbers.id_number,
            numbers.guardian_id,
            numbers.voided,  # (tuples are JSON arrays)
        ],
        student.regional_number,
        student.regional_numbers,
        student.entry_date,
        student.hukou_region,
        student.migrant,
        student.special_needs,
        student.submitted,
    ]
    return "2:" + hashlib.sha256(_fast_json_list(fields)).hexdigest()[:32]


def record_digest_v1(student: Student) -> str:
    """The version 1 digest (:data:`RECORD_FIELDS_V1` and id: 32 hex characters, no
    prefix), which the log's entries carried before version 2: what
    :func:`digest_matches` checks an entry of then against. New entries carry
    :func:`record_digest`."""
    photo = student.photo
    fields = [  # RECORD_FIELDS_V1's order after the id
        student.id,
        student.name,
        student.sex,
        student.birth_date.isoformat(),
        student.id_number,
        student.guardian_id,
        None if photo is None else [photo.taken_on.isoformat(), photo.digest],
        student.status,
        student.school,
        student.class_id,
        student.stage,
        student.registry_number,
        student.regional_number,
    ]
    return hashlib.sha256(_fast_json_list(fields)).hexdigest()[:32]


def digest_matches(student: Student, digest: str) -> bool:
    """Whether ``student`` holds what ``digest`` (an entry's ``record_digest``) says,
    by the version the entry wrote: ``"2:"`` and hex, :func:`record_digest`; 32 hex
    characters, :func:`record_digest_v1` (a log written before version 2 keeps
    verifying, each record by its last entry's version until a command writes it
    again). Any other form (a later version, or an edited value: an edit the chain
    shows) does not match.

    >>> import datetime as dt
    >>> from xueji.lifecycle import StudentStatus
    >>> from xueji.policy import Stage
    >>> s = Student("S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.DRAFT, "张三", "M",
    ...             dt.date(2019, 3, 1), "340104", dt.date(2026, 9, 1))
    >>> digest_matches(s, record_digest(s)), digest_matches(s, record_digest_v1(s))
    (True, True)
    >>> digest_matches(attrs.evolve(s, submitted=True), record_digest_v1(s))  # (not in v1)
    True
    >>> digest_matches(attrs.evolve(s, submitted=True), record_digest(s))
    False
    """
    if digest.startswith("2:"):
        return record_digest(student) == digest
    return len(digest) == 32 and record_digest_v1(student) == digest


REQUEST_UNSIGNED = frozenset({"held_at_rollover"})
"""The payload keys :func:`request_digest` leaves out: the rollover's mark on an open
transfer whose student it held (``held_at_rollover``, Art 18(2), under
``rollover_open_transfers = "hold"``), which the rollover writes on many requests in
one command with one entry for the year (whose ``held`` list names the students),
not an entry of each request's own."""


def request_digest(request: Request) -> str:
    """The digest of a request, version 1: ``"1:"`` and 32 hex characters (the first
    128 bits of SHA-256 over the canonical JSON of its fields).

    Every field but the version (which the store counts) and the payload keys of
    :data:`REQUEST_UNSIGNED`: the kind, the student, the state, the dates (opened,
    at this stage since, the stage's deadline), the schools and class, the reason,
    the payload (a correction's values, a destination, a date), the warnings of its
    filing, and the history with each step's note. Every change-log entry that
    writes a request carries the digest of the request it wrote (``request_digest``
    in ``after``), as an entry that writes a student record carries the record's
    (:func:`record_digest`): a request edited in the database, outside the library
    (a transfer's destination, a correction's value, a note, a state), no longer
    matches its last entry, which a decision, the deadline sweep and
    :meth:`xueji.registry.Registry.detect` check (Art 32(三): 伪造、改动学籍数据).

    >>> import datetime as dt
    >>> from xueji.model import RequestKind
    >>> from xueji.lifecycle import RequestState
    >>> r = Request("R1", RequestKind.TRANSFER, "S1", RequestState.AT_RECEIVING_SCHOOL,
    ...             dt.date(2026, 9, 1), dt.date(2026, 9, 1), to_school="B", to_class="B-1")
    >>> d = request_digest(r)
    >>> d[:2], len(d), d == request_digest(attrs.evolve(r, version=3))
    ('1:', 34, True)
    >>> d == request_digest(attrs.evolve(r, to_school="C"))
    False
    """
    fields = [  # a list, so no keys to sort
        request.id,
        request.kind,  # (a StrEnum: its value)
        request.student,
        request.state,
        request.opened_on,  # (a date: ISO 8601 text)
        request.stage_since,
        request.deadline,
        request.from_school,
        request.to_school,
        request.to_class,
        request.reason,
        sorted([k, v] for k, v in request.payload.items() if k not in REQUEST_UNSIGNED),
        request.warnings,
        [[e.on, e.actor, e.event, e.source, e.target, e.note, e.due] for e in request.history],
    ]
    return "1:" + hashlib.sha256(_fast_json_list(fields)).hexdigest()[:32]


def request_digest_matches(request: Request, digest: str) -> bool:
    """Whether ``request`` holds what ``digest`` (an entry's ``request_digest``) says,
    by the version the entry wrote (``"1:"``, :func:`request_digest`); any other form
    (a later version, or an edited value: an edit the chain shows) does not match."""
    return digest.startswith("1:") and request_digest(request) == digest


# -- Art 32: what a system can see --------------------------------------------------------

FindingKind = Literal[
    "late_entry",  # 未按规定及时录入: new students reviewed after the deadline (Art 15)
    "overdue_approval",  # 不能及时办理: a request still open past its deadline (Arts 24, 27)
    "default_approval",  # a party let its 20 working days pass (Art 24)
    "late_decision",  # a change decided after its deadline (Art 27: dropout review)
    "late_graduation",  # graduation work after 31 July (Art 18)
    "graduation_missing",  # a final-grade student not graduated past 31 July (Art 18)
    "altered_record",  # 伪造、改动学籍数据: the change log does not verify (Art 32(3))
]


@attrs.frozen
class Finding:
    """One thing Art 32 sanctions that the system saw, charged to a unit.

    ``detail`` says what was seen in English (kept so for the programs that read it);
    ``detail_zh`` says it in Chinese, for the report a unit is shown."""

    kind: FindingKind
    unit: str  # the school or authority responsible
    subject: str  # the request, student or log entry
    on: _dt.date
    detail: str = ""
    detail_zh: str = ""


@attrs.frozen
class Art32Report:
    """The findings of :meth:`xueji.registry.Registry.detect`, with the log's verdict."""

    on: _dt.date
    findings: tuple[Finding, ...]
    log: Verification

    def by_unit(self) -> dict[str, dict[str, int]]:
        """Counts of each kind of finding per responsible unit."""
        out: dict[str, dict[str, int]] = {}
        for f in self.findings:
            row = out.setdefault(f.unit, {})
            row[f.kind] = row.get(f.kind, 0) + 1
        return dict(sorted(out.items()))
