"""A synthetic province for benchmarks: cities, counties, primary schools, classes.

Deterministic for a seed. Identity numbers are realistic (county codes of Anhui that
are still in use, plausible birth dates, correct check characters) and distinct.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import attrs

from xueji import ids, regions
from xueji.model import Actor, ActorKind, Photo, School, SchoolClass, Unit, UnitLevel
from xueji.policy import Stage
from xueji.registry import Registry

PROVINCE_ACTOR = Actor(ActorKind.PROVINCE, "34", "bench")


@attrs.frozen
class Layout:
    """Where the synthetic province's schools are."""

    schools: tuple[School, ...]
    classes: dict[tuple[str, int], str]  # (school, grade) -> class id
    counties: tuple[str, ...]


def _anhui_counties() -> list[tuple[str, str]]:
    """(city code, county code) pairs of Anhui codes in use today."""
    out = []
    for code, region in sorted(regions.table().items()):
        in_use = region.last_year == regions.OPEN_END
        if code.startswith("34") and in_use and code[4:] != "00" and code[2:4] != "00":
            out.append((code[:4], code))
    return out


def build(reg: Registry, *, schools: int, cities: int = 16, seed: int = 2013) -> Layout:
    """Create ``cities`` cities, their counties and ``schools`` primary schools (grades
    1-6, one class per grade with a cap of 45) through the facade."""
    rng = random.Random(seed)
    pairs = _anhui_counties()
    city_codes = sorted({c for c, _ in pairs})[:cities]
    reg.add_unit(PROVINCE_ACTOR, Unit("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000"))
    counties: list[str] = []
    for city in city_codes:
        reg.add_unit(
            PROVINCE_ACTOR, Unit(city, f"{city} 教育局", UnitLevel.CITY, city + "00", "34")
        )
        for _, county in [p for p in pairs if p[0] == city]:
            reg.add_unit(
                PROVINCE_ACTOR, Unit(county, f"{county} 教育局", UnitLevel.COUNTY, county, city)
            )
            counties.append(county)
    made: list[School] = []
    classes: dict[tuple[str, int], str] = {}
    for i in range(schools):
        county = rng.choice(counties)
        school = School(f"S{i:06d}", f"小学{i}", county, county, frozenset({Stage.PRIMARY}))
        reg.add_school(PROVINCE_ACTOR, school)
        made.append(school)
        for grade in range(1, 7):
            for k in range(4):  # four classes per grade: room for the students given
                cid = f"{school.code}-{grade}-{k}"
                reg.add_class(
                    Actor(ActorKind.SCHOOL, school.code),
                    SchoolClass(
                        cid,
                        school.code,
                        f"{grade}年级{k + 1}班",
                        grade,
                        "班主任",
                        dt.date(2026, 9, 1),
                    ),
                )
            classes[(school.code, grade)] = f"{school.code}-{grade}-0"
    return Layout(tuple(made), classes, tuple(counties))


def students(n: int, layout: Layout, *, seed: int = 2013) -> Iterator[dict[str, object]]:
    """Keyword arguments for ``Registry.enroll`` for ``n`` distinct students, spread
    evenly over the schools and their six grades (45 to a class)."""
    rng = random.Random(seed)
    used: dict[tuple[str, dt.date, str], int] = {}
    per_school = -(-n // len(layout.schools))
    for i in range(n):
        school = layout.schools[i // per_school]
        j = i % per_school
        grade = 1 + j % 6
        k = (j // 6) // 45
        if k > 3:
            raise ValueError("more students than the classes hold: add schools")
        birth = dt.date(2026 - 5 - grade, 1 + rng.randrange(8), 1 + rng.randrange(28))
        sex = "M" if i % 2 else "F"
        key = (school.region, birth, sex)
        used[key] = used.get(key, 0) + 1
        seq = 2 * used[key] - (1 if sex == "M" else 0)
        body = f"{school.region}{birth:%Y%m%d}{seq:03d}"
        yield {
            "school": school.code,
            "class_id": f"{school.code}-{grade}-{k}",
            "grade": grade,
            "name": f"学生{i}",
            "sex": sex,
            "birth_date": birth,
            "hukou_region": school.region,
            "id_number": body + ids.check_character(body),
            "photo": Photo(dt.date(2026, 9, 1), "bench"),
        }
