"""Shared fixtures: a small province with a registry on the in-memory store."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from xueji import ids
from xueji.articles import Article
from xueji.clock import ManualClock
from xueji.model import (
    Actor,
    ActorKind,
    ChangeEntry,
    Photo,
    School,
    SchoolClass,
    Student,
    Unit,
    UnitLevel,
)
from xueji.policy import ANHUI_2013, Param, Policy, Stage, load_policy
from xueji.registry import Registry
from xueji.rules.enrolment import age_cutoff
from xueji.storage import MemoryStore
from xueji.storage.protocols import Store
from xueji.storage.sql import SqlStore

D = dt.date
START = D(2026, 9, 1)
PROVINCE = Actor(ActorKind.PROVINCE, "34", "省管理员")

# code, name, authority, region, stages, extra
SCHOOLS: list[tuple[str, str, str, str, frozenset[Stage], dict[str, object]]] = [
    ("A", "蜀山实验小学", "340104", "340104", frozenset({Stage.PRIMARY}), {}),
    ("B", "蜀山第二小学", "340104", "340104", frozenset({Stage.PRIMARY}), {}),
    ("W", "镜湖小学", "340202", "340202", frozenset({Stage.PRIMARY}), {}),
    ("J", "蜀山中学", "340104", "340104", frozenset({Stage.JUNIOR}), {}),
    ("H", "合肥一中", "3401", "340100", frozenset({Stage.SENIOR}), {}),  # run by the city
    ("H2", "合肥八中", "3401", "340100", frozenset({Stage.SENIOR}), {}),
    ("WH", "芜湖一中", "3402", "340200", frozenset({Stage.SENIOR}), {}),
    ("SP", "蜀山特殊教育学校", "340104", "340104", frozenset({Stage.SPECIAL, Stage.PRIMARY}), {}),
    ("Z", "长丰县学区中心校", "340121", "340121", frozenset({Stage.PRIMARY}), {"is_central": True}),
    ("Z1", "长丰县某分校", "340121", "340121", frozenset({Stage.PRIMARY}), {"central_school": "Z"}),
]
GRADES = {
    "A": range(1, 7),
    "B": range(1, 7),
    "W": range(1, 7),
    "J": range(7, 10),
    "H": range(10, 13),
    "H2": range(10, 13),
    "WH": range(10, 13),
    "SP": range(1, 7),
    "Z": range(1, 7),
    "Z1": range(1, 7),
}

_seq = itertools.count(1)


def make_id(birth: dt.date, sex: str = "M", region: str = "340104", n: int | None = None) -> str:
    """A valid identity number for a birth date and sex, distinct on every call (or the
    ``n``-th, for callers that need determinism)."""
    n = (next(_seq) if n is None else n) % 499
    seq = 2 * n + (1 if sex == "M" else 2)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ids.check_character(body)


PUPIL_BORN = D(2020, 3, 1)
"""The birth date of :func:`enrol_kwargs`'s pupil by default (grade 1 in 2026)."""


def enrol_kwargs(birth: dt.date = PUPIL_BORN, **over: Any) -> dict[str, Any]:
    """The keyword arguments of ``Registry.enroll`` for a grade-1 pupil of school A
    (class A-1) born on ``birth``, with an identity number for that date (a new one,
    unless ``over`` gives one) and a photo; ``over`` replaces any of them, and a value
    of None leaves that argument out. One place for the tests' enrolment rows."""
    row: dict[str, Any] = {
        "school": "A",
        "class_id": "A-1",
        "grade": 1,
        "name": "甲",
        "sex": "M",
        "birth_date": birth,
        "hukou_region": "340104",
        "photo": Photo(D(2026, 9, 1), "x"),
    }
    if "id_number" not in over:
        row["id_number"] = make_id(birth)
    row.update(over)
    return {k: v for k, v in row.items() if v is not None}


_MASKED_NUMBER = re.compile(r"(?<![0-9A-Za-z*])[GJL]?(\d{6})\*{8}([\dXx]{4})")
_SHOWN_DATES = (
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),  # 2020-03-01
    re.compile(r"(?<![\d*])(\d{4})(\d{2})(\d{2})(?![\d*])"),  # 20200301
    re.compile(r"datetime\.date\((\d{4}), (\d{1,2}), (\d{1,2})\)"),  # a repr's
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    # inside a longer run of digits: a whole J or L number holds the birth date (every
    # eight digits of the run, overlapping; only the numbers of ``of`` are asked)
    re.compile(r"(?=(\d{4})(\d{2})(\d{2}))"),
)


def rebuilt(*texts: str, of: Iterable[str]) -> list[str]:
    """The identity numbers among ``of`` that ``texts``, read together, give back: the
    number masked by the default mask (6 characters shown, the 8 of the birth date
    hidden, 4 shown; a G/J/L registry number's inside its letter) and its birth date,
    in any form (also inside a longer run of digits, as a whole J or L number holds
    it), both shown. The mask hides exactly the birth date (Art 30), so a text
    showing both gives the whole number back: empty for a safe text. (Only the
    numbers the test knows: about one date in eleven makes *some* valid number of any
    masked one, so a text full of dates would give false alarms.)"""
    text = "\n".join(texts)
    dates = {
        f"{int(y):04d}{int(m):02d}{int(d):02d}" for r in _SHOWN_DATES for y, m, d in r.findall(text)
    }
    found = {
        head + day + tail.upper()
        for head, tail in _MASKED_NUMBER.findall(text)
        for day in dates
        if ids.is_valid(head + day + tail.upper())
    }
    return sorted(found & {ids.normalize(n) for n in of})


def school_actor(code: str) -> Actor:
    return Actor(ActorKind.SCHOOL, code, f"{code} 学籍管理员")


def authority(code: str) -> Actor:
    kind = ActorKind.CITY if len(code) == 4 else ActorKind.COUNTY
    return Actor(kind, code, f"{code} 审核员")


class Province:
    """A registry over a small province, with helpers to reach common states."""

    def __init__(
        self,
        start: dt.date = START,
        policies: Sequence[Policy] = (ANHUI_2013,),
        store: Store | None = None,
    ):
        self.clock = ManualClock(start)
        self.store: Any = store if store is not None else MemoryStore()
        self.reg = Registry(self.store, clock=self.clock, policies=policies)
        r = self.reg
        r.add_unit(PROVINCE, Unit("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000"))
        r.add_unit(PROVINCE, Unit("3401", "合肥市教育局", UnitLevel.CITY, "340100", "34"))
        r.add_unit(PROVINCE, Unit("340104", "蜀山区教育体育局", UnitLevel.COUNTY, "340104", "3401"))
        r.add_unit(PROVINCE, Unit("340121", "长丰县教育体育局", UnitLevel.COUNTY, "340121", "3401"))
        r.add_unit(PROVINCE, Unit("3402", "芜湖市教育局", UnitLevel.CITY, "340200", "34"))
        r.add_unit(PROVINCE, Unit("340202", "镜湖区教育局", UnitLevel.COUNTY, "340202", "3402"))
        for code, name, auth, region, stages, extra in SCHOOLS:
            r.add_school(PROVINCE, School(code, name, auth, region, stages, **extra))  # type: ignore[arg-type]
            for g in GRADES[code]:
                r.add_class(
                    school_actor(code),
                    SchoolClass(f"{code}-{g}", code, f"{g}年级1班", g, "班主任", D(2026, 9, 1)),
                )

    def today(self) -> dt.date:
        return self.clock.today()

    def log(self) -> list[ChangeEntry]:
        """Every change-log entry, from whichever store the province runs on."""
        with self.store.unit_of_work() as uow:
            return list(uow.log.entries())

    def at(self, day: dt.date) -> None:
        self.clock.advance_to(day)

    def enroll(
        self,
        school: str = "A",
        grade: int = 1,
        *,
        birth: dt.date | None = None,
        sex: str = "M",
        id_number: str | None = "auto",
        **kw: object,
    ) -> Student:
        # (6 on the cutoff of the school year joined today: Art 14, age_cutoff)
        born_by = age_cutoff(self.today(), ANHUI_2013).year
        birth = birth or D(born_by - 5 - grade, 3, 1)
        if id_number == "auto":
            id_number = make_id(birth, sex)
        out = self.reg.enroll(
            school_actor(school),
            school=school,
            class_id=kw.pop("class_id", f"{school}-{grade}"),  # type: ignore[arg-type]
            grade=grade,
            name=str(kw.pop("name", "学生")),
            sex=sex,
            birth_date=birth,
            hukou_region=str(kw.pop("hukou_region", "340104")),
            id_number=id_number,
            photo=kw.pop("photo", Photo(self.today(), "sha256:x")),  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        )
        assert out.allowed, out.decision
        assert out.student is not None
        return out.student

    def register(self, school: str = "A", grade: int = 1, **kw: object) -> Student:
        s = self.enroll(school, grade, **kw)
        sub = self.reg.submit(school_actor(school), s.id)
        assert sub.request is not None
        auth = self.authority_of(school)
        out = self.reg.approve(auth, sub.request.id)
        assert out.allowed, out.decision
        assert out.student is not None
        return out.student

    def authority_of(self, school: str) -> Actor:
        return authority(next(a for c, _, a, *_ in SCHOOLS if c == school))


@pytest.fixture(params=["memory", "sqlite"])
def province(request: pytest.FixtureRequest, tmp_path: Path) -> Province:
    """A province on each embedded store: the in-memory one and SQLite (a file)."""
    if request.param == "sqlite":
        return Province(store=SqlStore.sqlite(str(tmp_path / "registry.sqlite3")))
    return Province()


# -- a 五四制 profile (primary 1-5, junior 6-9), in code and as a policy file ----------

WUSI = "某教基〔2027〕5号"

FIVE_FOUR = attrs.evolve(
    ANHUI_2013,
    code="wusi-2027",
    name="某市中小学生学籍管理办法（五四制）",
    instrument=WUSI,
    school_system=Param(
        {
            Stage.PRIMARY: frozenset(range(1, 6)),
            Stage.JUNIOR: frozenset(range(6, 10)),
            Stage.SENIOR: frozenset(range(10, 13)),
            Stage.SPECIAL: frozenset(range(1, 10)),
        },
        Article(WUSI, 2),
        "五四制: primary 1-5, junior 6-9.",
    ),
    initial_grades=Param(frozenset({1, 6, 10}), Article(WUSI, 12)),
)
"""A 五四制 profile built in code (:func:`attrs.evolve` over Anhui's)."""

FIVE_FOUR_TOML = f"""
base = "anhui-2013"
code = "wusi-2027"
name = "某市中小学生学籍管理办法（五四制）"
instrument = "{WUSI}"

[school_system]
value = {{ primary = [1, 2, 3, 4, 5], junior = [6, 7, 8, 9], senior = [10, 11, 12], special = [1, 2, 3, 4, 5, 6, 7, 8, 9] }}
article = {{ instrument = "{WUSI}", number = 2 }}
note = "五四制: primary 1-5, junior 6-9."

[initial_grades]
value = [1, 6, 10]
article = {{ instrument = "{WUSI}", number = 12 }}
"""
"""The same profile as a policy file."""


@pytest.fixture(params=["evolve", "toml"])
def five_four(request: pytest.FixtureRequest, tmp_path: Path) -> Policy:
    """The 五四制 profile, built in code and loaded from a policy file."""
    if request.param == "toml":
        path = tmp_path / "wusi-2027.toml"
        path.write_text(FIVE_FOUR_TOML, encoding="utf-8")
        return load_policy(path)
    return FIVE_FOUR


def five_four_province(policy: Policy, start: dt.date = START) -> Province:
    """A province under ``policy`` (五四制) whose junior school J also has a grade-6
    class (its primary schools keep their grade-6 classes, which no student of the
    system's grade 6 may join: grade 6 is junior)."""
    p = Province(start, policies=(policy,))
    p.reg.add_class(
        school_actor("J"), SchoolClass("J-6", "J", "6年级1班", 6, "班主任", D(2026, 9, 1))
    )
    return p
