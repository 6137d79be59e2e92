"""The catalogue of rule codes with their articles, and the helper that builds violations."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from xueji.articles import ANHUI_2013_MEASURES, Article, anhui
from xueji.decision import Decision, Violation
from xueji.explain import Detail, ParamUse, Step, Verdict
from xueji.policy.model import Param

if TYPE_CHECKING:
    from xueji.policy.model import Policy

__all__ = [
    "RULE_CODES",
    "RULE_STATEMENTS",
    "Checks",
    "ParamRead",
    "cite_decision",
    "full_years",
    "violation",
]


def full_years(birth: _dt.date, on: _dt.date) -> int:
    """Age in full years (周岁) on ``on``; a 29 February birthday falls on 28 February
    in a common year (as ``dateutil.relativedelta`` counts it), without its cost.

    >>> full_years(_dt.date(2020, 2, 29), _dt.date(2027, 2, 28))
    7
    >>> full_years(_dt.date(2019, 9, 2), _dt.date(2026, 9, 1))
    6
    """
    try:
        birthday = birth.replace(year=on.year)
    except ValueError:  # 29 February in a common year
        birthday = _dt.date(on.year, 2, 28)
    return on.year - birth.year - (on < birthday)


_CODES: dict[str, tuple[Article, str, str]] = {}


def _code(code: str, article: Article, zh: str, en: str) -> None:
    _CODES[code] = (article, zh, en)


# 第二章 学籍信息: the tree (Arts 4, 6, 7, 28)
_code(
    "school.authority_level",
    anhui(28),
    "学校的学籍主管单位须为政策允许的市、县级教育行政部门（school_authority_levels）",
    "a school's 学籍主管单位 is a unit of a level the policy allows (school_authority_levels)",
)
_code(
    "school.central_elsewhere",
    anhui(7),
    "分校的学区中心校须与分校同属一个学籍主管单位",
    "a branch school's 学区中心校 is under the branch's own 学籍主管单位",
)

# 第三章 入学和毕业
_code(
    "enrolment.too_young",
    anhui(14),
    "学前教育阶段幼儿不得建立学籍",
    "no registry for pre-school children",
)
_code(
    "enrolment.duplicate",
    anhui(14),
    "已经取得学籍的学生不得重报学籍",
    "the student already has a registry",
)
_code(
    "enrolment.false_material",
    anhui(14),
    "禁止使用虚假材料建立学籍",
    "no registry on false material",
)
_code(
    "enrolment.photo_missing",
    anhui(12),
    "初始年级学生须采集入学当年照片",
    "an initial-grade student needs a photo taken in the year of entry",
)
_code(
    "enrolment.late",
    anhui(15),
    "新生信息录入审核应在规定日期前完成",
    "new-student entry and review finish by the set date",
)
_code(
    "enrolment.registration_late",
    anhui(15),
    "超过入学后的注册期限",
    "registration later than the period after entry",
)
_code(
    "enrolment.no_identifier",
    anhui(13),
    "无身份证号的学生须以监护人身份证号为标识号",
    "a student with no ID number is identified by a guardian's ID number",
)
_code(
    "enrolment.guardian_id",
    anhui(13),
    "监护人身份证号须为学生父母或其他法定监护人的号码：不是学生本人的号码，且其人早于学生出生",
    "the guardian's ID number is a parent's or other legal guardian's: not the student's "
    "own, and of someone born before the student",
)
_code(
    "enrolment.foreign_id_not_accepted",
    anhui(13),
    "该政策不以外国人永久居留身份证号码为身份证号（foreign_permanent_resident_ids）",
    "the policy does not take a foreigner's permanent residence ID card number as an ID "
    "number (foreign_permanent_resident_ids)",
)
_code(
    "enrolment.stage_mismatch", anhui(2), "学校不设该学段", "the school does not teach this stage"
)
_code(
    "enrolment.id_mismatch",
    anhui(29),
    "性别、出生日期须与身份证号一致",
    "sex and birth date must agree with the ID number",
)
_code("class.virtual", anhui(16), "禁止以虚拟班级为学生建立学籍", "no registry in a virtual class")
_code("class.no_head_teacher", anhui(16), "班级须有班主任", "a class needs a head teacher")
_code("class.full", anhui(16), "班额超过规定", "the class is over its size cap")
_code(
    "class.wrong_school",
    anhui(16),
    "班级不属于该学校或年级",
    "the class is not of this school or grade",
)
# Art 17, 29
_code(
    "info.status",
    anhui(17),
    "作废或已转出本省（境）的学籍不再由学校录入信息",
    "no information is recorded on a record voided or gone out of the province or the country",
)
_code(
    "info.future",
    anhui(17),
    "信息条目的日期不得晚于今天",
    "an information entry is not dated after today",
)
_code(
    "edit.status",
    anhui(29),
    "作废或已转出本省（境）的学籍不能直接修改",
    "a record voided or gone out of the province or the country is not edited",
)
_code(
    "edit.no_change",
    anhui(29),
    "修改内容与现有信息相同：无变化，未写入",
    "the edit changes nothing: nothing written",
)
_code(
    "correction.locked",
    anhui(29),
    "关键信息上报后不允许直接修改，须提交变更申请",
    "key fields are locked after submission; file a correction",
)
_code(
    "correction.not_key_field",
    anhui(29),
    "变更申请只用于关键信息",
    "a correction request is for key fields",
)
_code("correction.no_change", anhui(29), "变更内容与现有信息相同", "the correction changes nothing")
_code(
    "correction.status",
    anhui(29),
    "该学籍状态下不能申请变更关键信息",
    "no key-field correction of a record in this status",
)
_code(
    "correction.id_mismatch",
    anhui(29),
    "更正后的性别、出生日期与身份证号不一致",
    "after the correction, the sex or birth date would disagree with the ID number",
)
_code(
    "correction.id_removed",
    anhui(13),
    "身份证号只能更正，不能删除（学籍号由其生成）",
    "an ID number is corrected, never removed (the registry number was issued from it)",
)
_code(
    "correction.guardian_removed",
    anhui(13),
    "无身份证号学生的监护人身份证号是其标识号，只能更正，不能删除",
    "the guardian's ID number identifying a student with none is corrected, never removed",
)
_code(
    "correction.photo_removed",
    anhui(29, note="第十二条"),
    "照片是关键信息，只能更正，不能删除",
    "a photo is a key field: corrected, never removed",
)
_code(
    "correction.photo_date",
    anhui(29, note="第十二条"),
    "更正的照片须为学生本人照片：采集日期不早于出生日期",
    "a corrected photo is the student's: not taken before the birth date",
)
_code(
    "correction.unreadable",
    anhui(29),
    "变更申请的内容无法读取，请驳回后重新申请",
    "the correction's content cannot be read: reject it and file it again",
)
_code(
    "enrolment.key_fields_kept",
    anhui(29, note="第十二条"),
    "继续使用的学籍保留首次上报的关键信息：所填不同的关键信息未写入，须提交变更申请",
    "a record taken up again keeps the key fields reported at its first entry: those "
    "given otherwise were not applied; file a correction",
)
_code(
    "correction.duplicate",
    anhui(13),
    "更正后的身份证号已属于另一名学生的学籍",
    "the corrected ID number already belongs to another student's registry",
)
# 第四章 变动和审批
_code(
    "transfer.same_city_choice",
    anhui(25),
    "本市区户籍学生转学择校的，不得办理转学手续",
    "no transfer for a student of this city's 户籍 choosing another school in the city",
)
_code(
    "transfer.false_material",
    anhui(25),
    "利用虚假材料从外市区转入本市高中借读的，不得办理转学手续",
    "no transfer into this city's senior high on false material",
)
_code(
    "transfer.hukou_code_retired",
    anhui(25),
    "学生户籍地区码在决定之日已不使用（区划已调整），不能据此判断是否本市区户籍，"
    "须由学籍主管部门核实其现户籍所在市",
    "the student's 户籍 region code is not in use on the day of the decision (the "
    "division has changed): whether the 户籍 is of this city cannot be read from it; "
    "the authority checks the current 户籍 city",
)
_code(
    "transfer.verify_material",
    anhui(25),
    "外市转入本市高中，须核查转学材料",
    "a transfer into this city's senior high from another city: verify the material",
)
_code(
    "transfer.mid_term",
    anhui(25, 2),
    "学期期中转学，须说明正当理由",
    "a mid-term transfer needs a stated reason",
)
_code(
    "transfer.mid_term_no_reason",
    anhui(25, 2),
    "学期期中转学未说明正当理由",
    "a mid-term transfer without a stated reason",
)
_code(
    "transfer.blackout",
    # the article of the default profile's ``transfer_blackout`` (a decision cites the
    # parameter's, CITES_PARAMETER): under national-2013 教基一〔2013〕7号's calendar.
    # Catalogued as the national calendar, docs/reference.md contradicted what Anhui's
    # profile cites (found by the analysts' review)
    anhui(25, 2),
    "该期间不得发起转学",
    "no transfer may be started in this period",
)
_code(
    "transfer.closed_grade",
    anhui(25, 2),
    "该年级原则上不办理转学",
    "no transfer in a grade closed to transfers",
)
_code(
    "transfer.not_needed",
    anhui(20),
    "特教学校与随班就读之间转换可不办理转学手续，学籍可保留在原校",
    "special education <-> 随班就读 needs no transfer; the registry may stay",
)
_code(
    "transfer.status",
    anhui(21),
    "该学籍状态不能转学",
    "a student in this status cannot be transferred",
)
_code(
    "transfer.already_open",
    anhui(21),
    "该学生已有未完成的转学申请",
    "the student already has an open transfer",
)
_code(
    "transfer.applied_on",
    anhui(24),
    "申请日期不得晚于今天，也不得早到流入地学校的审核时限已过",
    "the application date may not be after today, nor so early that the receiving "
    "school's time limit has passed",
)
_code(
    "transfer.same_school",
    anhui(21),
    "转入学校与转出学校相同",
    "the receiving and sending schools are the same",
)
_code("transfer.reason_missing", anhui(20), "转学须说明理由", "a transfer needs a reason")
_code(
    "transfer.abroad_details",
    anhui(23),
    "跨境转出须注明变动去向、变动时间、变动原因",
    "a cross-border transfer out needs destination, date and reason",
)
_code(
    "transfer.cross_province_number",
    anhui(22),
    "跨省转入须通过学籍号调取学籍",
    "a cross-province transfer in needs the registry number",
)
_code("stage.overdue", anhui(24), "超出审批时限", "past the approval deadline")
_code(
    "stage.not_overdue",
    anhui(24),
    "审批时限未到，不能默认审批",
    "the deadline has not passed; no default approval",
)
_code("stage.no_default", anhui(24), "本政策不设默认审批", "this policy has no default approval")
_code(
    "stage.kind_no_default",
    anhui(24),
    "此类申请的审核不设默认审批",
    "this kind of request is never approved by default",
)
_code(
    "stage.wrong_party",
    anhui(21),
    "当前审批环节不属于该单位",
    "this stage does not belong to the acting unit",
)
_code(
    "stage.own_filing",
    anhui(31),
    "提交申请的单位不审批该申请的任何环节，审批环节属于本单位的申请也不由本单位提交："
    "学籍变动和转学由学校提交，学籍主管单位审核（由学校提交；已提交的请撤回）",
    "the unit that files a request decides none of its stages, and does not file one "
    "with a stage of its own: the school files a change or a transfer, the authorities "
    "review it (have the school file it; withdraw one filed)",
)
_code(
    "change.status",
    anhui(26),
    "该学籍状态不能办理此变动",
    "this change is not possible in the student's status",
)
_code(
    "change.other_open",
    anhui(19),
    "该学生已有未办结的学籍变动申请，须先办结或撤回",
    "the student has another registry change open; it must end first",
)
_code(
    "change.already_open",
    anhui(26),
    "该学生已有同类未完成申请",
    "the student already has an open request of this kind",
)
_code(
    "void.reason_missing",
    anhui(14),
    "作废误录的学籍记录须说明原因",
    "voiding a record entered in error needs a stated reason",
)
_code(
    "void.taken_up",
    anhui(13),
    "沿用原学籍的记录（升学接续、辍学后重新入学）不能作废：学籍号一人一号，属于该学生",
    "a record taken up again (continued into the next stage, a dropout enrolled again) "
    "is not voided: its registry number is the student's, one person one number",
)
_code(
    "dropout.not_compulsory_keep",
    anhui(27, 2),
    "义务教育阶段辍学学生保留学籍",
    "a compulsory-education dropout keeps the registry",
)
_code(
    "dropout.registry_kept",
    anhui(27, 2),
    "义务教育阶段辍学学生保留学籍，返校须办理辍学返校（return_from_dropout），不得重新入学报籍",
    "a compulsory-education dropout keeps the registry: bring the student back with "
    "return_from_dropout, not a new enrolment",
)
_code(
    "dropout.registry_lapsed",
    anhui(27, 2),
    "辍学学生保留学籍的义务教育阶段年限已过；仍准予返校，请核实",
    "the compulsory years for which the dropout's registry was kept have passed; the "
    "return goes ahead: check it",
)
_code(
    "dropout.reentry_grade",
    anhui(27, 2),
    "未保留学籍的辍学学生重新入学，须进入政策允许的年级（dropout_reentry_grades）",
    "a dropout whose registry was not kept is enrolled again only into a grade the "
    "policy allows (dropout_reentry_grades)",
)
_code(
    "dropout.review_overdue",
    anhui(27),
    "辍学审核超过规定的工作日数",
    "dropout review past the set number of working days",
)
_code(
    "graduation.not_final_grade",
    anhui(18),
    "只有毕业年级学生可以毕（结）业",
    "only final-grade students graduate",
)
_code(
    "graduation.early",
    anhui(18),
    "毕业操作在学年结束后开始",
    "graduation work begins after the school year ends",
)
_code(
    "graduation.late",
    anhui(18),
    "毕业操作须在规定日期前完成",
    "graduation work finishes by the set date",
)
_code(
    "graduation.overdue",
    anhui(18),
    "毕业年级学生在学年升级时仍未毕（结）业",
    "a final-grade student not graduated at the rollover",
)
_code(
    "rollover.suspended_held",
    anhui(18, 2),
    "休学学生不随学年升级",
    "a suspended student is not promoted",
)
_code(
    "rollover.status_unknown",
    anhui(18, 2),
    "逾期运行的学年升级无法确定学生在升级日期的学籍状态",
    "a late rollover cannot tell a student's status on its date",
)
_code(
    "regrade.grade",
    anhui(18, 2),
    "调整后的年级不是学生所在学段的年级，或年级与班级均与原来相同",
    "the new grade is not a grade of the student's own stage, or the grade and class "
    "are the ones the student is in",
)
_code("rollover.date", anhui(18, 2), "未到学年升级日期", "before the rollover date")
_code(
    "rollover.passed",
    anhui(18, 2),
    "该学年的升级时间已过（下一学年的升级日已到）",
    "that year's rollover is past: the next year's rollover date has come",
)

# 第五章 管理和安全 (Art 30) and privacy law
_code("password.too_short", anhui(30), "密码长度不足", "the password is too short")
_code(
    "password.classes",
    anhui(30),
    "密码字符类别不足",
    "the password mixes too few character classes",
)
_code("password.common", anhui(30), "密码过于常见", "the password is a common password")
_code(
    "password.recommended_length",
    anhui(30),
    "密码短于推荐长度",
    "the password is shorter than recommended",
)
_code(
    "password.expired",
    anhui(30),
    "密码须定期修改，已过期",
    "the password must be changed: it has expired",
)
_code(
    "account.locked",
    anhui(30),
    "连续登录失败，账户锁定",
    "the account is locked after repeated failures",
)
_code(
    "privacy.consent_missing",
    Article("个人信息保护法", 31),
    "不满十四周岁未成年人的个人信息须取得监护人同意",
    "a minor under 14 needs the guardian's consent on record",
)

# 第五章 Art 32(三) (伪造、改动学籍数据): a record a command found changed outside the registry
_code(
    "audit.altered_before",
    Article(ANHUI_2013_MEASURES, 32, item=3),
    "该学籍记录在本次操作前已在系统之外被改动（与其最后一条变动日志记载的不符）；"
    "操作照常办理，变动日志记下此事，学籍异常报告列出",
    "the record was changed outside the registry before this command (it did not hold "
    "what its last change-log entry wrote); the command went ahead, its log entry says "
    "so, and the registry's anomaly report lists it",
)

# and a request changed outside the registry: its approval is refused (the parties did
# not agree to what it now says), its refusal or withdrawal goes ahead, marked
_code(
    "audit.request_altered",
    Article(ANHUI_2013_MEASURES, 32, item=3),
    "该申请已在系统之外被改动（与其最后一条变动日志记载的不符），不得同意："
    "请不同意或撤回，按原意重新提交；学籍异常报告列出",
    "the request was changed outside the registry (it does not hold what its last "
    "change-log entry wrote) and cannot be approved: reject or withdraw it, and file "
    "it again as meant; the registry's anomaly report lists it",
)
_code(
    "audit.request_altered_before",
    Article(ANHUI_2013_MEASURES, 32, item=3),
    "该申请在本次操作前已在系统之外被改动（与其最后一条变动日志记载的不符）；"
    "不同意或撤回照常办理（不采用改动的内容），变动日志记下此事，学籍异常报告列出",
    "the request was changed outside the registry before this command (it did not hold "
    "what its last change-log entry wrote); the refusal or withdrawal went ahead "
    "(applying nothing of the change), its log entry says so, and the registry's "
    "anomaly report lists it",
)

RULE_CODES: Mapping[str, tuple[Article, str, str]] = MappingProxyType(_CODES)
"""Every rule code: (article, message in Chinese, message in English)."""

CITES_PARAMETER: Mapping[str, str] = MappingProxyType(
    {
        "class.full": "class_size_caps",
        "correction.locked": "locked_fields",
        "dropout.reentry_grade": "dropout_reentry_grades",
        "dropout.registry_lapsed": "dropout_registry_kept",
        "dropout.review_overdue": "dropout_review_limit",
        "enrolment.foreign_id_not_accepted": "foreign_permanent_resident_ids",
        "enrolment.late": "new_student_deadline",
        "enrolment.photo_missing": "initial_grades",
        "enrolment.registration_late": "registration_within_months",
        "enrolment.too_young": "school_entry_age",
        "graduation.early": "graduation_from",
        "graduation.late": "graduation_deadline",
        "graduation.overdue": "rollover_unfinished_final_grade",
        "rollover.date": "rollover_date",
        "rollover.passed": "rollover_date",
        "rollover.suspended_held": "rollover_promotes_suspended",
        "school.authority_level": "school_authority_levels",
        "stage.no_default": "transfer_default_approval",
        "stage.not_overdue": "transfer_stage_limit",
        "stage.overdue": "transfer_stage_limit",
        "transfer.applied_on": "transfer_stage_limit",
        "transfer.blackout": "transfer_blackout",
        "transfer.closed_grade": "transfer_closed_grades",
        "transfer.mid_term": "transfer_window",
        "transfer.mid_term_no_reason": "transfer_window",
        "transfer.not_needed": "special_education_transfer_optional",
    }
)
"""The rules that cite the article of a profile parameter, not the catalogue's: the
parameter each reads its article from (``tests/test_policy.py`` checks this against
the rules' code). A profile re-cites such a rule in the parameter's table (its value
and article): a ``"rule.<code>"`` citation of one is refused when the profile is
loaded (:func:`xueji.policy.model.citation_problems`), since it re-cited nothing
where the parameter had an article of its own. ``xueji policy show`` lists them as
decisions cite them."""


def violation(code: str, *, article: Article | None = None, **facts: object) -> Violation:
    """The :class:`Violation` for a catalogued code, with the facts the rule used.

    ``article`` overrides the catalogue's citation where the policy in force
    cites its own (e.g. another province's article for the same rule).
    """
    art, zh, en = _CODES[code]
    return Violation(code, article or art, zh, en, {k: str(v) for k, v in facts.items()})


def rule_article(code: str, article: Article, policy: Policy) -> Article:
    """The article a decision under ``policy`` cites for rule ``code`` where the rule
    cited ``article``: the profile's ``"rule.<code>"`` citation in place of the library's
    own (the catalogue's article, or any article of the Anhui measures a rule names,
    e.g. a change's Art 26 or 27); an article the rule took from a parameter of the
    profile stays the parameter's (a profile re-cites it in that parameter's table).
    What is not re-cited is shown as :meth:`~xueji.policy.Policy.as_cited` shows it:
    marked inherited under a profile of another instrument.

    >>> from xueji.policy import ANHUI_2013, NATIONAL_2013
    >>> str(rule_article("enrolment.duplicate", anhui(14), ANHUI_2013))
    '皖教基〔2013〕20号 第十四条'
    >>> rule_article("enrolment.duplicate", anhui(14), NATIONAL_2013).english
    '皖教基〔2013〕20号 Art 14 (inherited from anhui-2013)'
    >>> str(rule_article("dropout.registry_kept", anhui(27, 2), NATIONAL_2013))
    '教基一〔2013〕7号 第二十二条'
    """
    own = code in _CODES and (
        article == _CODES[code][0] or article.instrument == ANHUI_2013_MEASURES
    )
    if own and not article.inherited_from:
        return policy.cite("rule", code, article)
    return policy.as_cited(article)


def _recites(policy: Policy) -> bool:
    """Whether ``policy`` cites any rule otherwise than the catalogue does."""
    return policy.instrument != ANHUI_2013_MEASURES or any(
        k.startswith("rule.") for k in policy.citations
    )


def cite_decision(decision: Decision, policy: Policy) -> Decision:
    """``decision`` as a decision under ``policy`` cites it: every violation, warning
    and step of its explanation with :func:`rule_article`, and every parameter a step
    read with :meth:`~xueji.policy.Policy.as_cited`. The facade
    (:class:`xueji.registry.Registry`) returns its decisions so; a rule function's own
    decision cites the catalogue. Under the Anhui measures' own profile with no
    ``rule.`` citation, the decision itself is returned.

    >>> from xueji.policy import NATIONAL_2013
    >>> d = Decision.refuse(violation("enrolment.duplicate", student="S1"))
    >>> cite_decision(d, NATIONAL_2013).violations[0].article.english
    '皖教基〔2013〕20号 Art 14 (inherited from anhui-2013)'
    >>> print(cite_decision(d, NATIONAL_2013).explain().text("zh").splitlines()[1])
    1. ✗ 拒绝 [enrolment.duplicate] 已经取得学籍的学生不得重报学籍 — 皖教基〔2013〕20号 第十四条（沿用 anhui-2013）
    """
    if not _recites(policy):
        return decision

    def cited(items: tuple[Violation, ...]) -> list[Violation]:
        return [
            v
            if (a := rule_article(v.code, v.article, policy)) == v.article
            else attrs.evolve(v, article=a)
            for v in items
        ]

    source = _CitedSteps(decision, policy) if decision.trace else None
    return Decision(
        cited(decision.violations), cited(decision.warnings), (source,) if source else ()
    )


class _CitedSteps:
    """The steps of a decision, re-cited under a policy when they are built (a
    :class:`~xueji.explain.StepSource`: nothing is built unless explained)."""

    __slots__ = ("_decision", "_policy")

    def __init__(self, decision: Decision, policy: Policy) -> None:
        self._decision = decision
        self._policy = policy

    def build_steps(self) -> tuple[Step, ...]:
        p = self._policy
        return tuple(
            attrs.evolve(
                s,
                article=rule_article(s.rule, s.article, p),
                params=tuple(attrs.evolve(u, article=p.as_cited(u.article)) for u in s.params),
            )
            for s in self._decision.explain().steps
        )


# How a rule reads as an obligation, where the catalogue's text describes the breach
# (an allowing step shows the obligation, so "✓" never sits beside a breach).
_STATEMENTS: dict[str, tuple[str, str]] = {
    "enrolment.duplicate": (
        "已经取得学籍的学生不得重报学籍",
        "a student who has a registry may not be registered again",
    ),
    "enrolment.foreign_id_not_accepted": (
        "外国人永久居留身份证号码按政策可作为身份证号（foreign_permanent_resident_ids）",
        "a foreigner's permanent residence ID card number is an ID number as the policy "
        "reads it (foreign_permanent_resident_ids)",
    ),
    "enrolment.stage_mismatch": ("学校须设该学段", "the school must teach the student's stage"),
    "enrolment.registration_late": (
        "须在入学后的注册期限内注册",
        "registration within the period after entry",
    ),
    "class.full": ("班额不得超过规定", "a class stays within its size cap"),
    "class.wrong_school": (
        "班级须属于该学校和年级",
        "the class must be of this school and grade",
    ),
    "correction.no_change": ("变更申请须改变现有信息", "a correction must change something"),
    "correction.status": (
        "关键信息变更只用于在本省学籍中的学生（在籍、待审核、休学、辍学保留学籍，及曾上报的草稿）；"
        "未上报的草稿直接修改",
        "a correction is for a record held here (registered, pending review, suspended, "
        "dropped out with the registry kept, a draft reported before); a draft never "
        "reported is edited directly",
    ),
    "correction.id_mismatch": (
        "更正后的性别、出生日期须与身份证号一致",
        "after a correction, sex and birth date must agree with the ID number",
    ),
    "correction.id_removed": (
        "记录的身份证号保留（一人一籍一号）",
        "the record keeps an ID number (one person, one number)",
    ),
    "correction.guardian_removed": (
        "无身份证号学生的记录保留监护人身份证号（标识号）",
        "a record with no ID number keeps the guardian's (its identifier)",
    ),
    "correction.photo_removed": (
        "记录保留照片（关键信息只能更正）",
        "the record keeps a photo (a key field is corrected, not removed)",
    ),
    "correction.photo_date": (
        "更正的照片采集于学生出生之后",
        "a corrected photo was taken after the student's birth",
    ),
    "info.status": (
        "信息录入到本省持有的学籍（未作废，未转出本省或境外）",
        "information is recorded on a record held here (not voided, not gone out of the "
        "province or the country)",
    ),
    "info.future": ("信息条目的日期在今天或之前", "an information entry is dated today or earlier"),
    "edit.no_change": ("直接修改须改变现有信息", "a direct edit changes something"),
    "edit.status": (
        "直接修改只用于本省持有的学籍（未作废，未转出本省或境外）",
        "a direct edit is of a record held here (not voided, not gone out of the province "
        "or the country)",
    ),
    "enrolment.key_fields_kept": (
        "继续使用的学籍保留首次上报的关键信息（经变更申请更正）",
        "a record taken up again keeps the key fields reported at its first entry "
        "(corrected by a request)",
    ),
    "correction.unreadable": (
        "变更申请的内容须可读取",
        "a correction's content must be readable",
    ),
    "correction.duplicate": (
        "更正不得使两份学籍持有同一身份证号（一人一籍一号）",
        "a correction may not give two registries the same ID number (one person, one number)",
    ),
    "change.status": (
        "只有相应学籍状态的学生可以办理此变动",
        "a change only from a status that allows it",
    ),
    "change.other_open": (
        "同一学生同时只能有一项转学、休学、复学、辍学或毕业变动未办结；关键信息变更不与毕业、"
        "转出或新生审核并行，按政策也不与转学、转入并行",
        "a student has at most one open transfer, suspension, resumption, dropout or "
        "graduation; a key-field correction is not open beside a graduation, a transfer "
        "out or the new student's review, nor, as the policy reads, beside a transfer or "
        "a transfer in",
    ),
    "change.already_open": (
        "同一学生同类申请只能有一个未完成",
        "a student has at most one open request of a kind",
    ),
    "graduation.overdue": (
        "毕业年级学生须在学年升级前毕（结）业",
        "a final-grade student graduates before the rollover",
    ),
    "regrade.grade": (
        "调整后的年级须为学生所在学段的年级，且年级或班级有所变化",
        "a grade put right is a grade of the student's own stage, and the grade or the "
        "class changes",
    ),
    "rollover.suspended_held": (
        "休学学生是否随学年升级依政策",
        "a suspended student is promoted only if the policy says so",
    ),
    "rollover.status_unknown": (
        "逾期运行的学年升级按学生在升级日期的学籍状态处理",
        "a late rollover decides each student by their status on its date",
    ),
    "transfer.applied_on": (
        "申请日期在今天或之前，且在流入地学校的审核时限之内",
        "an application date is today or earlier, within the receiving school's time limit",
    ),
    "transfer.same_school": (
        "转入学校与转出学校不得相同",
        "the receiving and sending schools must differ",
    ),
    "transfer.status": ("只有在籍学生可以转学", "only a registered student can be transferred"),
    "transfer.already_open": (
        "同一学生只能有一个未完成的转学申请",
        "a student has at most one open transfer",
    ),
    "transfer.not_needed": (
        "特教学校与随班就读之间转换可不办理转学手续（special_education_transfer_optional）",
        "special education <-> 随班就读 need not go through a transfer "
        "(special_education_transfer_optional)",
    ),
    "transfer.hukou_code_retired": (
        "同城择校按决定之日使用中的户籍地区码判断",
        "same-city school choice is read from a 户籍 region code in use on the day of the decision",
    ),
    "transfer.mid_term_no_reason": (
        "学期期中转学须说明正当理由",
        "a mid-term transfer needs a stated reason",
    ),
    "transfer.blackout": (
        "该期间不得发起转学",
        "no transfer may be started in a closed period",
    ),
    "transfer.closed_grade": (
        "政策规定不办理转学的年级（如初三、高三），原则上不办理转学",
        "no transfer in a grade the policy closes to transfers (such as the graduating grades)",
    ),
    "stage.not_overdue": (
        "审批时限届满后方可默认审批",
        "default approval only once the deadline has passed",
    ),
    "stage.no_default": ("政策须设默认审批", "the policy must provide default approval"),
    "stage.kind_no_default": (
        "默认审批仅适用于转学各审批环节",
        "default approval applies to the stages of a transfer only",
    ),
    "stage.wrong_party": (
        "当前审批环节由其所属单位审批",
        "a stage is decided by the unit it waits for",
    ),
    "dropout.registry_lapsed": (
        "辍学学生在保留学籍的义务教育阶段年限内返校（逾期仍准予返校，予以提示）",
        "a dropout comes back within the compulsory years its registry was kept for "
        "(later, the return goes ahead with a warning)",
    ),
    "void.reason_missing": (
        "作废误录的学籍记录须说明原因",
        "a record entered in error is voided with a stated reason",
    ),
    "void.taken_up": (
        "只有首次录入的误录记录可以作废；沿用原学籍的记录保留",
        "only a record on its first entry is voided; a record taken up again is kept",
    ),
    "stage.own_filing": (
        "申请由学校提交，由其他单位审批：提交申请的单位不审批其任何环节",
        "a request's stages are decided by units other than the one that filed it (the "
        "school files, its authorities review)",
    ),
    "stage.overdue": (
        "审批环节在审批时限内审批",
        "a stage is decided within its approval deadline",
    ),
    "dropout.review_overdue": (
        "辍学审核在规定的工作日数内完成",
        "a dropout is reviewed within the set number of working days",
    ),
    "rollover.date": (
        "学年升级在升级日期当日或之后进行",
        "the rollover runs on or after its date",
    ),
    "rollover.passed": (
        "学年升级在下一学年的升级日之前进行",
        "a year's rollover runs before the next year's rollover date",
    ),
    "audit.altered_before": (
        "学籍记录只经由系统改动：命令写入时须与其最后一条变动日志记载的相符",
        "a record changes only through the registry: as a command writes it, it holds "
        "what its last change-log entry wrote",
    ),
    "audit.request_altered": (
        "申请只经由系统改动：审批时须与其最后一条变动日志记载的相符",
        "a request changes only through the registry: as it is decided, it holds what "
        "its last change-log entry wrote",
    ),
}

RULE_STATEMENTS: Mapping[str, tuple[str, str]] = MappingProxyType(_STATEMENTS)
"""Rule codes whose obligation reads differently from their breach: (zh, en)."""


ParamRead = ParamUse | tuple[str, Param[Any]]
"""A parameter a rule read: a :class:`~xueji.explain.ParamUse`, or its name and the
policy's :class:`~xueji.policy.Param`, turned into a ``ParamUse`` only when the step
is built."""

# One recorded rule: code, ok, warn, article, params, detail, facts, seen.
_Record = tuple[
    str,
    bool,
    bool,
    "Article | None",
    "tuple[ParamRead, ...]",
    "Detail | None",
    dict[str, object],
    "Mapping[str, object] | None",
]


class Checks:
    """Collects what one rule function evaluates: a :class:`~xueji.explain.Step` per
    rule, and the violations and warnings of the rules that did not pass.

    Recording is cheap: a rule that passes costs a tuple; its
    :class:`~xueji.explain.Step` (masked facts, parameter text, the obligation's
    wording) is built only when the decision's ``steps`` or ``explain()`` is read,
    since bulk imports run these rules once per student and read no explanation.
    The violations are built at once, exactly as :func:`violation` builds them.

    >>> c = Checks()
    >>> c.rule("transfer.same_school", True, from_school="S1", to_school="S2")
    True
    >>> c.rule("transfer.reason_missing", False, student="P1")
    False
    >>> d = c.decision()
    >>> d.codes, [s.verdict.value for s in d.steps]
    (('transfer.reason_missing',), ['allow', 'refuse'])
    """

    __slots__ = ("_built", "_records", "found", "warnings")

    def __init__(self) -> None:
        self.found: list[Violation] = []
        self.warnings: list[Violation] = []
        self._records: list[_Record] = []
        self._built: tuple[Step, ...] | None = None

    def rule(
        self,
        code: str,
        ok: bool,
        *,
        warn: bool = False,
        article: Article | None = None,
        params: tuple[ParamRead, ...] = (),
        detail: Detail | None = None,
        seen: Mapping[str, object] | None = None,
        **facts: object,
    ) -> bool:
        """Record rule ``code`` evaluated on ``facts``; a failure refuses, or only
        warns with ``warn``. Returns ``ok``.

        ``seen`` adds facts the step shows but the violation does not carry (the
        violation's facts stay as the catalogue's users know them). Fact values may
        be raw (dates, numbers): they become text when the step is built.
        """
        return self.check(
            code, ok, facts, warn=warn, article=article, params=params, detail=detail, seen=seen
        )

    def check(
        self,
        code: str,
        ok: bool,
        facts: dict[str, object],
        *,
        warn: bool = False,
        article: Article | None = None,
        params: tuple[ParamRead, ...] = (),
        detail: Detail | None = None,
        seen: Mapping[str, object] | None = None,
    ) -> bool:
        """:meth:`rule` with the facts as one dict: the form for rules that run once per
        row of a bulk import, where packing keyword arguments is most of a rule's cost.

        ``facts`` is kept as given (not copied): pass a fresh dict.
        """
        if not ok:
            v = violation(code, article=article, **facts)
            (self.warnings if warn else self.found).append(v)
        self._records.append((code, ok, warn, article, params, detail, facts, seen))
        return ok

    def build_steps(self) -> tuple[Step, ...]:
        """The :class:`~xueji.explain.Step` of every rule recorded, in order (built
        once, on first reading)."""
        if self._built is None or len(self._built) != len(self._records):
            self._built = tuple(_step(*r) for r in self._records)
        return self._built

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps recorded so far."""
        return self.build_steps()

    @property
    def steps_recorded(self) -> int:
        """How many rules were recorded so far (without building their steps)."""
        return len(self._records)

    def decision(self) -> Decision:
        """The decision: refused if any rule failed without ``warn``."""
        return Decision(self.found, self.warnings, (self,) if self._records else ())


def _step(
    code: str,
    ok: bool,
    warn: bool,
    article: Article | None,
    params: tuple[ParamRead, ...],
    detail: Detail | None,
    facts: dict[str, object],
    seen: Mapping[str, object] | None,
) -> Step:
    art, zh, en = _CODES[code]
    if ok:
        verdict = Verdict.ALLOW
        zh, en = _STATEMENTS.get(code, (zh, en))
    else:
        verdict = Verdict.WARN if warn else Verdict.REFUSE
    uses = tuple(p if isinstance(p, ParamUse) else ParamUse.of(*p) for p in params)
    shown = {**facts, **(seen or {})}
    return Step(code, verdict, article or art, zh, en, shown, uses, detail)
