"""Who may do what (Art 28, Arts 6-7): actors, jurisdiction, the permission matrix.

Three kinds of user (Art 28): the province (query and statistics province-wide; no
data maintenance, except creating units and schools, Art 6); a city or county
(maintenance, query and statistics for the schools in its jurisdiction, and the
approvals that belong to a school's 学籍主管单位); a school (entry, maintenance, query
and statistics for its own students; a 学区中心校 also for its branches', Art 7).
The system itself runs the deadline sweep and the rollover.

Jurisdiction is the supervising-unit tree (Art 4): a unit covers the schools whose
学籍主管单位 is the unit or a unit below it, including schools a city runs directly.
Every command and query of :class:`~xueji.registry.Registry` is checked here, in the
service layer; a refusal raises :class:`~xueji.errors.AccessDenied`, naming the actor,
the action and the rule, and changes nothing.

>>> PERMISSIONS["enroll"].kinds == frozenset({ActorKind.SCHOOL, ActorKind.CITY, ActorKind.COUNTY})
True
>>> PERMISSIONS["add_school"].scope
<Scope.SETUP: 'setup'>
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from types import MappingProxyType

import attrs

from xueji.articles import Article, anhui
from xueji.errors import AccessDenied
from xueji.model import Actor, ActorKind

__all__ = ["PERMISSIONS", "Permission", "Scope", "check", "matrix_markdown"]

K = ActorKind
AUTHORITIES = frozenset({K.CITY, K.COUNTY})
LOCAL = frozenset({K.SCHOOL, K.CITY, K.COUNTY})
READERS = frozenset({K.PROVINCE, K.CITY, K.COUNTY, K.SCHOOL})


class Scope(enum.StrEnum):
    """What an action's jurisdiction is judged on."""

    SETUP = "setup"  # the province creates the tree (Art 6)
    SCHOOL = "school"  # the school the action touches (its own, branch, or jurisdiction)
    RECEIVING = "receiving"  # the receiving school of a transfer in (Art 21)
    STAGE = "stage"  # the party a request's stage waits for (Art 21; the request's own)
    OPENER = "opener"  # the unit that opened the request
    PROVINCE_WIDE = "province_wide"  # the whole province at once (Art 18 rollover, Art 24 sweep)
    UNIT = "unit"  # a unit's own jurisdiction (reports, Art 27, Art 32)
    INBOX = "inbox"  # the requests whose stage waits for the actor (none the province's)


@attrs.frozen
class Permission:
    """The actor kinds an action is open to, what jurisdiction is judged on, and why."""

    kinds: frozenset[ActorKind]
    scope: Scope
    article: Article
    note: str = ""


def _p(kinds: frozenset[ActorKind], scope: Scope, article: Article, note: str = "") -> Permission:
    return Permission(kinds, scope, article, note)


PERMISSIONS: Mapping[str, Permission] = MappingProxyType(
    {
        # 第二章: the tree (Art 6) and classes (Art 10)
        "add_unit": _p(frozenset({K.PROVINCE}), Scope.SETUP, anhui(6)),
        "add_school": _p(frozenset({K.PROVINCE}), Scope.SETUP, anhui(6)),
        "add_class": _p(LOCAL, Scope.SCHOOL, anhui(28), "maintenance: school or its authority"),
        # 第三章: entry and maintenance (Arts 12-18, 28, 29)
        "enroll": _p(
            LOCAL, Scope.SCHOOL, anhui(28), "数据录入 by the school; 补办 by the authority (Art 23)"
        ),
        "enroll_many": _p(LOCAL, Scope.SCHOOL, anhui(28), "each row checked as enroll"),
        "update_student": _p(LOCAL, Scope.SCHOOL, anhui(28)),
        "regrade": _p(
            AUTHORITIES,
            Scope.SCHOOL,
            anhui(28),
            "a grade put right (Art 18(2)): the authorities' data maintenance",
        ),
        "add_info": _p(LOCAL, Scope.SCHOOL, anhui(17)),
        "submit": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(15),
            "by the school; not the unit that reviews it (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "request_correction": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(29),
            "by the school; not the unit that reviews it (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "graduate": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(18),
            "senior high filed: not the unit that reviews it (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "complete": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(18),
            "senior high filed: not the unit that reviews it (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        # 第四章: changes (Arts 20-27)
        "request_transfer": _p(
            LOCAL,
            Scope.RECEIVING,
            anhui(21),
            "filed by the receiving school; not by the receiving or the sending school's "
            "authority (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "transfer_in": _p(
            LOCAL,
            Scope.RECEIVING,
            anhui(22),
            "by the receiving school; not its authority (`stage.own_filing`, Art 31; "
            "its 补办 of a record from abroad is `enroll`'s, Art 23)",
        ),
        "request_cross_province_out": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(22),
            "by the school; not its authority (`stage.own_filing`, Art 31; citing the "
            "request's article)",
        ),
        "request_cross_border_out": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(23),
            "by the school; not its authority (`stage.own_filing`, Art 31; citing the "
            "request's article)",
        ),
        "suspend": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(26),
            "by the school; not the unit that reviews it (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "resume": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(26),
            "by the school; not the unit that reviews it (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "record_dropout": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(27),
            "by the school; not the unit that reviews it (`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "return_from_dropout": _p(LOCAL, Scope.SCHOOL, anhui(27, 2)),
        "void_record": _p(
            LOCAL,
            Scope.SCHOOL,
            anhui(14),
            "a draft or a record under review entered in error: kept (作废), not deleted",
        ),
        "approve": _p(
            LOCAL,
            Scope.STAGE,
            anhui(28),
            "any request: only the party the stage waits for (`stage.wrong_party`), not "
            "the unit that filed the request (`stage.own_filing`, Art 31), each citing "
            "the request's article; the province decides no stage (Art 28)",
        ),
        "reject": _p(
            LOCAL,
            Scope.STAGE,
            anhui(28),
            "any request: only the party the stage waits for (`stage.wrong_party`), not "
            "the unit that filed the request (`stage.own_filing`, Art 31), each citing "
            "the request's article; the province decides no stage (Art 28)",
        ),
        "decide_transfer": _p(
            LOCAL,
            Scope.STAGE,
            anhui(21),
            "only the party the stage waits for; not the unit that filed the transfer "
            "(`stage.own_filing`, Art 31; citing the request's article)",
        ),
        "withdraw": _p(LOCAL, Scope.OPENER, anhui(21), "only the unit that opened the request"),
        # province-wide operations
        "rollover": _p(
            frozenset({K.PROVINCE, K.SYSTEM}),
            Scope.PROVINCE_WIDE,
            anhui(18, 2),
            "全省统一进行系统的学年学期变更",
        ),
        "advance_clock": _p(frozenset({K.PROVINCE, K.SYSTEM}), Scope.PROVINCE_WIDE, anhui(24)),
        "forget_idempotency_keys": _p(
            frozenset({K.PROVINCE, K.SYSTEM}),
            Scope.PROVINCE_WIDE,
            anhui(5),
            "运维: old idempotency records of the store",
        ),
        # 第五章: query, statistics, audit (Arts 27, 28, 31, 32)
        "student": _p(READERS, Scope.SCHOOL, anhui(28), "查询"),
        "students_of": _p(READERS, Scope.SCHOOL, anhui(28), "查询"),
        "request": _p(READERS, Scope.SCHOOL, anhui(28), "either school of the request"),
        "pending": _p(
            READERS,
            Scope.INBOX,
            anhui(28),
            "待办: the requests whose stage waits for the actor; the province's is empty "
            "(it decides no stage, Art 28)",
        ),
        "history": _p(READERS, Scope.SCHOOL, anhui(28)),
        "migrant_dropouts": _p(frozenset({K.PROVINCE, K.CITY, K.COUNTY}), Scope.UNIT, anhui(27, 3)),
        "verify_log": _p(
            frozenset({K.PROVINCE, K.CITY, K.COUNTY, K.SYSTEM}), Scope.UNIT, anhui(31)
        ),
        "checkpoint": _p(
            frozenset({K.PROVINCE, K.CITY, K.COUNTY, K.SYSTEM}), Scope.UNIT, anhui(31)
        ),
        "detect": _p(frozenset({K.PROVINCE, K.CITY, K.COUNTY}), Scope.UNIT, anhui(32)),
        "public_class_list": _p(READERS, Scope.SCHOOL, anhui(31), "公示: no sensitive field"),
        "statistics": _p(READERS, Scope.UNIT, anhui(28), "统计: counts only"),
        "national_export": _p(
            frozenset({K.PROVINCE, K.CITY, K.COUNTY}),
            Scope.UNIT,
            anhui(5),
            "全国系统: full ID numbers, the read is logged",
        ),
        "national_export_to": _p(
            frozenset({K.PROVINCE, K.CITY, K.COUNTY}),
            Scope.UNIT,
            anhui(5),
            "全国系统, streamed to a file: full ID numbers, the read is logged",
        ),
    }
)
"""Every action of the registry facade, with who may take it."""


def check(
    actor: Actor,
    action: str,
    *,
    inside: bool,
    detail: str = "",
    cite: Callable[[str, Article], Article] | None = None,
    detail_en: str | None = None,
) -> None:
    """Raise :class:`~xueji.errors.AccessDenied` unless ``actor`` may take ``action``.

    ``inside`` is the jurisdiction verdict the service computed for the action's
    scope (own school, branch, unit tree, stage party, opener). ``detail`` names what
    was outside it, in the Chinese message and, unless ``detail_en`` is given (a detail
    in words), in the English one too. ``cite`` gives the
    article a denial cites, from the action and the matrix's article: the profile in
    force's ``"access.<action>"`` citation (:meth:`xueji.policy.Policy.cite`); asked
    only when the actor is denied.
    """
    perm = PERMISSIONS[action]
    if actor.kind in perm.kinds and inside:
        return
    article = perm.article if cite is None else cite(action, perm.article)
    if actor.kind not in perm.kinds:
        raise AccessDenied(
            actor.kind.value,
            actor.unit,
            action,
            str(article),
            "该类用户不能执行此操作",
            "this kind of user may not do this",
        )
    en = detail if detail_en is None else detail_en
    raise AccessDenied(
        actor.kind.value,
        actor.unit,
        action,
        str(article),
        f"超出管辖范围{('：' + detail) if detail else ''}",
        f"outside the actor's jurisdiction{(': ' + en) if en else ''}",
    )


_CELL = {
    Scope.SETUP: "✓",
    Scope.SCHOOL: "✓ own/jurisdiction",
    Scope.RECEIVING: "✓ receiving side",
    Scope.STAGE: "✓ stage party",
    Scope.OPENER: "✓ opener",
    Scope.PROVINCE_WIDE: "✓",
    Scope.UNIT: "✓ jurisdiction",
    Scope.INBOX: "✓ its stages",
}


def cell(action: str, kind: ActorKind) -> str:
    """One cell of the matrix as printed."""
    perm = PERMISSIONS[action]
    if kind not in perm.kinds:
        return "—"
    if kind in (K.PROVINCE, K.SYSTEM) and perm.scope is Scope.INBOX:
        return "✓ empty (no stage waits for it)"
    if kind in (K.PROVINCE, K.SYSTEM) and perm.scope in (Scope.SCHOOL, Scope.UNIT):
        return "✓ province-wide"
    return _CELL[perm.scope]


def matrix_markdown() -> str:
    """The permission matrix (action x actor kind, with the article) as Markdown."""
    kinds = [K.PROVINCE, K.CITY, K.COUNTY, K.SCHOOL, K.SYSTEM]
    lines = [
        "| action | " + " | ".join(k.value for k in kinds) + " | article | note |",
        "|---|" + "---|" * len(kinds) + "---|---|",
    ]
    for action, perm in PERMISSIONS.items():
        cells = " | ".join(cell(action, k) for k in kinds)
        lines.append(f"| `{action}` | {cells} | {perm.article} | {perm.note} |")
    return "\n".join(lines)
