"""The tree of units and schools (Arts 4, 6, 7, 28): where a school may be placed.

A school's 学籍主管单位 approves its requests (new students, Art 15; corrections, Art
29; transfers, Art 21), so it must be a unit that can: a city or a county (Art 28
gives the province-level user query and statistics only; the levels are the profile's
``school_authority_levels``). A 分校's 学区中心校 manages the branch's students (Art
7): it reads and changes them, so it must stand under the branch's own 学籍主管单位
(a 学区 is a county's), or it would act on students whose authority cannot see it.

>>> from xueji.model import School, Unit, UnitLevel
>>> from xueji.policy import ANHUI_2013, Stage
>>> province = Unit("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000")
>>> school = School("PS", "省属学校", "34", "340100", frozenset({Stage.PRIMARY}))
>>> check_school_place(school, authority=province, central=None, policy=ANHUI_2013).codes
('school.authority_level',)
"""

from __future__ import annotations

from xueji.decision import Decision
from xueji.model import School, Unit
from xueji.policy.model import Policy
from xueji.rules._base import Checks

__all__ = ["check_school_place"]


def check_school_place(
    school: School, *, authority: Unit, central: School | None, policy: Policy
) -> Decision:
    """Arts 28 and 7: ``school`` may be added under ``authority`` (its 学籍主管单位,
    a unit of a level the profile's ``school_authority_levels`` names:
    ``school.authority_level``) and, a 分校, under ``central`` (its 学区中心校, which
    must have the same 学籍主管单位: ``school.central_elsewhere``)."""
    levels = policy.school_authority_levels
    c = Checks()
    c.check(
        "school.authority_level",
        authority.level.value in levels.value,
        {
            "school": school.code,
            "authority": authority.code,
            "level": authority.level.value,
            "allowed": ",".join(sorted(levels.value)),
        },
        article=levels.article,
        params=(("school_authority_levels", levels),),
    )
    if central is not None:
        c.check(
            "school.central_elsewhere",
            central.authority == school.authority,
            {
                "school": school.code,
                "authority": school.authority,
                "central_school": central.code,
                "central_authority": central.authority,
            },
        )
    return c.decision()
