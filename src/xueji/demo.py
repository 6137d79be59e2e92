"""The main job of ``make demo``: one school year of a small province, as a timeline.

Runs on the embedded SQLite store (``xueji demo --db PATH`` keeps the file; the
default is a temporary one) with a manual clock, so the output is the same on every
run. ``--seed N`` draws other names, birthdays and ID sequence numbers for the
students (the same ones for the same seed); seed 0 is the narrated classic.

>>> lines = []
>>> _ = school_year(lines.append, seed=7)
>>> again = []
>>> _ = school_year(again.append, seed=7)
>>> lines == again, len(lines) > 20
(True, True)
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable

from xueji import ids
from xueji.clock import ManualClock
from xueji.model import (
    Actor,
    ActorKind,
    Consent,
    Photo,
    School,
    SchoolClass,
    TransferReason,
    Unit,
    UnitLevel,
)
from xueji.numbers import mask_number
from xueji.policy import Stage
from xueji.registry import DEFAULT_APPROVAL_NOTE, Outcome, Registry
from xueji.storage import MemoryStore
from xueji.storage.protocols import Store

__all__ = ["school_year"]

D = _dt.date


def _id(region: str, birth: _dt.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ids.check_character(body)


def _shown(number: str | None) -> str:
    """A 学籍号 as the demo prints it: masked whatever its letter (a J number has the
    form of an identity number)."""
    return mask_number(number, every_kind=True) if number else "-"


_SURNAMES = "张李王刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "一二三明华芳伟静丽强敏军洋艳勇杰娟涛"
_CLASSIC = [
    ("张一", "M", D(2019, 3, 1)),
    ("李二", "F", D(2019, 5, 9)),
    ("王三", "M", D(2018, 11, 2)),
]


def _cast(seed: int) -> tuple[list[tuple[str, str, _dt.date, int]], str]:
    """The three first-graders (name, sex, birth date, ID sequence number) and the
    corrected name of the second: the classic cast for seed 0, else drawn."""
    if seed == 0:
        kids = [
            (n, sex, b, 2 * i + (1 if sex == "M" else 2)) for i, (n, sex, b) in enumerate(_CLASSIC)
        ]
        return kids, "李贰"
    rng = random.Random(seed)
    kids = []
    for i, sex in enumerate(("M", "F", "M")):
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        while any(name == k[0] for k in kids):
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        birth = D(2019 if i < 2 else 2018, rng.randint(1, 8), rng.randint(1, 28))
        seq = 2 * rng.randint(0, 400) + (1 if sex == "M" else 2)
        kids.append((name, sex, birth, seq))
    corrected = kids[1][0][0] + next(g for g in _GIVEN if g != kids[1][0][1:])
    return kids, corrected


def school_year(
    echo: Callable[[str], None] = print, store: Store | None = None, *, seed: int = 0
) -> Registry:
    """Run the school year 2025-26 and narrate it; return the registry for inspection.

    2025-26 is the latest school year whose holiday schedule is fully published (the
    schedule for 2027 is not in chinese-calendar 1.11). ``seed`` picks the students'
    names, birthdays and ID numbers (0: the classic cast).
    """
    cast, corrected = _cast(seed)
    clock = ManualClock(D(2025, 8, 25))
    reg = Registry(store if store is not None else MemoryStore(), clock=clock)
    prov = Actor(ActorKind.PROVINCE, "34", "省管理员")

    def say(text: str) -> None:
        echo(f"{clock.today()}  {text}")

    shown = [0]  # the change-log entry the last line named

    def basis() -> str:
        """The article the registry recorded as the basis of what the command just
        wrote (its change-log entry's, Art 19), or "" where it wrote nothing since the
        last line: the article that allowed it, from the registry, not the demo."""
        with reg.store.unit_of_work() as uow:
            last = uow.log.last()
        if last is None or last.seq == shown[0]:
            return ""
        shown[0] = last.seq
        return f" — {last.basis}"

    def show(out: Outcome, what: str) -> None:
        if out.allowed:
            warn = f"  (warnings: {', '.join(out.decision.codes)})" if out.decision.codes else ""
            say(f"✓ {what}{basis()}{warn}")
        else:
            v = out.decision.violations[0]
            say(f"✗ {what}: [{v.code}] {v.message_zh} — {v.article}")

    # -- the province (Art 6) -------------------------------------------------------------
    for unit in (
        Unit("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000"),
        Unit("3401", "合肥市教育局", UnitLevel.CITY, "340100", "34"),
        Unit("340104", "蜀山区教育体育局", UnitLevel.COUNTY, "340104", "3401"),
        Unit("3402", "芜湖市教育局", UnitLevel.CITY, "340200", "34"),
        Unit("340202", "镜湖区教育局", UnitLevel.COUNTY, "340202", "3402"),
    ):
        reg.add_unit(prov, unit)
    schools = [
        School("3434010001", "蜀山实验小学", "340104", "340104", frozenset({Stage.PRIMARY})),
        School("3434020001", "镜湖小学", "340202", "340202", frozenset({Stage.PRIMARY})),
        School("3434010009", "合肥一中", "3401", "340100", frozenset({Stage.SENIOR})),
    ]
    for school in schools:
        reg.add_school(prov, school)
        system = reg.policy().school_system.value  # (the grades of each stage)
        for g in sorted(g for stage in school.stages for g in system[stage]):
            reg.add_class(
                Actor(ActorKind.SCHOOL, school.code),
                SchoolClass(
                    f"{school.code}-{g}", school.code, f"{g}年级1班", g, "班主任", D(2025, 9, 1)
                ),
            )
    shushan, jinghu, yizhong = (Actor(ActorKind.SCHOOL, s.code) for s in schools)
    county, wuhu, hefei = (
        Actor(ActorKind.COUNTY, "340104"),
        Actor(ActorKind.COUNTY, "340202"),
        Actor(ActorKind.CITY, "3401"),
    )
    say("省教育厅建立单位、学校和班级 (Art 6): 2 cities, 2 counties, 3 schools")

    # -- enrolment and review (Arts 12-16) ------------------------------------------------------
    clock.advance_to(D(2025, 9, 1))
    kids = []
    for i, (name, sex, birth, seq) in enumerate(cast):
        out = reg.enroll(
            shushan,
            school=schools[0].code,
            class_id=f"{schools[0].code}-1",
            grade=1,
            name=name,
            sex=sex,
            birth_date=birth,
            hukou_region="340104",
            id_number=_id("340104", birth, seq),
            photo=Photo(D(2025, 8, 30), f"sha256:{i}"),
            consent=Consent("guardian_consent", f"{name}的家长", D(2025, 8, 30)),
        )
        assert out.student is not None
        kids.append(out.student)
        show(
            out,
            f"录入新生 {name}: 学籍号 {_shown(out.student.registry_number)},"
            f" 地区学号 {out.student.regional_number}",
        )
    young = reg.enroll(
        shushan,
        school=schools[0].code,
        class_id=f"{schools[0].code}-1",
        grade=1,
        name="赵小",
        sex="F",
        birth_date=D(2019, 9, 2),
        hukou_region="340104",
        id_number=_id("340104", D(2019, 9, 2), 2),
        photo=Photo(D(2025, 8, 30), "y"),
    )
    show(young, "录入未满6周岁的赵小")
    senior_birth = D(2007, 6, 1)
    senior = reg.enroll(
        yizhong,
        school=schools[2].code,
        class_id=f"{schools[2].code}-12",
        grade=12,
        name="陈高三",
        sex="M",
        birth_date=senior_birth,
        hukou_region="340104",
        id_number=_id("340104", senior_birth, 11),
    )
    assert senior.student is not None
    students = [*kids, senior.student]
    clock.advance_to(D(2025, 9, 20))
    for s in students:
        actor = yizhong if s.school == schools[2].code else shushan
        sub = reg.submit(actor, s.id)
        assert sub.request is not None
        auth = hefei if s.school == schools[2].code else county
        show(reg.approve(auth, sub.request.id), f"{s.name} 预审核通过，正式注册入籍")

    # -- key fields (Art 29) ------------------------------------------------------------------
    clock.advance_to(D(2025, 9, 24))
    first, second, third = (k.name for k in kids)
    show(reg.update_student(shushan, kids[1].id, name=corrected), f"学校直接修改{second}的姓名")
    corr = reg.request_correction(shushan, kids[1].id, {"name": corrected}, "以户口簿为准")
    assert corr.request is not None
    show(
        reg.approve(county, corr.request.id),
        f"主管单位批准更正：{second} → {corrected} (旧值留在记录中)",
    )

    # -- a transfer across National Day, one stage approved by default (Arts 21, 24) ---------------
    clock.advance_to(D(2025, 9, 25))
    tr = reg.request_transfer(
        jinghu,
        kids[0].id,
        to_school=schools[1].code,
        to_class=f"{schools[1].code}-1",
        reason=TransferReason.JOB_MOVE,
    )
    assert tr.request is not None
    show(tr, f"镜湖小学受理{first}的转学申请；期限 {tr.request.deadline}（20个工作日，跨国庆）")
    clock.advance_to(D(2025, 10, 30))
    for req in reg.advance_clock(Actor.system()):
        say(f"⏰ 转入学校逾期未审：{DEFAULT_APPROVAL_NOTE}；下一环节期限 {req.deadline}")
    show(reg.approve(wuhu, tr.request.id), "转入地主管部门审核同意")
    show(reg.approve(shushan, tr.request.id), "转出学校核对同意")
    show(reg.approve(county, tr.request.id), "转出地主管部门审核同意，学籍转入镜湖小学")

    # -- suspension, resumption, dropout (Arts 26-27) -----------------------------------------
    clock.advance_to(D(2025, 11, 10))
    sus = reg.suspend(shushan, kids[2].id, "病休")
    assert sus.request is not None
    show(reg.approve(county, sus.request.id), f"{third}休学")
    clock.advance_to(D(2026, 3, 1))
    res = reg.resume(shushan, kids[2].id, "痊愈")
    assert res.request is not None
    show(reg.approve(county, res.request.id), f"{third}复学")
    drop = reg.record_dropout(shushan, kids[1].id, "随父母外出")
    assert drop.request is not None
    show(drop, f"{corrected}辍学登记；审核期限 {drop.request.deadline}（15个工作日）")
    show(reg.approve(county, drop.request.id), "辍学审核通过：义务教育阶段保留学籍")

    # -- graduation and the rollover (Art 18) --------------------------------------------------
    clock.advance_to(D(2026, 7, 10))
    grad = reg.graduate(yizhong, senior.student.id)
    assert grad.request is not None
    show(grad, "合一中提交陈高三的毕业审批")
    show(reg.approve(hefei, grad.request.id), "合肥市教育局批准：陈高三毕业")
    clock.advance_to(D(2026, 8, 1))
    show(reg.rollover(Actor.system(), 2026), "8月1日学年升级：在校生升一年级")
    for s in students:
        now = reg.student(prov, s.id)
        say(f"   {now.name}: {now.status.zh} {now.grade}年级 @ {now.school}")
    return reg
