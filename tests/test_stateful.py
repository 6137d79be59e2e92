"""Random command sequences against the in-memory store (hypothesis.stateful).

Invariants after every step: one registry per person; a student is in at most one
school; every status change is in the change log; no transition outside the tables;
a refused command changes nothing.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.conftest import PROVINCE, D, Province, authority, make_id, school_actor
from xueji.errors import TransitionRefused, XuejiError
from xueji.lifecycle import STUDENT, StudentStatus
from xueji.model import Actor, TransferReason

SCHOOLS = ["A", "B", "W"]
AUTH = {"A": "340104", "B": "340104", "W": "340202"}


class RegistryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.p = Province(D(2026, 9, 1))
        self.ids: list[str] = []  # identity numbers handed out (some reused on purpose)

    # -- helpers ------------------------------------------------------------------

    def _students(self) -> list:  # type: ignore[type-arg]
        return list(self.p.store.students.all())

    def _open_requests(self) -> list:  # type: ignore[type-arg]
        return [r for r in self.p.store.requests.all() if r.is_open]

    def _log_size(self) -> int:
        return len(self.p.store.log.entries())

    def _snapshot(self) -> tuple:  # type: ignore[type-arg]
        return (
            sorted((s.id, s.version) for s in self._students()),
            sorted((r.id, r.version) for r in self.p.store.requests.all()),
            self._log_size(),
        )

    def _run(self, fn, *args, **kw):  # type: ignore[no-untyped-def]
        before = self._snapshot()
        try:
            out = fn(*args, **kw)
        except (XuejiError, TransitionRefused):
            assert self._snapshot() == before, "a failed command wrote something"
            return None
        if out is not None and hasattr(out, "allowed") and not out.allowed:
            assert self._snapshot() == before, "a refused command wrote something"
        return out

    # -- rules ----------------------------------------------------------------------

    @rule(
        school=st.sampled_from(SCHOOLS),
        grade=st.integers(1, 6),
        reuse=st.booleans(),
        sex=st.sampled_from(["M", "F"]),
    )
    def enroll(self, school: str, grade: int, reuse: bool, sex: str) -> None:
        birth = D(2026 - 5 - grade, 3, 1)
        if reuse and self.ids:
            number = self.ids[-1]
        else:
            number = make_id(birth, sex, n=len(self.ids))
            self.ids.append(number)
        self._run(
            self.p.reg.enroll,
            school_actor(school),
            school=school,
            class_id=f"{school}-{grade}",
            grade=grade,
            name="随机",
            sex=sex,
            birth_date=birth,
            hukou_region="340104",
            id_number=number,
            photo=__import__("xueji").model.Photo(self.p.today(), "x"),
        )

    @precondition(lambda self: any(s.status is StudentStatus.DRAFT for s in self._students()))
    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        drafts = [s for s in self._students() if s.status is StudentStatus.DRAFT]
        if drafts:
            s = data.draw(st.sampled_from(drafts))
            self._run(self.p.reg.submit, school_actor(s.school), s.id)

    @precondition(lambda self: bool(self._open_requests()))
    @rule(data=st.data(), approve=st.booleans(), right_party=st.booleans())
    def decide(self, data: st.DataObject, approve: bool, right_party: bool) -> None:
        reqs = self._open_requests()
        if not reqs:
            return
        r = data.draw(st.sampled_from(reqs))
        if right_party:
            with self.p.store.unit_of_work() as uow:
                code, is_school = self.p.reg._party(uow, r)
            actor = school_actor(code) if is_school else authority(code)
        else:
            actors = [school_actor(c) for c in SCHOOLS] + [authority(a) for a in AUTH.values()]
            actor = data.draw(st.sampled_from(actors))
        fn = self.p.reg.approve if approve else self.p.reg.reject
        self._run(fn, actor, r.id)

    @precondition(lambda self: any(s.status is StudentStatus.REGISTERED for s in self._students()))
    @rule(data=st.data(), to=st.sampled_from(SCHOOLS), reason=st.sampled_from(list(TransferReason)))
    def transfer(self, data: st.DataObject, to: str, reason: TransferReason) -> None:
        regs = [s for s in self._students() if s.status is StudentStatus.REGISTERED]
        if regs:
            s = data.draw(st.sampled_from(regs))
            self._run(
                self.p.reg.request_transfer,
                school_actor(to),
                s.id,
                to_school=to,
                to_class=f"{to}-{s.grade}",
                reason=reason,
                stated_reason="理由",
            )

    @precondition(lambda self: bool(self._students()))
    @rule(data=st.data(), kind=st.sampled_from(["suspend", "resume", "record_dropout"]))
    def change(self, data: st.DataObject, kind: str) -> None:
        students = self._students()
        if students:
            s = data.draw(st.sampled_from(students))
            self._run(getattr(self.p.reg, kind), school_actor(s.school), s.id, "理由")

    @rule(data=st.data())
    def correct(self, data: st.DataObject) -> None:
        students = [s for s in self._students() if s.submitted]
        if students:
            s = data.draw(st.sampled_from(students))
            self._run(
                self.p.reg.request_correction,
                school_actor(s.school),
                s.id,
                {"name": "更正"},
                "更正",
            )
            self._run(self.p.reg.update_student, school_actor(s.school), s.id, name="直接改")

    @rule(days=st.integers(1, 40))
    def advance(self, days: int) -> None:
        day = self.p.today() + dt.timedelta(days=days)
        if day.year > 2026:
            return
        self.p.at(day)
        self._run(self.p.reg.advance_clock, Actor.system())

    # -- invariants -------------------------------------------------------------------

    def teardown(self) -> None:
        for s in self._students():
            event(f"status {s.status.value}")
        for r in self.p.store.requests.all():
            event(f"request {r.kind.value} {r.state.value}")

    @invariant()
    def log_verifies(self) -> None:
        from xueji import audit

        assert audit.verify(self.p.store.log.entries()).ok

    @invariant()
    def one_registry_per_person(self) -> None:
        live = [s for s in self._students() if s.status is not StudentStatus.VOIDED]
        numbers = [s.id_number for s in live if s.id_number]
        assert len(numbers) == len(set(numbers))
        regs = [s.registry_number for s in live if s.registry_number]
        assert len(regs) == len(set(regs))

    @invariant()
    def each_student_in_one_school(self) -> None:
        for school in SCHOOLS:
            for s in self.p.store.students.by_school(school):
                assert s.school == school
        ids = [s.id for c in SCHOOLS for s in self.p.store.students.by_school(c)]
        assert len(ids) == len(set(ids))

    @invariant()
    def status_changes_are_logged_and_in_the_tables(self) -> None:
        for s in self._students():
            entries = self.p.store.log.entries(s.id)
            states = [e.after["status"] for e in entries if "status" in e.after]
            assert states, s.id
            assert states[-1] == s.status.value
            prev = StudentStatus.DRAFT
            for e in entries:
                if "status" not in e.after or e.command == "enroll":
                    continue
                before = StudentStatus(e.before["status"])
                after = StudentStatus(e.after["status"])
                assert before == prev, (s.id, e)
                assert any(r.source == before and r.target == after for r in STUDENT), e
                prev = after


TestRegistryMachine = RegistryMachine.TestCase
TestRegistryMachine.settings = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_ = PROVINCE


# -- random actors: jurisdiction holds and the log always verifies (Arts 28, 31) -----------

from xueji import audit  # noqa: E402
from xueji.errors import AccessDenied  # noqa: E402
from xueji.model import InfoEntry, InfoGroup  # noqa: E402

# an oracle independent of the registry: which schools each actor covers (Arts 4, 7, 28)
COVERS = {
    ("school", "A"): {"A"},
    ("school", "W"): {"W"},
    ("school", "Z"): {"Z", "Z1"},
    ("school", "Z1"): {"Z1"},
    ("county", "340104"): {"A", "B", "J", "SP"},
    ("county", "340121"): {"Z", "Z1"},
    ("county", "340202"): {"W"},
    ("city", "3401"): {"A", "B", "J", "SP", "H", "H2", "Z", "Z1"},
    ("city", "3402"): {"W", "WH"},
}
ACTORS = (
    [school_actor(c) for c in ("A", "W", "Z", "Z1")]
    + [authority(u) for u in ("340104", "340121", "340202", "3401", "3402")]
    + [PROVINCE]
)
ACTIONS = [
    "student",
    "history",
    "update_student",
    "add_info",
    "suspend",
    "record_dropout",
    "request_correction",
]


class JurisdictionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.p = Province(D(2026, 9, 1))
        self.n = 0

    @rule(school=st.sampled_from(["A", "W", "Z1", "H"]))
    def add_student(self, school: str) -> None:
        grade = 10 if school == "H" else 2
        birth = D(2026 - 5 - grade, 3, 1)
        self.n += 1
        self.p.register(school, grade, birth=birth, id_number=make_id(birth, n=self.n))

    @precondition(lambda self: bool(list(self.p.store.students.all())))
    @rule(data=st.data(), actor=st.sampled_from(ACTORS), action=st.sampled_from(ACTIONS))
    def act(self, data: st.DataObject, actor: Actor, action: str) -> None:
        s = data.draw(st.sampled_from(sorted(self.p.store.students.all(), key=lambda x: x.id)))
        before = len(self.p.store.log.entries())
        calls = {
            "student": lambda: self.p.reg.student(actor, s.id),
            "history": lambda: self.p.reg.history(actor, s.id),
            "update_student": lambda: self.p.reg.update_student(actor, s.id, migrant=True),
            "add_info": lambda: self.p.reg.add_info(
                actor, s.id, InfoGroup.AWARD, InfoEntry(self.p.today(), "奖")
            ),
            "suspend": lambda: self.p.reg.suspend(actor, s.id, "病休"),
            "record_dropout": lambda: self.p.reg.record_dropout(actor, s.id, "辍学"),
            "request_correction": lambda: self.p.reg.request_correction(
                actor, s.id, {"name": "更正"}, "更正"
            ),
        }
        try:
            calls[action]()
        except AccessDenied:
            assert len(self.p.store.log.entries()) == before
            event("denied")
            return
        except XuejiError:
            return
        event("allowed")
        if actor.kind.value == "province":
            assert action in ("student", "history"), "the province maintains no data"
        else:
            assert s.school in COVERS[(actor.kind.value, actor.unit)], (actor, action, s.school)

    @invariant()
    def log_verifies(self) -> None:
        assert audit.verify(self.p.store.log.entries()).ok


TestJurisdiction = JurisdictionMachine.TestCase
TestJurisdiction.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
