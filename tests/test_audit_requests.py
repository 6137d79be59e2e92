"""Requests in the change log (Arts 19, 31): each opening entry says what was filed
and why (the schools and class, the reason, the payload), and each decision's entry
its note. Found by the audit review: the log did not say why a request was filed or
refused."""

from __future__ import annotations

from tests.conftest import PROVINCE, D, Province, authority, make_id, school_actor
from xueji.model import Actor, TransferReason

SHUSHAN = authority("340104")  # schools A and B
JINGHU = authority("340202")  # school W


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
