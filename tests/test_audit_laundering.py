"""Art 32(三): a record changed outside the registry and then written by a command.

Every entry that writes a student record carries the record's digest, and ``detect``
compares each record with its last entry's. A command that wrote a record changed in
the database used to seal the change into its own entry's digest ("digest
laundering"): the report then saw nothing. The command still goes ahead (a refusal
would stop legitimate work on a record nobody can repair), but its entry says the
record it found was not the one the log wrote (``altered_since``), its decision
warns (``audit.altered_before``), and ``detect`` reports the entry."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.conftest import PROVINCE, D, Province, authority, school_actor
from xueji import demo
from xueji.model import Actor, ActorKind, InfoEntry, InfoGroup, TransferReason
from xueji.registry import Outcome
from xueji.storage.memory import MemoryStore
from xueji.storage.sql import SqlStore

SHUSHAN = authority("340104")


def _province(kind: str, tmp_path: Path) -> Province:
    if kind == "sqlite":
        return Province(store=SqlStore.sqlite(str(tmp_path / "r.sqlite3")))
    return Province()


def _tamper(p: Province, student_id: str, tmp_path: Path, **changes: Any) -> None:
    """Edit a stored record by hand: on SQLite with the sqlite3 module, in the
    document of its row (the name is in the document alone; a mirrored column is
    set with it); on the memory store, its row."""
    if isinstance(p.store, MemoryStore):
        rows = p.store.students.t.rows
        rows[student_id] = attrs.evolve(rows[student_id], **changes)
        return
    conn = sqlite3.connect(tmp_path / "r.sqlite3")
    try:
        with conn:
            (text,) = conn.execute(
                "SELECT doc FROM xueji_students WHERE id = ?", (student_id,)
            ).fetchone()
            doc = json.loads(text)
            doc.update(changes)
            conn.execute(
                "UPDATE xueji_students SET doc = ? WHERE id = ?",
                (json.dumps(doc, ensure_ascii=False), student_id),
            )
            if "grade" in changes:  # (mirrored in its column, kept consistent)
                conn.execute(
                    "UPDATE xueji_students SET grade = ? WHERE id = ?",
                    (changes["grade"], student_id),
                )
    finally:
        conn.close()


def _altered(p: Province) -> list[Any]:
    return [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"]


def _marked_entry(p: Province, student_id: str) -> Any:
    (e,) = [e for e in p.reg.history(PROVINCE, student_id) if "altered_since" in e.after]
    return e


def _add_info(p: Province, student_id: str) -> Outcome:
    entry = InfoEntry(p.today(), "三好学生")
    return p.reg.add_info(school_actor("A"), student_id, InfoGroup.AWARD, entry)


def _correct(p: Province, student_id: str) -> Outcome:
    filed = p.reg.request_correction(
        school_actor("A"), student_id, {"name": "王五"}, "姓名登记有误"
    )
    assert filed.allowed, filed.decision
    assert filed.request is not None
    return p.reg.approve(SHUSHAN, filed.request.id)


LAUNDERERS = {"add_info": _add_info, "correction": _correct}


@pytest.mark.parametrize("command", sorted(LAUNDERERS))
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_record_altered_then_written_by_a_command_is_still_found(
    kind: str, command: str, tmp_path: Path
) -> None:
    """A name changed in the database, then a legitimate command writes the record
    (an information entry, Art 17; a correction approved, Art 29): the command goes
    ahead, its decision warns, and the report still finds the record, charged to its
    school, dated the command's day; before, the new entry's digest was the altered
    record's and the report saw nothing."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1, name="张三")
    clean = p.register("A", 1)
    assert _altered(p) == []
    _tamper(p, s.id, tmp_path, name="李四")
    assert [f.subject for f in _altered(p)] == [s.id]  # (seen before the command)
    p.at(D(2026, 10, 12))
    out = LAUNDERERS[command](p, s.id)
    assert out.allowed, out.decision  # marked, not blocked
    assert out.decision.codes == ("audit.altered_before",)
    warning = out.decision.warnings[0]
    assert str(warning.article).endswith("第三十二条第（三）项")
    assert warning.message_zh
    assert warning.message_en
    name = p.reg.student(PROVINCE, s.id).name  # (what it found, written on; corrected)
    assert name == ("王五" if command == "correction" else "李四")
    found = _altered(p)
    assert [(f.subject, f.unit, f.on) for f in found] == [(s.id, "A", D(2026, 10, 12))]
    assert "before" in found[0].detail
    assert "2026-10-12" in found[0].detail
    assert "2026-10-12" in found[0].detail_zh
    assert "李四" not in found[0].detail + found[0].detail_zh  # (not the changed value)
    assert "found on" not in found[0].detail  # (found the day it is dated: said as before)
    assert _marked_entry(p, s.id).after["found_on"] == "2026-10-12"
    county = [f for f in p.reg.detect(SHUSHAN).findings if f.kind == "altered_record"]
    assert [f.subject for f in county] == [s.id]
    # the record not changed by hand is never marked
    again = _add_info(p, clean.id)
    assert again.allowed
    assert again.decision.warnings == ()
    assert [f.subject for f in _altered(p)] == [s.id]
    # the mark is sealed into the entry (the chain verifies: it is not a broken log)
    marked = [e for e in p.log() if "altered_since" in e.after]
    assert [e.subject for e in marked] == [s.id]
    assert p.reg.detect(PROVINCE).log.ok


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_default_approval_of_an_altered_record_is_marked(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The deadline sweep (Art 24) approves a transfer by default and writes the
    record on: a record changed in the database before it is marked in the transfer's
    entry, said to the ``xueji.registry`` logger (the sweep returns no decision), and
    reported, charged to the school the record left and seen by the county it went
    to."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1, name="张三")
    other = p.register("A", 1)
    for student in (s, other):
        out = p.reg.request_transfer(
            school_actor("W"),
            student.id,
            to_school="W",
            to_class="W-1",
            reason=TransferReason.JOB_MOVE,
        )
        assert out.allowed, out.decision
    _tamper(p, s.id, tmp_path, name="李四")
    p.at(D(2027, 1, 4))  # every party's deadline has passed
    with caplog.at_level("WARNING", logger="xueji.registry"):
        changed = p.reg.advance_clock(Actor.system())
    assert len(changed) == 2
    assert {p.reg.student(PROVINCE, x.id).school for x in (s, other)} == {"W"}
    transfer = [e for e in p.reg.history(PROVINCE, s.id) if e.command == "transfer"]
    assert len(transfer) == 1
    assert "altered_since" in transfer[0].after
    assert all("altered_since" not in e.after for e in p.reg.history(PROVINCE, other.id))
    assert s.id in caplog.text
    assert other.id not in caplog.text
    assert "audit.altered_before" not in caplog.text  # (said, not coded)
    found = _altered(p)
    assert [(f.subject, f.unit, f.on) for f in found] == [(s.id, "A", transfer[0].on)]
    assert "transfer" in found[0].detail
    wuhu = [f.subject for f in p.reg.detect(authority("340202")).findings]
    assert s.id in wuhu  # (the county the record went to sees it too)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_grade_altered_then_written_is_marked_after_a_logged_read(
    kind: str, tmp_path: Path
) -> None:
    """The grade is outside the digest: a command compares it as the report does (the
    grade the last entry wrote, moved up by the rollovers since). Here it is changed
    in the database after a rollover, and the record's last entry is a logged read
    (``read_sensitive``, no digest): the command reads the subject's log back to the
    entry that wrote the record. A record moved up by the rollover alone is not
    marked."""
    p = _province(kind, tmp_path)
    s = p.register("A", 2)
    other = p.register("A", 2)
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(Actor.system(), 2027).allowed
    assert p.reg.student(PROVINCE, s.id).grade == 3
    assert _add_info(p, other.id).decision.warnings == ()  # (moved up by the rollover)
    _tamper(p, s.id, tmp_path, grade=4)
    p.reg.student(PROVINCE, s.id)  # (a read, logged: the last entry carries no digest)
    assert p.reg.history(PROVINCE, s.id)[-1].command == "read_sensitive"
    out = p.reg.regrade(authority("340104"), s.id, grade=3, class_id="A-3", reason="年级登记有误")
    assert out.allowed, out.decision
    assert out.decision.codes == ("audit.altered_before",)
    assert dict(out.decision.warnings[0].facts)["command"] == "regrade"
    assert [f.subject for f in _altered(p)] == [s.id]


def test_art32_a_rollover_completing_an_altered_record_warns() -> None:
    """The rollover's 结业 of the unfinished final grade (a policy's ``complete``)
    writes each record: an altered one is marked and the rollover's decision warns."""
    from xueji.articles import anhui
    from xueji.policy import ANHUI_2013, Param

    complete = attrs.evolve(
        ANHUI_2013, rollover_unfinished_final_grade=Param("complete", anhui(18))
    )
    p = Province(policies=(complete,))
    s, other = p.register("A", 6), p.register("A", 6)
    rows = p.store.students.t.rows
    rows[s.id] = attrs.evolve(rows[s.id], name="改名")
    p.at(D(2027, 8, 1))
    out = p.reg.rollover(Actor.system(), 2027)
    assert out.allowed
    altered = [w for w in out.decision.warnings if w.code == "audit.altered_before"]
    assert [dict(w.facts)["student"] for w in altered] == [s.id]
    assert [f.subject for f in _altered(p)] == [s.id]
    assert other.id not in {e.subject for e in p.log() if "altered_since" in e.after}


def test_art32_a_record_from_before_the_digests_is_not_marked() -> None:
    """A record whose entries carry no digest (a log written before them) is not
    compared by the report, and a command writing it is not marked: it has nothing
    to be compared with."""
    from xueji import audit

    p = Province()
    s = p.register("A", 1)
    rows = p.store.log.rows
    old: list[Any] = []
    last: dict[str, Any] = {}
    for e in rows:  # the log as an older library wrote it: no digests, sealed again
        after = {k: v for k, v in e.after.items() if k not in ("record_digest", "grade")}
        sealed = audit.seal(
            attrs.evolve(e, after=after), old[-1] if old else None, last.get(e.subject)
        )
        old.append(sealed)
        last[e.subject] = sealed
    rows[:] = old
    p.store.log.by_subject.clear()
    for e in old:
        p.store.log.by_subject.setdefault(e.subject, []).append(e)
    assert p.reg.verify_log(PROVINCE).ok
    students = p.store.students.t.rows
    students[s.id] = attrs.evolve(students[s.id], name="改名")
    out = _add_info(p, s.id)
    assert out.allowed
    assert out.decision.warnings == ()
    assert "altered_since" not in p.reg.history(PROVINCE, s.id)[-1].after
    assert _altered(p) == []  # (from the next command on, it is compared)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_school_year_of_untouched_records_is_never_marked(
    kind: str, tmp_path: Path
) -> None:
    """Every kind of command over a school year (the demo: enrolment, review,
    transfers, corrections, changes, the rollover, graduation) on records no one
    changed by hand: no entry is marked, and the report finds nothing altered."""
    store: Any = SqlStore.sqlite(tmp_path / "y.sqlite3") if kind == "sqlite" else MemoryStore()
    reg = demo.school_year(echo=lambda _: None, store=store)
    province = Actor(ActorKind.PROVINCE, "34")
    with store.unit_of_work() as uow:
        entries = uow.log.entries()
    assert len({e.command for e in entries}) > 10  # (many kinds of command)
    assert [e.seq for e in entries if "altered_since" in e.after] == []
    assert [f for f in reg.detect(province).findings if f.kind == "altered_record"] == []


def test_art32_the_repository_scenarios_never_warn_of_an_altered_record() -> None:
    """The scenarios (every article's lifecycle) give no ``audit.altered_before``, and
    find no request changed outside the registry (``audit.request_altered``, refused;
    ``audit.request_altered_before``, warned)."""
    from tests.test_scenarios import SCENARIOS
    from xueji import scenarios

    altered = {"audit.altered_before", "audit.request_altered", "audit.request_altered_before"}
    for path in scenarios.collect([SCENARIOS]):
        store = MemoryStore()
        result = scenarios.run(scenarios.load(path), store=store)
        assert result.ok, result.report()
        warned = [
            r.step.index
            for r in result.steps
            if altered & {*(r.actual.get("warnings") or ()), *(r.actual.get("refused") or ())}
        ]
        assert warned == [], path
        with store.unit_of_work() as uow:
            assert [e.seq for e in uow.log.entries() if "altered_since" in e.after] == []


def _transfer_overdue(p: Province, student_id: str) -> str:
    """A transfer of ``student_id`` to W whose stages all fall due by 2027-01-01 (the
    2027 calendar loaded, so that no deadline is put off): the id of its request."""
    p.reg.calendar = p.reg.calendar.with_year(2027, [D(2027, 1, 1)])
    out = p.reg.request_transfer(
        school_actor("W"), student_id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    )
    assert out.allowed, out.decision
    assert out.request is not None
    return out.request.id


def _said(caplog: pytest.LogCaptureFixture, student_id: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "xueji.registry" and student_id in r.getMessage()
    ]


@pytest.mark.parametrize("profile", ["recited", "national"])
def test_art32_the_sweeps_warning_cites_the_profile_in_force(
    profile: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Review finding: a command's warning ``audit.altered_before`` is cited under the
    profile in force, but the deadline sweep's (said to the logger, as the sweep
    returns no decision) cited the catalogue's article: 皖教基 Art 32(三) under a
    profile that re-cites the rule, with no 沿用 mark under a national one. It now
    cites what a decision cites under the profile in force on the approval's day."""
    from xueji.articles import Article
    from xueji.policy import ANHUI_2013, NATIONAL_2013, Param
    from xueji.rules._base import RULE_CODES, rule_article

    policy = {
        "recited": attrs.evolve(
            ANHUI_2013,
            code="recited",
            citations={
                **ANHUI_2013.citations,
                "rule.audit.altered_before": Article("某教基〔2027〕1号", 40),
            },
        ),
        "national": attrs.evolve(  # (with a default approval, so that the sweep writes)
            NATIONAL_2013,
            code="national-default",
            transfer_default_approval=Param(True, Article(NATIONAL_2013.instrument, 14)),
        ),
    }[profile]
    p = Province(policies=(policy,))
    s = p.register("A", 1, name="张三")
    _transfer_overdue(p, s.id)
    rows = p.store.students.t.rows
    rows[s.id] = attrs.evolve(rows[s.id], name="李四")
    p.at(D(2027, 1, 4))
    with caplog.at_level("WARNING", logger="xueji.registry"):
        assert len(p.reg.advance_clock(Actor.system())) == 1
    assert p.reg.student(PROVINCE, s.id).school == "W"
    (line,) = _said(caplog, s.id)
    catalogue = RULE_CODES["audit.altered_before"][0]
    cited = rule_article("audit.altered_before", catalogue, policy)
    assert cited != catalogue
    assert f"（{cited}）" in line
    assert f"({cited.english})" in line
    assert str(catalogue) not in line.replace(str(cited), "")
    # the same article a command's decision cites for the same warning
    rows[s.id] = attrs.evolve(rows[s.id], name="王五")
    out = p.reg.add_info(school_actor("W"), s.id, InfoGroup.AWARD, InfoEntry(p.today(), "三好学生"))
    assert out.decision.codes == ("audit.altered_before",)
    assert out.decision.warnings[0].article == cited


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_default_approval_written_later_says_when_the_change_was_found(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Review finding: the sweep dates a default approval the day after the deadline
    but writes it whenever it runs. A record changed by hand after the deadline and
    before the sweep ran was reported as changed "before transfer on <deadline+1>",
    a day on which it had not been changed yet. The marked entry now also seals the
    day the command ran (``found_on``), and the finding and the logged warning say
    "found on <that day> by transfer dated <deadline+1>"."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1, name="张三")
    request_id = _transfer_overdue(p, s.id)
    p.at(D(2027, 1, 3))  # after every deadline, before the sweep runs
    _tamper(p, s.id, tmp_path, name="李四")
    p.at(D(2027, 1, 4))
    with caplog.at_level("WARNING", logger="xueji.registry"):
        assert [r.id for r in p.reg.advance_clock(Actor.system())] == [request_id]
    (transfer,) = [e for e in p.reg.history(PROVINCE, s.id) if e.command == "transfer"]
    dated = transfer.on.isoformat()
    assert transfer.on < D(2027, 1, 3)  # (the default approval's day: before the change)
    assert transfer.after["found_on"] == "2027-01-04"
    assert p.reg.detect(PROVINCE).log.ok  # (sealed into the chain)
    (found,) = _altered(p)
    assert found.on == transfer.on
    assert f"found on 2027-01-04 by transfer dated {dated}" in found.detail
    assert f"before transfer on {dated}" not in found.detail
    assert "2027-01-04" in found.detail_zh
    assert dated in found.detail_zh
    (line,) = _said(caplog, s.id)
    assert f"found on 2027-01-04 by transfer dated {dated}" in line
    assert f"before transfer on {dated}" not in line
    assert "2027-01-04" in line.split(" / ")[0]
