"""Render every transition table as one Markdown document with Mermaid diagrams.

``docs/lifecycle.md`` is this function's output (a test keeps it current);
``xueji tables`` prints it.
"""

from __future__ import annotations

from xueji.lifecycle.tables import REQUEST_TABLES, STUDENT, RequestKind, TransitionTable

__all__ = ["READINGS", "all_tables", "render_markdown"]


def all_tables() -> list[TransitionTable]:  # type: ignore[type-arg]
    """The student table, then each request table."""
    return [STUDENT, *REQUEST_TABLES.values()]


READINGS = (
    "**A student away at a rollover in the final grade (Art 18).** The rollover moves "
    "the students in school (所有在校生); a suspended student is held (the profile's "
    "`rollover_promotes_suspended`), and so is, in any case, one in the final grade, "
    "dropped out, or away in another province or abroad. Such a student did not finish "
    "the year it had begun in the final grade: back in school (its resumption, its "
    "return), it starts the final year again from its return, and its graduation is "
    "due by the `graduation_deadline` of the school year it came back in (the same "
    "school year as the last rollover that passed while it was away; "
    "`graduation.late` and `detect`'s `late_graduation` read it so). A student held in "
    "the final grade while in school (unfinished, `graduation.overdue`) stays late, "
    "whatever follows.",
    "**Who files and who decides (Arts 15, 18, 21-23, 26, 27, 29, 31).** A new "
    "student, a key-field correction, a suspension, a resumption, a dropout and a "
    "senior-high graduation (or 结业) are filed by the school and reviewed by its "
    "学籍主管单位 (Art 31: 学籍信息由学校组织录入, the city and county authorities "
    "负责…审核审批). A transfer is filed by a school too: into the province's schools "
    "by the receiving school (Art 21: 流入地学校审核同意后…录入转学申请; Arts 22-23 for "
    "one from another province or from abroad), out of the province or the country by "
    "the sending school (Arts 22-23); each school and authority of its chain decides "
    "its own stage. The filing and the decisions are different units': a unit whose "
    "stage a request would wait at (the school's authority; for a transfer, the "
    "receiving or the sending school's) may not file it, and the unit that filed one "
    "decides none of its stages (`stage.own_filing`, citing the request's article; it "
    "withdraws it). A unit above the authority may file (a city, for a county's "
    "school: the county, and for a transfer the schools, decide their stages); a "
    "county, the authority of each of its schools, files none (a record from abroad "
    "that never had one is entered by the authority with `enroll`, Art 23's 补办, and "
    "submitted by the school). The school that files a transfer decides the stage that "
    "follows its filing: that stage is its own agreement (Art 21), given in the "
    "system. No text of the Anhui measures lets one unit both file and decide a "
    "request (nor do the national measures, whose 休学 the school approves on the "
    "guardian's application), so no profile parameter does. A default approval (Art "
    "24) stands for the party's own consent, so a stage whose party is the unit that "
    "filed the request (a request of a store written before such a filing was "
    "refused) is not approved by default: it waits, logged, for its filer to withdraw "
    "it. Before, a transfer was not concerned: a county filed one out of its own "
    "school, let the school's stage pass by default and approved its own.",
    "**A record entered in error (Art 14).** `void_record` fires `void`: a draft or a "
    "record under its new-student review, on its first entry, is voided by its school "
    "or the school's authority with a stated reason, and its open review is withdrawn. "
    "The record is kept (作废), with its history; it holds no seat and is no duplicate "
    "of the child's record at the right school, which is issued the G number the voided "
    "record releases (one person, one number, Art 13); a J or L number is never issued "
    "again. A record taken up again by an enrolment (a graduate continuing, a senior "
    "dropout enrolled again) is the student's registry and is not voided "
    "(`void.taken_up`): entered in error (at the wrong school, still a draft or under "
    "its review), the enrolment is undone instead, the record again what it found "
    "(`void_reenrolment`: a dropout; `void_continuation`: a graduate, at its old "
    "school; `void_continuation_completed`: one who completed the stage), so the right "
    "school can enrol it. A record from another province or abroad under review is "
    "voided by its transfer in's refusal.",
    "**How long a dropout's registry is kept (Art 27(2)).** 在义务教育阶段年限内: the "
    "profile's `dropout_registry_kept` (Anhui: until the end of the school year in "
    "which the child would have completed the compulsory grades on the normal track). "
    "A `return` after it warns `dropout.registry_lapsed` and goes ahead: a child's "
    "return to school is never refused.",
    "**No maximum suspension (Art 26).** The Anhui measures set no maximum length of a "
    "suspension (休学) and say nothing of its end: the Anhui profile has none, and a "
    "suspended student stays suspended, held at each rollover, until a resumption or a "
    "dropout is approved.",
)
"""The readings of the lifecycle the tables do not show, printed under them."""


def render_markdown() -> str:
    """Every table as Markdown with its Mermaid diagram, then :data:`READINGS`."""
    parts = [
        "# Lifecycle: the transition tables",
        "",
        "Generated from `xueji.lifecycle.tables` by `xueji tables` (do not edit by hand;",
        "`tests/test_lifecycle.py` checks that this file matches the code).",
        "",
        "Each row is (state, event) -> next state, with the rules checked before it fires",
        "(guards) and the article behind it. An event not in a table is refused with",
        "`TransitionRefused`, which names the state and the event.",
        "",
        "A student's registry is in one of the states of `xueji.StudentStatus`",
        "(`Student.status`); a request, in one of `xueji.RequestState`'s (`Request.state`),",
        "after the table of its kind, a `xueji.RequestKind` (`Request.kind`): "
        + ", ".join(f"`{kind.value}` ({REQUEST_TABLES[kind].name_zh})" for kind in RequestKind)
        + ". `Registry.pending(actor, kind)` lists the requests of a kind waiting for the",
        "actor; `xueji review --all --kind KIND` decides them.",
        "",
    ]
    for table in all_tables():
        parts += [table.to_markdown(), "", "```mermaid", table.to_mermaid(), "```", ""]
    parts += ["## Readings", ""]
    for reading in READINGS:
        parts += [reading, ""]
    return "\n".join(parts)
