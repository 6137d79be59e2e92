"""Builds docs/traceability.md: article -> rule codes -> code -> tests.

Rule codes come from ``xueji.rules.RULE_CODES`` (grouped by the article they cite),
tests from the test functions named ``test_art<N>_...``; only the obligation text and
the code that encodes it are written here by hand. Regenerate with
``python -m tests.traceability > docs/traceability.md``; ``tests/test_traceability.py``
fails when the file is stale.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from xueji.articles import ANHUI_2013_MEASURES
from xueji.rules import RULE_CODES

ROOT = Path(__file__).resolve().parent.parent

# (article, kind, obligation, code); every article of the measures has a row
OBLIGATIONS: list[tuple[int, str, str, str]] = [
    (
        1,
        "none",
        "purpose and legal basis of the measures (the national and provincial notices "
        "they follow): no rule to encode",
        "—",
    ),
    (
        2,
        "must",
        "scope: primary, junior, senior, special; the stage drives rules; the grades of "
        "each stage are the profile's school_system (Anhui: 6-3-3)",
        "`xueji.policy.Stage`, `xueji.rules.enrolment.check_stage`, "
        "`xueji.model.stage_of_grade`, `xueji.model.final_grade`",
    ),
    (
        3,
        "none",
        "what 学籍信息 is (the authority, school, class and student records): a "
        "definition, no rule; the records and their fields are Arts 8-11's",
        "`xueji.model.Unit`, `xueji.model.School`, `xueji.model.SchoolClass`, "
        "`xueji.model.Student`",
    ),
    (
        4,
        "must",
        "four tiers; each school has one 学籍主管单位 (county or city); jurisdiction is the tree",
        "`xueji.model.Unit`, `xueji.model.School`, `xueji.rules.tree.check_school_place`",
    ),
    (
        5,
        "report",
        "national-form export with the national 学籍号",
        "`xueji.numbers.RegistryNumber`, `xueji.registry.Registry.national_export`, `xueji.statistics.national_table`",
    ),
    (
        6,
        "must",
        "the province creates units and schools",
        "`xueji.registry.Registry.add_unit`, `xueji.registry.Registry.add_school`",
    ),
    (
        7,
        "must",
        "branch schools under a 学区中心校 of the branch's own 学籍主管单位",
        "`xueji.model.School`, `xueji.rules.tree.check_school_place`",
    ),
    (8, "must", "authority fields", "`xueji.model.Unit`"),
    (9, "must", "school fields", "`xueji.model.School`"),
    (10, "must", "class fields", "`xueji.model.SchoolClass`"),
    (11, "must", "student information groups", "`xueji.model.Student`, `xueji.model.InfoGroup`"),
    (
        12,
        "must",
        "学籍号 and 地区学号 on entry; grades 7 and 10 keep the 学籍号 with a new 地区学号; photo of the entry year",
        "`xueji.numbers.issue_regional_number`, `xueji.registry.Registry.enroll`, `xueji.rules.enrolment.check_photo`",
    ),
    (
        13,
        "must",
        "学籍号 from the ID number, one person one number; a guardian's ID for a child without one (G/J/L)",
        "`xueji.numbers.new_record`, `xueji.numbers.issue_j`, `xueji.numbers.link_resident_id`, `xueji.ids.validate`, "
        "`xueji.rules.enrolment.check_guardian_id`, `xueji.rules.enrolment.check_foreign_ids`",
    ),
    (
        14,
        "must",
        "no pre-school children (checked again at submission and review), no false material "
        "(the review rejects it), no second registry; a record entered in error is voided, "
        "kept",
        "`xueji.rules.enrolment.check_age`, `xueji.rules.enrolment.check_duplicate`, "
        "`xueji.registry.Registry.reject`, `xueji.registry.Registry.void_record`, "
        "`xueji.rules.changes.check_void`",
    ),
    (
        15,
        "must",
        "pre-review, authority approval, registration; entry and review by 30 September (late flagged)",
        "`xueji.registry.Registry.submit`, `xueji.rules.enrolment.check_entry_deadline`",
    ),
    (16, "must", "class sizes capped; no virtual classes", "`xueji.rules.enrolment.check_class`"),
    (
        17,
        "must",
        "简历, 成绩, 评价, 奖励, 处分 maintained by the school, no review",
        "`xueji.registry.Registry.add_info`",
    ),
    (
        18,
        "must",
        "graduation (compulsory by the school, senior approved) by 31 July; 1 August rollover; a grade put right by the authority",
        "`xueji.rules.graduation.check_graduation`, `xueji.rules.graduation.rollover_action`, `xueji.registry.Registry.rollover`, `xueji.rules.graduation.check_regrade`, `xueji.registry.Registry.regrade`",
    ),
    (
        19,
        "must",
        "every change through the system, in the change log (what a request asked and "
        "why, each decision's note); one change at a time",
        "`xueji.storage.protocols.ChangeLog`, `xueji.rules.changes.check_no_other_open`",
    ),
    (
        20,
        "must",
        "transfers for legitimate reasons; special education <-> 随班就读 need not be a transfer (may be one)",
        "`xueji.rules.transfers.check_transfer`",
    ),
    (
        21,
        "must",
        "the four-party chain in order; the sending school keeps nothing",
        "`xueji.lifecycle.TRANSFER`, `xueji.rules.approvals.check_party`",
    ),
    (
        22,
        "must",
        "cross-province in by 学籍号; cross-province out approved here",
        "`xueji.registry.Registry.transfer_in`, `xueji.registry.Registry.request_cross_province_out`",
    ),
    (
        23,
        "must",
        "cross-border in continues or creates a record; out with destination, date, reason",
        "`xueji.registry.Registry.transfer_in`, `xueji.rules.transfers.check_abroad`",
    ),
    (
        24,
        "must",
        "20 working days per party; default approval after, recorded as such",
        "`xueji.rules.approvals.check_overdue`, `xueji.registry.Registry.advance_clock`, `xueji.workdays.deadline`",
    ),
    (
        25,
        "must",
        "no same-city school choice; no false-material 借读; the term window",
        "`xueji.rules.transfers.check_transfer`, `xueji.rules.transfers.in_transfer_window`",
    ),
    (
        26,
        "must",
        "suspension and resumption submitted for approval",
        "`xueji.registry.Registry.suspend`, `xueji.registry.Registry.resume`",
    ),
    (
        27,
        "must",
        "dropout recorded, reviewed in 15 working days; compulsory dropouts keep the registry (and return); a senior dropout is enrolled again on the same 学籍号; migrant summary by 户籍 county",
        "`xueji.registry.Registry.record_dropout`, `xueji.registry.Registry.return_from_dropout`, `xueji.rules.changes.check_reenrolment`, `xueji.rules.changes.migrant_dropout_summary`",
    ),
    (
        28,
        "must",
        "province / city-county / school users, each within its jurisdiction; statistics by unit",
        "`xueji.access.PERMISSIONS`, `xueji.access.check`, `xueji.registry.Registry.statistics`",
    ),
    (
        29,
        "must",
        "key fields locked after submission; corrections approved (by the unit that received them); sex and birth date agree with the ID",
        "`xueji.rules.corrections.check_direct_edit`, `xueji.rules.corrections.check_correction`, `xueji.rules.enrolment.check_id_agreement`, `xueji.rules.changes.waits_for`",
    ),
    (
        30,
        "must",
        "confidentiality: ID numbers masked in every repr, log and message; password profiles",
        "`xueji.masking.mask`, `xueji.accounts`",
    ),
    (
        31,
        "report",
        "sign-off, review (the school files, another unit reviews), 公示 class lists; records "
        "kept tamper-evident",
        "`xueji.reports.public_class_list`, `xueji.audit.verify`, `xueji.audit.checkpoint`, "
        "`xueji.rules.approvals.check_own_filing`",
    ),
    (
        32,
        "report",
        "detect lateness, overdue work, tampering (of the log, and of records and requests "
        "behind it: an altered request is not approved)",
        "`xueji.registry.Registry.detect`, `xueji.audit.Art32Report`, `xueji.audit.record_digest`, "
        "`xueji.audit.request_digest`",
    ),
    (
        33,
        "must",
        "in force from 2013-12-03; decisions under the policy in force on their date",
        "`xueji.policy.policy_in_force`",
    ),
]

TEST_NAME = re.compile(r"^test_art(\d+)_")


def article_scenarios() -> dict[int, list[str]]:
    """Scenario files by the articles they state (``articles:``)."""
    from xueji.scenarios import collect, load

    out: dict[int, list[str]] = {}
    for path in collect([ROOT / "scenarios"]):
        for number in load(path).articles:
            out.setdefault(number, []).append(f"`{path.name}`")
    return out


def article_tests() -> dict[int, list[str]]:
    """Test functions named after an article, by article number."""
    out: dict[int, list[str]] = {}
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                m = TEST_NAME.match(node.name)
                if m:
                    out.setdefault(int(m.group(1)), []).append(f"`{path.name}::{node.name}`")
    return out


def rule_codes() -> dict[int, list[str]]:
    """Rule codes by the Anhui article they cite."""
    out: dict[int, list[str]] = {}
    for code, (article, _, _) in sorted(RULE_CODES.items()):
        if article.instrument == ANHUI_2013_MEASURES and article.number:
            out.setdefault(article.number, []).append(f"`{code}`")
    return out


def other_codes() -> dict[str, list[str]]:
    """Rule codes that cite no article of the Anhui measures, by what they cite (a
    national law, such as the PIPL): they have no row of the table, and are listed
    after it, so that every rule code is found here."""
    out: dict[str, list[str]] = {}
    for code, (article, _, _) in sorted(RULE_CODES.items()):
        if not (article.instrument == ANHUI_2013_MEASURES and article.number):
            out.setdefault(str(article), []).append(f"`{code}`")
    return out


def render() -> str:
    tests, codes, scenarios = article_tests(), rule_codes(), article_scenarios()
    lines = [
        "# Traceability: article → rule codes → code → tests",
        "",
        "Generated by `python -m tests.traceability > docs/traceability.md`; rule codes",
        "come from `xueji.rules.RULE_CODES`, tests from test functions named",
        "`test_art<N>_...`, scenarios from the `articles:` of `scenarios/*.scenario.yaml`",
        "(run by `xueji scenario run scenarios/` and by pytest).",
        "`tests/test_traceability.py` fails when this file is stale.",
        "Kinds: **must** = enforced; **report** = computed or exported; **none** = no",
        "rule to encode (purpose, a definition), the row says why. Policy parameters",
        "and their articles are listed by `xueji policy show` and in `docs/policy.md`.",
        "",
        "| article | kind | obligation | rule codes | code | tests | scenarios |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, kind, text, code in OBLIGATIONS:
        lines.append(
            f"| Art {number} | {kind} | {text} | {', '.join(codes.get(number, [])) or '—'} "
            f"| {code} | {'<br>'.join(tests.get(number, [])) or '—'} "
            f"| {'<br>'.join(scenarios.get(number, [])) or '—'} |"
        )
    lines += [
        "",
        "## Rule codes citing another instrument",
        "",
        "A rule whose basis is not an article of the Anhui measures (a national law the",
        "registry must also keep) has no row above; it is listed here by what it cites.",
        "A rule that cites a policy parameter's article (`xueji policy show`) is in the",
        "row of the default profile's (`anhui-2013`) article.",
        "",
        "| cites | rule codes |",
        "|---|---|",
        *(f"| {cited} | {', '.join(codes)} |" for cited, codes in other_codes().items()),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
