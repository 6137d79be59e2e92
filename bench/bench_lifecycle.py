"""The lifecycle on the in-memory store: a synthetic province through the facade.

Steps, each timed (commands per second) with the process's peak memory after it:

1. enrolment: ``enroll`` + ``submit`` + the authority's ``approve`` for every student;
2. 10,000 in-province transfers filed on 1 September and left alone: the deadline
   sweep approves all four stages by default (Art 24) as the clock passes each one;
3. the 1 August rollover (every student promoted, one command);
4. the pure rules alone (``check_transfer`` on the same facts), for comparison.
"""

from __future__ import annotations

import datetime as dt
import gc
import resource
import time

from common import BenchResult, Figure, section
from province import build, students
from xueji.clock import ManualClock
from xueji.lifecycle import RequestState
from xueji.model import Actor, ActorKind, TransferReason
from xueji.registry import Registry
from xueji.rules import transfers
from xueji.storage import MemoryStore

FULL = (100_000, 10_000, 1_000)  # students, transfers, schools
QUICK = (10_000, 1_000, 100)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(quick: bool = False) -> BenchResult:
    n, n_transfers, n_schools = QUICK if quick else FULL
    section(f"lifecycle: {n:,} students, {n_transfers:,} transfers, in-memory store")
    clock = ManualClock(dt.date(2026, 9, 1))
    reg = Registry(MemoryStore(), clock=clock)
    layout = build(reg, schools=n_schools)
    base_mb = _peak_mb()

    gc.collect()
    t0 = time.perf_counter()
    registered: list[tuple[str, str, int]] = []
    authority = {s.code: Actor(ActorKind.COUNTY, s.authority) for s in layout.schools}
    for kw in students(n, layout):
        school = str(kw["school"])
        actor = Actor(ActorKind.SCHOOL, school)
        out = reg.enroll(actor, **kw)  # type: ignore[arg-type]
        assert out.student is not None, out.decision
        sub = reg.submit(actor, out.student.id)
        assert sub.request is not None
        registered.append((out.student.id, school, out.student.grade))
        reg.approve(authority[school], sub.request.id)
    t_enrol = time.perf_counter() - t0
    enrol_mb = _peak_mb()
    print(
        f"enrolment: {3 * n:,} commands in {t_enrol:.1f} s "
        f"({3 * n / t_enrol:,.0f}/s); peak RSS {enrol_mb:,.0f} MB"
    )

    # transfers: every k-th student to the next school (another county's, usually)
    t0 = time.perf_counter()
    step = max(1, n // n_transfers)
    filed = 0
    for sid, school, grade in registered[::step][:n_transfers]:
        target = layout.schools[(int(school[1:]) + 1) % len(layout.schools)]
        out = reg.request_transfer(
            Actor(ActorKind.SCHOOL, target.code),
            sid,
            to_school=target.code,
            to_class=f"{target.code}-{grade}-3",
            reason=TransferReason.JOB_MOVE,
        )
        filed += out.request is not None
    t_file = time.perf_counter() - t0
    t0 = time.perf_counter()
    for day in (
        dt.date(2026, 10, 30),
        dt.date(2026, 12, 3),
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 1),
    ):
        clock.advance_to(day)
        reg.advance_clock(Actor.system())
    t_sweep = time.perf_counter() - t0
    moved = [
        r
        for r in reg.store.requests.all()  # type: ignore[attr-defined]
        if r.kind.value == "transfer" and r.state is RequestState.APPROVED
    ]
    done = len(moved)
    stages = sum(1 for r in moved for h in r.history if h.event == "approve_by_default")
    sweep_mb = _peak_mb()
    print(
        f"transfers: {filed:,} filed in {t_file:.1f} s ({filed / t_file:,.0f}/s); "
        f"{stages:,} stages approved by default in {t_sweep:.1f} s ({stages / t_sweep:,.0f}/s); "
        f"{done:,} completed"
    )

    clock.advance_to(dt.date(2027, 8, 1))
    t0 = time.perf_counter()
    roll = reg.rollover(Actor.system(), 2027)
    t_roll = time.perf_counter() - t0
    roll_mb = _peak_mb()
    print(
        f"rollover: {n:,} students in {t_roll:.1f} s ({n / t_roll:,.0f} students/s), "
        f"{len(roll.decision.warnings):,} flagged; peak RSS {roll_mb:,.0f} MB"
    )

    # the pure rule alone on the same facts
    s = reg.store.students.get(registered[0][0])  # type: ignore[attr-defined]
    facts = transfers.TransferFacts(
        student=s,
        from_school="a",
        to_school="b",
        from_city="3401",
        to_city="3402",
        from_city_region="340100",
        to_city_region="340200",
        to_stages=s and frozenset(),
        from_special=False,
        to_special=False,
        reason=TransferReason.JOB_MOVE,
    )
    policy = reg.policy()
    calls = 20_000 if quick else 100_000
    t0 = time.perf_counter()
    for _ in range(calls):
        transfers.check_transfer(facts, on=dt.date(2026, 9, 10), policy=policy)
    t_rule = time.perf_counter() - t0
    print(f"rule check_transfer: {calls / t_rule:,.0f} calls/s")

    figures = [
        Figure("lifecycle", "enrolment commands/s", 3 * n / t_enrol, "/s"),
        Figure("lifecycle", "transfer requests filed/s", filed / t_file, "/s"),
        Figure("lifecycle", "stages approved by default/s (sweep)", stages / t_sweep, "/s"),
        Figure("lifecycle", "transfers completed", done),
        Figure("lifecycle", "rollover students/s", n / t_roll, "/s"),
        Figure("lifecycle", "check_transfer calls/s", calls / t_rule, "/s"),
        Figure("lifecycle", "peak RSS after enrolment", enrol_mb, "MB"),
        Figure("lifecycle", "peak RSS at the end", max(roll_mb, sweep_mb), "MB"),
    ]
    details = {
        "students": n,
        "transfers": n_transfers,
        "schools": n_schools,
        "base_rss_mb": base_mb,
    }
    return BenchResult("lifecycle", figures, details)
