"""``ANHUI_2013``: 安徽省中小学生学籍信息化管理办法 (皖教基〔2013〕20号).

In force from 2013-12-03, the day of issue (Art 33). Where the measures are
silent or ambiguous, the reading chosen is written in the parameter's ``note``.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from xueji.articles import ANHUI_2013_MEASURES, Article
from xueji.masking import IdMask
from xueji.policy.model import Param, Policy
from xueji.policy.values import (
    SIX_THREE_THREE,
    MonthDay,
    Stage,
    Term,
    TransferWindow,
    WindowReading,
)

__all__ = ["ANHUI_2013"]


def _art(number: int, paragraph: int | None = None, note: str = "") -> Article:
    return Article(ANHUI_2013_MEASURES, number, paragraph, note=note)


ANHUI_2013 = Policy(
    code="anhui-2013",
    name="安徽省中小学生学籍信息化管理办法",
    instrument=ANHUI_2013_MEASURES,
    valid_from=_dt.date(2013, 12, 3),
    valid_until=None,
    validity_article=_art(33),
    school_system=Param(
        dict(SIX_THREE_THREE),
        _art(2),
        "The measures do not state the school system: Art 2 sets their scope by stage "
        "(primary, junior, senior, special education) without the grades of each. Chosen: the national 6-3-3 system "
        "(六三制) Anhui runs: primary 1-6, junior 7-9, senior 10-12; special education "
        "1-9 (the nine compulsory years). A 五四制 province (Shanghai: primary 1-5, "
        "junior 6-9) writes its own, with initial_grades and compulsory_grades to match.",
    ),
    school_authority_levels=Param(
        frozenset({"city", "county"}),
        _art(28),
        "Art 6 makes a school's 学籍主管单位 「学校所属的各级教育行政部门」 (any level), but "
        "Art 28 gives the province-level user query and statistics only, and Art 31 has "
        "the 市、县(区) departments review and approve their schools' records (Art 4: "
        "the city runs some schools directly, 其直管学校). Chosen: a county or a city "
        "unit; a school under the province-level unit is refused "
        "(school.authority_level), since nobody could approve its new students "
        "(Art 15) or its corrections (Art 29). A profile may narrow it (county only).",
    ),
    school_entry_age=Param(
        6,
        _art(14),
        "Art 14 forbids registries for pre-school children; the age comes from Anhui's "
        "primary-school admission rule: 年满6周岁, counted on school_entry_age_cutoff.",
    ),
    school_entry_age_cutoff=Param(
        MonthDay(8, 31),
        _art(14),
        "Anhui's primary-school admission rule counts the age on 31 August of the entry "
        "year (截至当年8月31日).",
    ),
    initial_grades=Param(
        frozenset({1, 7, 10}),
        _art(12),
        "Grade 1 gets a 学籍号 and a 地区学号; grades 7 and 10 (高一) keep the 学籍号 and "
        "get a new 地区学号.",
    ),
    regional_number_format=Param(
        "{region}{year}{stage}{seq:05d}",
        _art(12),
        "The measures do not give the 地区学号's format. Chosen: the school's 6-digit "
        "region code, the 4-digit entry year, a stage digit (1 primary, 2 junior, "
        "3 senior, 4 special) and a 5-digit sequence per (region, year, stage): "
        "16 digits, unique within the province.",
    ),
    foreign_permanent_resident_ids=Param(
        True,
        _art(13),
        "Art 13: 学籍号以居民身份证号码为基础生成, and a child without one is identified by a "
        "guardian's. Read (true): the number of a foreigner's permanent residence ID card "
        "of the 2023 form (外国人永久居留身份证, issued since 1 December 2023: 9, the "
        "province code of issue, a nationality code, then the birth date, sequence and "
        "check character where GB 11643 has them) counts as an identity number, the "
        "student's (a G 学籍号, G9...) and a guardian's (the child gets a J number): the "
        "card is its holder's identity document in China, its number issued once and "
        "kept. False: such a number is refused where the registry takes an identity "
        "number (enrolment, transfer in, correction, edit: "
        "enrolment.foreign_id_not_accepted), and the child is enrolled by a guardian's "
        "resident or residence-permit number, or not at all.",
    ),
    new_student_deadline=Param(
        MonthDay(9, 30),
        _art(15),
        "新生的信息采集录入、审核工作需在每年的9月30日前完成: the deadline of the school year of "
        "entry. Readings: a student of an initial grade entered without an entry date "
        "during the autumn term (1 September to the end of January) entered on its first "
        "day, the autumn intake, so typing it in after 30 September is late; a student "
        "whose entry date is after the deadline (one who really entered later) counts "
        "towards the next year's.",
    ),
    registration_within_months=Param(
        None, _art(15), "Anhui sets a calendar deadline (30 September) instead."
    ),
    class_size_caps=Param(
        {Stage.PRIMARY: 45, Stage.JUNIOR: 50, Stage.SENIOR: 50, Stage.SPECIAL: 12},
        _art(16),
        "Art 16 refers to 有关规定; the caps are the national standard class sizes "
        "(小学45人、初中50人、高中50人) and 12 for special-education classes.",
    ),
    graduation_deadline=Param(MonthDay(7, 31), _art(18)),
    graduation_from=Param(
        MonthDay(6, 1),
        _art(18),
        "学校在学年结束后开始毕业操作: Art 18 gives no date for the end of the school year. "
        "Reading: the graduating classes' teaching year ends in June (高考 7-9 June, 中考 "
        "mid-June), so graduation work from 1 June on is in time, and earlier work is "
        "flagged (graduation.early: a warning, not a refusal, as graduation.late is; the "
        "window is that of the school year the student finishes, read from the change "
        "log, which cannot say it for a record from before it logged grades).",
    ),
    graduation_needs_approval=Param(frozenset({Stage.SENIOR}), _art(18)),
    rollover_date=Param(MonthDay(8, 1), _art(18, 2)),
    rollover_promotes_suspended=Param(
        False,
        _art(18, 2),
        "Art 18 promotes 所有在校生; a suspended student is not in school, so is not "
        "promoted and resumes into the grade left.",
    ),
    rollover_unfinished_final_grade=Param(
        "hold",
        _art(18),
        "A final-grade student not graduated by the profile's graduation_deadline (still "
        "in the final grade at the rollover) stays in the final grade and is flagged "
        "(graduation.overdue) for the school to finish; nothing is done for it. "
        "(The other reading, 'complete', has the rollover record 结业 itself, as the "
        "system, for every stage: a senior-high student too, without the authority's "
        "approval that complete() asks for, since the profile chose it for all.)",
    ),
    rollover_open_transfers=Param(
        "promote",
        _art(18, 2),
        "A student with an open transfer is still in school: promoted, and the transfer "
        "continues into the new grade, into the class the receiving school named, "
        "which moves up with the student.",
    ),
    transfer_stage_limit=Param(20, _art(24)),
    transfer_default_approval=Param(True, _art(24)),
    special_education_transfer_optional=Param(
        True,
        _art(20),
        "Art 20: a move of a disabled student between a special-education school and "
        "随班就读 in an ordinary school 可不办理转学手续 (need not go through a transfer). "
        "Read as an exemption, not a prohibition: the move may be made without a "
        "transfer (the registry may stay at the sending school), and a transfer, when "
        "the family asks for one, still proceeds, with a warning (transfer.not_needed); "
        "only a transfer approval moves the registry, and a family moving to another "
        "city must be able to take it along (Art 21: 流出地学校不得保留学籍). False reads "
        "it as 'not handled by transfer' and refuses such a transfer.",
    ),
    false_material_bars_refiling=Param(
        True,
        _art(25),
        "Art 25: 利用虚假材料从外市区转入本市高中借读的，一律不得办理转学手续. The measures "
        "do not say how long the refusal holds, nor whether new material lifts it. "
        "Chosen (true): a transfer refused on false material (decide_transfer with "
        "material_false, by an authority) is marked so on the request, and every later "
        "filing of the same student (the record, or the person's other records by 学籍号 "
        "or ID number) into a senior high of that city from another city, within the "
        "province or in from another province or from abroad, is refused "
        "(transfer.false_material, naming the refusal): 一律 admits no second try on "
        "new papers, and a filing refused is never open for a default approval (Art 24) "
        "to move. The bar has no end date: it lasts while the student is in senior high; "
        "another city's senior high is not barred. False: a new filing is judged on its "
        "own material, verified again (transfer.verify_material, naming the refusal).",
    ),
    transfer_window=Param(
        TransferWindow(WindowReading.START_OR_END, 1),
        _art(25, 2),
        "Read as: within one month after the term starts, or within one month before "
        "it ends. Outside that a transfer needs its reason stated in words (Art 25(2) "
        "'确有正当理由': the kind of reason alone, even one Art 20 lists, is not "
        "enough); with it, it is a warning, not a refusal.",
    ),
    transfer_blackout=Param(None, _art(25, 2), "Anhui sets no period closed to transfers."),
    transfer_closed_grades=Param(
        frozenset(), _art(25, 2), "Anhui sets no grade closed to transfers."
    ),
    transfer_closed_grades_with_reason=Param(
        False,
        _art(25, 2),
        "Moot under Anhui's measures (no grade is closed). Where a profile closes a "
        "grade (初三、高三年级原则上不办理转学), false refuses every transfer in it; true "
        "reads 原则上 ('in principle') as the term window reads 确有正当理由: with its "
        "reason stated in words, a transfer goes through with a warning.",
    ),
    terms=Param(
        (
            Term("秋季学期", MonthDay(9, 1), MonthDay(1, 31)),
            Term("春季学期", MonthDay(2, 15), MonthDay(7, 15)),
        ),
        _art(25, 2),
        "Term dates vary by year and city; these are defaults that a deployment "
        "replaces with its own school calendar.",
    ),
    dropout_review_limit=Param(15, _art(27)),
    compulsory_grades=Param(frozenset(range(1, 10)), _art(27, 2)),
    dropout_reentry_grades=Param(
        frozenset({10, 11, 12}),
        _art(27, 2),
        "Art 27(2) keeps the registry of a compulsory-education dropout only (it comes "
        "back by return_from_dropout); it is silent on a dropout whose registry is not "
        "kept (senior high) who comes back to school. Read with Art 13 (一人一籍一号) and "
        "Art 14 (no second registry): the person is enrolled anew (enroll) on the same "
        "record and 学籍号, with a new 地区学号, as a draft for the new-student review; "
        "the usual enrolment checks apply. Chosen: any senior-high grade (10-12) a class "
        "of the school admits (a senior school takes a returning student into the grade "
        "it places it in, 高一 or later), never a compulsory grade (the student had left "
        "compulsory education). A profile may narrow it (e.g. [10]: only as a new 高一 "
        "entrant) or empty it (no re-entry: dropout.reentry_grade).",
    ),
    dropout_return_reviewed=Param(
        False,
        _art(27, 2),
        "Art 26 has a suspension and a resumption (休学、复学) submitted for approval "
        "(提交变动审批); Art 27 has the authority review the dropout itself (within "
        "dropout_review_limit working days) and, for the compulsory grades, keep the "
        "registry (保留学籍), and names no approval of the child's return. Read (false): "
        "the return on the kept registry is applied by the school alone, logged "
        "return_from_dropout (the authority sees it in the log and in detect; the "
        "Compulsory Education Law has it bring dropouts back, not hold them out). A "
        "reviewed return (true, a request the authority approves as a resumption) is "
        "not implemented: a documented gap, refused when a profile loads.",
    ),
    dropout_continues_next_stage=Param(
        True,
        _art(27, 2),
        "Art 27(2) keeps a compulsory-education dropout's registry (为其保留学籍) for "
        "the compulsory years; it does not say whether the child, admitted by the next "
        "stage (a grade-6 dropout into grade 7, a grade-9 dropout into senior high, "
        "e.g. as a 社会考生 or by a vocational school), must first come back and "
        "graduate. Read (true): the registry is kept for the child, and one person has "
        "one registry and one number (Art 13): the next stage's intake into its entry "
        "grade (Art 12: grades 7 and 10 continue the 学籍号) takes up the record kept, "
        "as it takes up a graduate's, as a draft for the new-student review (Art 15; "
        "logged enroll_after_dropout). Only the entry grade of the stage after the one "
        "left: any other grade is refused dropout.registry_kept (the child comes back "
        "by return_from_dropout). False: the intake is refused the same way; the child "
        "returns, graduates, then continues.",
    ),
    dropout_registry_kept=Param(
        "compulsory_years",
        _art(27, 2),
        "Art 27(2): 在义务教育阶段年限内为其保留学籍. Read as the years the child would have "
        "spent in the compulsory grades on the normal track (compulsory_years): the "
        "registry is kept until the end of the school year in which the child, moving up "
        "one grade a year from the grade it dropped out of (from the school year the "
        "dropout was approved in), would have completed the last of compulsory_grades. "
        "Past it, return_from_dropout still brings the child back on the record kept, "
        "with a warning (dropout.registry_lapsed) for the authority to look at: a child's "
        "return to school is never refused (the Compulsory Education Law has the "
        "authorities bring dropouts back), and the measures say nothing of what follows "
        "the period. indefinitely keeps it with no warning.",
    ),
    locked_fields=Param(frozenset({"name", "sex", "birth_date", "id_number", "photo"}), _art(29)),
    correction_during_transfer=Param(
        "wait",
        _art(29),
        "Art 29 has the supervising unit (学籍主管单位) approve a key-field correction; a "
        "transfer (Art 21) or a return from outside the province moves the student under "
        "another unit. Read with Art 19 as one change at a time (wait): a correction is "
        "not filed while such a transfer is open, nor the transfer opened while a "
        "correction is (change.other_open names the open request), so the unit that "
        "received the correction decides it. The other value, pin, lets both be open "
        "and keeps the correction with the unit of the school that filed it.",
    ),
    id_mask=Param(
        IdMask(6, 4),
        _art(30),
        "Shows the first 6 and last 4 characters, which still reveal the region "
        "and (by the sequence's parity) the sex.",
    ),
    maintenance_fee_per_student=Param(
        Decimal("0.5"),
        Article(ANHUI_2013_MEASURES, 0, note="通知第三项"),
        "Yuan per student per year, from the October statistics, paid by the end of November.",
    ),
)
