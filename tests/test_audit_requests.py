"""Requests in the change log (Arts 19, 31, 32(三)).

Each opening entry says what was filed and why (the schools and class, the reason,
the payload), and each decision's entry its note. Every entry that writes a request
carries the request's digest (``request_digest``). A decision, the deadline sweep
and ``detect`` compare the stored request with its last entry: an approval of a
request that no longer holds what the log wrote is refused
(``audit.request_altered``), the sweep holds its default approval, a refusal or
withdrawal goes ahead marked (``audit.request_altered_before``, ``altered_since`` in
its entry), and the report finds the request. Found by the audit review: a
transfer's destination and a correction's value edited with sqlite3 were applied,
neither the decision nor the report saw it, and the log did not say why a request
was filed or refused."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.conftest import PROVINCE, D, Province, authority, make_id, school_actor
from xueji import registry
from xueji.articles import anhui
from xueji.lifecycle import RequestState
from xueji.model import Actor, Request, RequestEvent, RequestKind, TransferReason
from xueji.policy import ANHUI_2013, Param
from xueji.storage.memory import MemoryStore
from xueji.storage.sql import SqlStore

SHUSHAN = authority("340104")  # schools A and B
JINGHU = authority("340202")  # school W


def _province(kind: str, tmp_path: Path) -> Province:
    if kind == "sqlite":
        return Province(store=SqlStore.sqlite(str(tmp_path / "r.sqlite3")))
    return Province()


def _tamper(p: Province, rid: str, tmp_path: Path, **changes: Any) -> None:
    """Edit a stored request by hand: on SQLite with the sqlite3 module, in the
    document of its row; on the memory store, its row."""
    if isinstance(p.store, MemoryStore):
        rows = p.store.requests.t.rows
        rows[rid] = attrs.evolve(rows[rid], **changes)
        return
    conn = sqlite3.connect(tmp_path / "r.sqlite3")
    try:
        with conn:
            (text,) = conn.execute("SELECT doc FROM xueji_requests WHERE id = ?", (rid,)).fetchone()
            doc = json.loads(text)
            doc.update(changes)
            conn.execute(
                "UPDATE xueji_requests SET doc = ? WHERE id = ?",
                (json.dumps(doc, ensure_ascii=False), rid),
            )
    finally:
        conn.close()


def _altered(p: Province, actor: Any = PROVINCE) -> list[Any]:
    return [f for f in p.reg.detect(actor).findings if f.kind == "altered_record"]


def _transfer(p: Province, sid: str, to: str = "W", grade: int = 1) -> str:
    out = p.reg.request_transfer(
        school_actor(to),
        sid,
        to_school=to,
        to_class=f"{to}-{grade}",
        reason=TransferReason.JOB_MOVE,
        stated_reason="父亲调动",
    )
    assert out.allowed, out.decision
    assert out.request is not None
    return out.request.id


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_transfers_destination_changed_in_the_database_is_refused_and_found(
    kind: str, tmp_path: Path
) -> None:
    """Review finding (t7): the receiving side (W and its county) approved a transfer
    into W; its destination was then changed in the database to school B, which never
    agreed (Art 21), and the sending side's approvals moved the student there while
    ``detect`` found nothing. Now the report finds the request, the sending school's
    approval is refused citing Art 32(三) (nothing is written), and a refusal goes
    ahead (it applies nothing of the change), marked in its entry and warned, and is
    reported for good."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1)
    rid = _transfer(p, s.id)
    assert p.reg.approve(school_actor("W"), rid).allowed
    assert p.reg.approve(JINGHU, rid).allowed
    opened = p.reg.history(PROVINCE, rid)[0]
    assert opened.after["to_school"] == "W"  # what was filed (Arts 20-21)
    assert opened.after["to_class"] == "W-1"
    assert "request_digest" in opened.after
    assert all("request_digest" in e.after for e in p.reg.history(PROVINCE, rid))
    assert _altered(p) == []
    _tamper(p, rid, tmp_path, to_school="B", to_class="B-1")
    found = _altered(p)
    assert [(f.subject, f.unit) for f in found] == [(rid, "A")]
    assert "request" in found[0].detail
    assert "申请" in found[0].detail_zh
    assert [f.subject for f in _altered(p, SHUSHAN)] == [rid]
    assert p.reg.verify_log(PROVINCE).ok  # (the log is intact: the request is not)
    p.at(D(2026, 9, 3))
    out = p.reg.approve(school_actor("A"), rid)
    assert not out.allowed
    assert out.decision.codes == ("audit.request_altered",)
    (v,) = out.decision.violations
    assert str(v.article).endswith("第三十二条第（三）项")
    assert v.message_zh
    assert v.message_en
    assert p.reg.request(PROVINCE, rid).state is RequestState.AT_SENDING_SCHOOL
    assert p.reg.student(PROVINCE, s.id).school == "A"
    # a refusal applies nothing of the change: it goes ahead, marked and warned
    no = p.reg.reject(school_actor("A"), rid, note="转入学校未同意")
    assert no.allowed, no.decision
    assert no.decision.codes == ("audit.request_altered_before",)
    last = p.reg.history(PROVINCE, rid)[-1]
    assert last.command == "reject_transfer"
    assert last.after["note"] == "转入学校未同意"
    approved_by_jinghu = p.reg.history(PROVINCE, rid)[2]
    assert last.after["altered_since"] == str(approved_by_jinghu.seq)
    assert last.after["found_on"] == "2026-09-03"
    assert p.reg.student(PROVINCE, s.id).school == "A"
    found = _altered(p)  # reported for good, though the request now holds its entry
    assert [(f.subject, f.unit, f.on) for f in found] == [(rid, "A", D(2026, 9, 3))]
    assert "before reject_transfer" in found[0].detail
    assert p.reg.detect(PROVINCE).log.ok


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_corrections_value_changed_in_the_database_is_not_applied(
    kind: str, tmp_path: Path
) -> None:
    """Review finding (t8): a correction filed as 张壹 was changed to 王五 in the
    database, and the county's approval wrote 王五 with no warning, though the log
    held both values. The approval is refused now (Art 32(三)), the record keeps its
    name, and the report finds the request, charged to the school that filed it."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1, name="张一")
    filed = p.reg.request_correction(school_actor("A"), s.id, {"name": "张壹"}, "错字")
    assert filed.request is not None
    rid = filed.request.id
    _tamper(p, rid, tmp_path, payload={"name": "王五"})
    assert [(f.subject, f.unit) for f in _altered(p)] == [(rid, "A")]
    out = p.reg.approve(SHUSHAN, rid)
    assert out.decision.codes == ("audit.request_altered",)
    assert not out.allowed
    assert p.reg.student(PROVINCE, s.id).name == "张一"
    assert p.reg.request(PROVINCE, rid).state is RequestState.AT_AUTHORITY


def test_art32_an_altered_requests_notes_and_state_are_covered() -> None:
    """The digest covers the whole request but its version and the rollover's hold
    mark: a note rewritten in the history, a state moved on, a deadline moved back
    are each an alteration; the same request read back is not."""
    from xueji import audit

    req = Request(
        "R1",
        RequestKind.TRANSFER,
        "S1",
        RequestState.AT_SENDING_SCHOOL,
        D(2026, 9, 1),
        D(2026, 9, 2),
        D(2026, 9, 30),
        "A",
        "W",
        "W-1",
        "job_move:父亲调动",
        {},
        (),
        (
            RequestEvent(
                D(2026, 9, 2),
                "W",
                "approve",
                RequestState.AT_RECEIVING_SCHOOL,
                RequestState.AT_RECEIVING_AUTHORITY,
                "同意",
            ),
        ),
    )
    d = audit.request_digest(req)
    assert d.startswith("1:")
    assert audit.request_digest_matches(req, d)
    assert audit.request_digest_matches(attrs.evolve(req, version=7), d)
    held = attrs.evolve(req, payload={registry._HELD_AT: "2027"})
    assert audit.request_digest_matches(held, d)  # (the rollover's mark: Art 18(2))
    for changed in (
        {"history": (attrs.evolve(req.history[0], note="材料齐全"),)},
        {"state": RequestState.AT_SENDING_AUTHORITY},
        {"deadline": D(2026, 9, 3)},
        {"reason": "job_move:"},
        {"to_class": "W-2"},
        {"payload": {"x": "1"}},
    ):
        assert not audit.request_digest_matches(attrs.evolve(req, **changed), d), changed
    assert not audit.request_digest_matches(req, "2:" + d[2:])  # (another version)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_the_sweep_holds_the_default_approval_of_an_altered_request(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The deadline sweep (Art 24) approves by default only what the parties were
    given: a transfer changed in the database is left at its stage (said to the
    ``xueji.registry`` logger; the report finds it altered and overdue), the others
    are approved as before."""
    p = _province(kind, tmp_path)
    s, t = p.register("A", 1), p.register("A", 1)
    changed, kept = _transfer(p, s.id), _transfer(p, t.id)
    _tamper(p, changed, tmp_path, to_class="W-2")
    p.at(D(2027, 1, 4))
    # explained as the sweep holds it (found by the merge review: it said "approved by
    # default", from the kind and the deadline alone)
    told = registry.explain_default_approval(p.reg, PROVINCE, changed)
    assert not told.allowed
    assert told.codes == ("audit.request_altered",)
    assert told.violations[0].article.number == 32
    assert registry.explain_default_approval(p.reg, PROVINCE, kept).allowed
    assert (
        "audit.request_altered"
        in registry.explain_default_approval(p.reg, PROVINCE, kept).explain().rules
    )
    with caplog.at_level(logging.WARNING, logger="xueji.registry"):
        moved = p.reg.advance_clock(Actor.system())
    assert [r.id for r in moved] == [kept]
    assert p.reg.request(PROVINCE, kept).state is RequestState.APPROVED
    assert p.reg.request(PROVINCE, changed).state is RequestState.AT_RECEIVING_SCHOOL
    assert p.reg.student(PROVINCE, s.id).school == "A"
    assert changed in caplog.text
    assert "第三十二条" in caplog.text
    found = p.reg.detect(PROVINCE).findings
    assert {(f.kind, f.subject) for f in found if f.subject == changed} == {
        ("altered_record", changed),
        ("overdue_approval", changed),
    }


def test_art32_the_sweep_compares_requests_without_a_query_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep compares each request with its last entry, which its batch preloads
    (``WriteBehind.preload``): the change log is read once a batch, not once a
    request."""
    from tests.test_storage_contract import statements

    monkeypatch.setattr(registry, "SWEEP_BATCH", 4)
    store = SqlStore.sqlite(str(tmp_path / "sweep.sqlite3"))
    p = Province(store=store)
    for i in range(8):
        _transfer(p, p.register("A", 1, id_number=make_id(D(2020, 3, 1), n=i)).id)
    p.at(D(2027, 1, 4))
    seen = statements(store.engine)
    moved = p.reg.advance_clock(Actor.system())
    assert len(moved) == 8
    reads = [q for q in seen if q.lstrip().upper().startswith("SELECT") and "change_log" in q]
    # as before the comparison: the last entries of each batch's requests and students
    # in one look-up, the log's head, the rollovers of the years (one a request: 14)
    assert len(reads) <= 6, reads
    store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_request_no_entry_names_is_found_and_not_approved(
    kind: str, tmp_path: Path
) -> None:
    """A request inserted in the store behind the library's back (a correction no
    school filed) is named by no entry: the report finds it, charged to the student's
    school, and its approval is refused."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1, name="张一")
    forged = Request(
        "R9999999",
        RequestKind.CORRECTION,
        s.id,
        RequestState.AT_AUTHORITY,
        D(2026, 9, 1),
        D(2026, 9, 1),
        from_school="A",
        reason="错字",
        payload={"name": "王五"},
        history=(
            RequestEvent(
                D(2026, 9, 1), "A", "open", RequestState.AT_AUTHORITY, RequestState.AT_AUTHORITY
            ),
        ),
    )
    with p.store.unit_of_work() as uow:
        uow.requests.add(forged)
    found = _altered(p)
    assert [(f.subject, f.unit) for f in found] == [(forged.id, "A")]
    assert "no change-log entry opened" in found[0].detail
    out = p.reg.approve(SHUSHAN, forged.id)
    assert out.decision.codes == ("audit.request_altered",)
    assert p.reg.student(PROVINCE, s.id).name == "张一"
    # it can be refused (it would otherwise keep the student from every other change)
    no = p.reg.reject(SHUSHAN, forged.id, "无此申请")
    assert no.allowed, no.decision
    assert no.decision.codes == ("audit.request_altered_before",)
    assert p.reg.history(PROVINCE, forged.id)[-1].after["altered_since"] == "0"
    assert p.reg.student(PROVINCE, s.id).name == "张一"
    assert [f.subject for f in _altered(p)] == [forged.id]  # (still opened by no entry)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_request_deleted_in_the_database_is_found(kind: str, tmp_path: Path) -> None:
    """A request the log opened that the store no longer holds (its row deleted: a
    suspension filed and then removed by hand) is found, charged to the school the
    log filed it for, in the province's report and its county's."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1)
    out = p.reg.suspend(school_actor("A"), s.id, "因病休学一年")
    assert out.request is not None
    rid = out.request.id
    if isinstance(p.store, MemoryStore):
        del p.store.requests.t.rows[rid]
    else:
        conn = sqlite3.connect(tmp_path / "r.sqlite3")
        with conn:
            conn.execute("DELETE FROM xueji_requests WHERE id = ?", (rid,))
        conn.close()
    found = _altered(p)
    assert [(f.subject, f.unit) for f in found] == [(rid, "A")]
    assert "no longer holds" in found[0].detail
    assert [f.subject for f in _altered(p, SHUSHAN)] == [rid]
    assert _altered(p, JINGHU) == []


def test_art32_requests_of_a_log_from_before_the_request_digests_are_not_flagged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A store written before the entries carried the request's digest keeps
    verifying, and its requests are not compared (the report raises no false
    finding, an approval goes ahead) until a command writes them again: from then on
    a change in the database is found."""
    p = Province()
    with monkeypatch.context() as m:  # an older library wrote these entries
        m.setattr(registry, "_request_written", lambda req: {})
        s, t, u = (p.register("A", 1) for _ in range(3))
        old, decided, later = (_transfer(p, x.id) for x in (s, t, u))
        assert p.reg.approve(school_actor("W"), decided).allowed
    assert not any("request_digest" in e.after for e in p.log())
    assert p.reg.verify_log(PROVINCE).ok
    assert _altered(p) == []
    rows = p.store.requests.t.rows
    rows[old] = attrs.evolve(rows[old], reason="job_move:改")  # not seen: no digest logged
    assert _altered(p) == []
    out = p.reg.approve(school_actor("W"), old)  # written again: digest from now on
    assert out.allowed, out.decision
    assert out.decision.warnings == ()
    assert "request_digest" in p.reg.history(PROVINCE, old)[-1].after
    assert p.reg.approve(JINGHU, decided).allowed
    assert _altered(p) == []
    rows[decided] = attrs.evolve(rows[decided], to_class="W-2")
    assert [f.subject for f in _altered(p)] == [decided]
    assert p.reg.approve(school_actor("W"), later).allowed  # (untouched: as before)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_logged_read_does_not_hide_an_altered_request(kind: str, tmp_path: Path) -> None:
    """A correction of an identity number is read whole (the read is logged on the
    request: its last entry then carries no digest): the decision reads the request's
    entries further back, and still finds the change."""
    p = _province(kind, tmp_path)
    s = p.register("A", 1, id_number=None, guardian_id=make_id(D(1990, 1, 1)))
    wanted = make_id(s.birth_date)
    filed = p.reg.request_correction(school_actor("A"), s.id, {"id_number": wanted}, "补录")
    assert filed.allowed, filed.decision
    assert filed.request is not None
    rid = filed.request.id
    p.reg.request(PROVINCE, rid)
    assert p.reg.history(PROVINCE, rid)[-1].command == "read_sensitive"
    other = make_id(s.birth_date)
    _tamper(p, rid, tmp_path, payload={"id_number": other})
    out = p.reg.approve(SHUSHAN, rid)
    assert out.decision.codes == ("audit.request_altered",)
    assert p.reg.student(PROVINCE, s.id).id_number is None


def test_art32_a_transfer_held_at_a_rollover_is_not_altered() -> None:
    """The rollover marks an open transfer whose student it held (Art 18(2), under
    ``rollover_open_transfers = "hold"``) without an entry of the request's own: the
    mark is no alteration, and the transfer is decided as before."""
    hold = attrs.evolve(ANHUI_2013, rollover_open_transfers=Param("hold", anhui(18, 2)))
    p = Province(D(2026, 7, 1), policies=(hold,))
    s = p.register("A", 4, birth=D(2016, 3, 2))
    p.at(D(2026, 7, 27))
    rid = _transfer(p, s.id, grade=4)
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(Actor.system(), 2026).allowed
    assert registry._HELD_AT in p.reg.request(PROVINCE, rid).payload
    assert _altered(p) == []
    p.at(D(2026, 8, 3))
    out = p.reg.approve(school_actor("W"), rid)
    assert out.allowed, out.decision
    assert out.decision.codes == ()
    assert _altered(p) == []


# -- what was filed and why, and each decision's note (Arts 19, 20, 23, 26, 31) ---------


def test_art19_the_log_records_what_each_request_asked_and_why() -> None:
    """Review finding: the opening entries held the student, state and deadline alone:
    a transfer's Art 20 reason and the reason stated (Art 25(2)), a transfer abroad's
    destination, date and reason (Art 23), a suspension's 因病休学一年 (Art 26) were in
    the request document only, which a database edit changes unseen. Each opening
    entry holds them now, with the schools and class and the request's digest."""
    p = Province()
    s, t, u = (p.register("A", 1) for _ in range(3))
    rid = _transfer(p, s.id)
    after = p.reg.history(PROVINCE, rid)[0].after
    assert (after["from_school"], after["to_school"], after["to_class"]) == ("A", "W", "W-1")
    assert after["reason"] == "job_move:父亲调动"
    assert after["school"] == "A"
    out = p.reg.request_cross_border_out(
        school_actor("A"),
        t.id,
        destination="加拿大温哥华",
        leave_date=D(2026, 9, 20),
        reason="随父母出国",
    )
    assert out.request is not None
    after = p.reg.history(PROVINCE, out.request.id)[0].after
    assert (after["destination"], after["date"], after["reason"]) == (
        "加拿大温哥华",
        "2026-09-20",
        "随父母出国",
    )
    out = p.reg.suspend(school_actor("A"), u.id, "因病休学一年")
    assert out.request is not None
    opened = p.reg.history(PROVINCE, out.request.id)[0]
    assert opened.command == "open_suspension"
    assert opened.after["reason"] == "因病休学一年"
    assert opened.after["request_digest"].startswith("1:")


def test_art31_each_decision_logs_its_note_with_identity_numbers_masked() -> None:
    """Review finding: a refusal's entry held ``{'state': 'rejected'}`` alone, its note
    (缺少医院证明, 照片不清, 户籍在本市，属择校) in the request document only. Every
    decision's entry holds its note now, an identity number in it masked as the log
    masks free text (Art 30); a decision with no note logs none, and a default
    approval's note is its basis, as before."""
    p = Province()
    s, t = p.register("A", 1), p.register("A", 1)
    number = make_id(D(2020, 3, 1))
    out = p.reg.suspend(school_actor("A"), s.id, "因病休学一年")
    assert out.request is not None
    note = f"缺少医院证明（身份证 {number} 与病历不符）"
    assert p.reg.reject(SHUSHAN, out.request.id, note=note).allowed
    last = p.reg.history(PROVINCE, out.request.id)[-1]
    assert last.command == "reject_suspension"
    assert last.after["note"].startswith("缺少医院证明")
    assert number not in last.after["note"]
    assert number[:6] in last.after["note"]  # (masked where it stands)
    rid = _transfer(p, t.id)
    assert p.reg.approve(school_actor("W"), rid, note="材料齐全").allowed
    assert p.reg.approve(JINGHU, rid).allowed
    entries = p.reg.history(PROVINCE, rid)
    assert entries[1].after["note"] == "材料齐全"
    assert "note" not in entries[2].after
    p.at(D(2027, 1, 4))
    assert p.reg.advance_clock(Actor.system())
    defaults = [e for e in p.reg.history(PROVINCE, rid) if e.actor_kind == "system"]
    assert defaults
    assert all("note" not in e.after and e.basis for e in defaults)
