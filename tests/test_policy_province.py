"""Another province's profile, written as the docs tell it (docs/encoding-your-province.md,
docs/policy.md): found by the province review (an engineer of Jiangsu encoding its own
measures in TOML and with :func:`attrs.evolve`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import attrs
import pytest

from tests.conftest import PROVINCE, Province, authority, school_actor
from xueji.articles import Article, anhui
from xueji.errors import InvalidPolicy
from xueji.model import TransferReason
from xueji.policy import ANHUI_2013, NATIONAL_2013, Param, Policy, parse_policy

MOU = "某教基〔2026〕1号"


def _mou(citations: str, *, base: str = "anhui-2013", extra: str = "") -> Policy:
    return parse_policy(
        f'base = "{base}"\ncode = "mou-2026"\nname = "某省"\ninstrument = "{MOU}"\n'
        f"valid_from = 2013-09-01\n"
        f'validity_article = {{ instrument = "{MOU}", number = 1 }}\n{extra}'
        f"[citations]\n{citations}\n",
        where="mou.toml",
    )


WRONG_PARTY = f'"rule.stage.wrong_party" = {{ instrument = "{MOU}", number = 99 }}\n'
OWN_FILING = f'"rule.stage.own_filing" = {{ instrument = "{MOU}", number = 98 }}\n'
TRANSFER_APPROVE = f'"transfer.approve" = {{ instrument = "{MOU}", number = 21 }}\n'


def _violation(out: object, code: str) -> Article:
    decision = getattr(out, "decision", out)
    (v,) = [v for v in decision.violations if v.code == code]
    (step,) = [s for s in decision.explain().steps if s.rule == code]
    assert step.article == v.article
    return v.article


@pytest.mark.parametrize("table", [False, True], ids=["rule-only", "with-transfer-approve"])
def test_a_re_citation_of_stage_wrong_party_and_own_filing_is_what_they_cite(table: bool) -> None:
    """``rule.stage.wrong_party`` and ``rule.stage.own_filing`` in ``[citations]`` were
    listed by ``policy show`` and cited nowhere: the refusal cited the step's article
    (皖教基 Art 21 or Art 15, marked inherited; or the profile's ``transfer.approve``).
    A rule re-cited replaces the step's article (docs/encoding-your-province.md §5)."""
    policy = _mou(WRONG_PARTY + OWN_FILING + (TRANSFER_APPROVE if table else ""))
    p = Province(dt.date(2026, 9, 1), policies=(policy,))
    s = p.register("A", 2)
    tr = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    ).request
    assert tr is not None
    # the sending school decides the receiving school's stage
    out = p.reg.decide_transfer(school_actor("A"), tr.id, approve=True)
    assert _violation(out, "stage.wrong_party") == Article(MOU, 99)
    # another county approves a new student (Art 15's stage)
    new = p.enroll("A", 1)
    sub = p.reg.submit(school_actor("A"), new.id).request
    assert sub is not None
    out = p.reg.approve(authority("340202"), sub.id)
    assert _violation(out, "stage.wrong_party") == Article(MOU, 99)
    # a county files its own school's dropout
    county = p.authority_of("A")
    out = p.reg.record_dropout(county, s.id, "外出")
    assert _violation(out, "stage.own_filing") == Article(MOU, 98)


def test_without_a_rule_re_citation_the_step_s_article_is_cited_as_before() -> None:
    policy = _mou(TRANSFER_APPROVE)
    p = Province(dt.date(2026, 9, 1), policies=(policy,))
    s = p.register("A", 2)
    tr = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    ).request
    assert tr is not None
    out = p.reg.decide_transfer(school_actor("A"), tr.id, approve=True)
    assert _violation(out, "stage.wrong_party") == Article(MOU, 21)
    p2 = Province(dt.date(2026, 9, 1))
    s2 = p2.register("A", 2)
    out = p2.reg.record_dropout(p2.authority_of("A"), s2.id, "外出")
    assert _violation(out, "stage.own_filing") == anhui(27)
    assert p2.reg.policy() is ANHUI_2013


_ARTICLE_IN_TEXT = re.compile(r"第[一二三四五六七八九十百零\d]+条|\bArts? \d")


def test_no_rule_s_text_names_an_article_the_citation_beside_it_carries() -> None:
    """Found by the province review: the explanation of ``stage.kind_no_default`` under
    another province's profile read "默认审批仅适用于转学各审批环节（第二十四条） — 某教基
    〔2026〕1号 第八十六条": the statement named Anhui's article beside the province's.
    A rule's text (its message, its statement) names none: its citation does."""
    from xueji.rules._base import RULE_CODES, RULE_STATEMENTS

    texts = [(code, zh, en) for code, (_, zh, en) in RULE_CODES.items()]
    texts += [(code, zh, en) for code, (zh, en) in RULE_STATEMENTS.items()]
    named = [(code, t) for code, zh, en in texts for t in (zh, en) if _ARTICLE_IN_TEXT.search(t)]
    assert named == []


def test_a_transfer_stage_s_default_approval_cites_the_profile_s_article() -> None:
    """The step saying default approval applies to a transfer's stage cited Anhui's Art
    24 (沿用) under a profile giving its own article for transfers' default approval
    (``transfer_default_approval``): it cites that article, or the profile's
    ``rule.stage.kind_no_default`` where it re-cites the rule."""
    from xueji.registry import explain_default_approval

    limit = (
        "[transfer_default_approval]\nvalue = true\n"
        f'article = {{ instrument = "{MOU}", number = 21 }}\n'
    )
    for citations, want in (
        ("", Article(MOU, 21)),
        (
            f'"rule.stage.kind_no_default" = {{ instrument = "{MOU}", number = 86 }}',
            Article(MOU, 86),
        ),
    ):
        policy = _mou(TRANSFER_APPROVE + citations, extra=limit)
        p = Province(dt.date(2026, 9, 1), policies=(policy,))
        s = p.register("A", 2)
        tr = p.reg.request_transfer(
            school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
        ).request
        assert tr is not None
        x = explain_default_approval(p.reg, PROVINCE, tr.id, on=dt.date(2026, 9, 2))
        (step,) = [t for t in x.explain().steps if t.rule == "stage.kind_no_default"]
        assert step.article == want
        (line,) = [t for t in x.explain().text("zh").splitlines() if "kind_no_default" in t]
        assert "第二十四条" not in line
    # under Anhui's own profile, Art 24 as before
    p = Province(dt.date(2026, 9, 1))
    s = p.register("A", 2)
    tr = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    ).request
    assert tr is not None
    x = explain_default_approval(p.reg, PROVINCE, tr.id, on=dt.date(2026, 9, 2))
    (step,) = [t for t in x.explain().steps if t.rule == "stage.kind_no_default"]
    assert step.article == anhui(24)


JS = "苏教基〔2026〕9号"
_IDENTITY = {
    "code": "js-ev",
    "name": "江苏",
    "instrument": JS,
    "valid_from": dt.date(2026, 9, 1),
    "validity_article": Article(JS, 45),
}


@pytest.mark.parametrize(
    ("change", "name", "due", "given"),
    [
        (
            {"transfer_stage_limit": Param("10", Article(JS, 21))},
            "transfer_stage_limit",
            "int",
            "str",
        ),
        (
            {"transfer_stage_limit": Param(True, Article(JS, 21))},
            "transfer_stage_limit",
            "int",
            "bool",
        ),
        (
            {"id_mask": Param({"head": 3, "tail": 2, "fill": "*"}, Article(JS, 40))},
            "id_mask",
            "IdMask",
            "dict",
        ),
        (
            {
                "school_system": Param(
                    {"primary": [1, 2, 3, 4, 5], "junior": [6, 7, 8, 9], "senior": [10, 11, 12]},
                    Article(JS, 3),
                )
            },
            "school_system[key 'primary']",
            "Stage",
            "str",
        ),
        (
            {"initial_grades": Param([1, 6, 10], Article(JS, 12))},
            "initial_grades",
            "frozenset[int]",
            "list",
        ),
        (
            {"registration_within_months": Param("3", Article(JS, 10))},
            "registration_within_months",
            "int | None",
            "str",
        ),
        (
            {"transfer_blackout": Param(("07-01", "08-20"), Article(JS, 23))},
            "transfer_blackout[0]",
            "tuple[MonthDay, MonthDay]",
            "str",
        ),
        (
            {"transfer_stage_limit": Param(10, "苏教基 第21条")},
            "transfer_stage_limit.article",
            "Article",
            "str",
        ),
        (
            {"citations": {"transfer.approve": "苏教基 第21条"}},
            "citations['transfer.approve']",
            "Article",
            "str",
        ),
        ({"valid_from": "2026-09-01"}, "valid_from", "datetime.date", "str"),
    ],
)
def test_a_profile_built_in_python_with_a_value_of_the_wrong_type_is_refused(
    change: dict[str, object], name: str, due: str, given: str
) -> None:
    """Found by the province review: ``attrs.evolve`` with a value of the wrong type
    was Python's own error (``TypeError: '<' not supported between instances of 'str'
    and 'int'``; ``AttributeError: 'dict' object has no attribute 'head'``), or none
    until a rule first read it. Refused as a policy file's is: ``InvalidPolicy``
    naming the parameter, the type it takes and the type given."""
    with pytest.raises(InvalidPolicy) as e:
        attrs.evolve(NATIONAL_2013, **{**_IDENTITY, **change})
    assert e.value.code == "policy.invalid"
    assert f"{name} takes {due}, not {given}" in e.value.message_en
    assert f"{name} 应为 {due}，而不是 {given}" in e.value.message_zh
    assert "docs/policy.md" in e.value.message_en


def test_every_parameter_s_python_type_is_listed_in_the_docs() -> None:
    """docs/policy.md lists the Python type each parameter takes, as the check does."""
    from xueji.policy.model import python_types, type_name

    doc = (Path(__file__).parent.parent / "docs" / "policy.md").read_text(encoding="utf-8")
    for name, kind in python_types().items():
        assert f"| `{name}` | `{type_name(kind)}` |" in doc, name


def test_a_parameter_s_citation_key_given_in_python_says_what_to_pass() -> None:
    """A ``rule.<code>`` key of a rule citing a parameter, given through
    ``attrs.evolve``, was refused telling a Python user to edit the parameter's TOML
    table: the message names what to pass in Python too."""
    from xueji.policy import check_profiles

    bad = attrs.evolve(
        NATIONAL_2013, **_IDENTITY, citations={"rule.stage.overdue": Article(JS, 21)}
    )
    with pytest.raises(InvalidPolicy) as e:
        check_profiles([bad])
    assert "pass transfer_stage_limit=Param(value, article) to attrs.evolve" in e.value.message_en
    assert "transfer_stage_limit=Param(值, 条款)" in e.value.message_zh


_HEAD = f'base = "national-2013"\ncode = "js-bad"\nname = "江苏"\ninstrument = "{JS}"\nvalid_from = 2026-10-19\n'
_ART = f'article = {{ instrument = "{JS}", number = 21 }}\n'


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        (
            f"[transfer_stage_limit]\nvalu = 10\n{_ART}",
            "transfer_stage_limit: unknown key 'valu' (did you mean value?); value missing",
            "参数 transfer_stage_limit 的未知字段 valu（是否指 value？）；缺少 value",
        ),
        (
            f"[transfer_stage_limit]\nvalue = 10\n{_ART}notes = 'x'\n",
            "transfer_stage_limit: unknown key 'notes' (did you mean note?)",
            "参数 transfer_stage_limit 的未知字段 notes（是否指 note？）",
        ),
        (
            "[transfer_stage_limit]\nvalue = 10\n",
            "needs both value and article (every parameter cites its source); article missing",
            "缺少 article",
        ),
        (
            "transfer_stage_limit = 10\n",
            "expected a table [transfer_stage_limit] with value and article",
            "参数 transfer_stage_limit 应为表 [transfer_stage_limit]，含 value 和 article",
        ),
        (
            f"[transfer_stage_limt]\nvalue = 10\n{_ART}",
            "unknown key 'transfer_stage_limt' (did you mean transfer_stage_limit",
            "未知字段 transfer_stage_limt（是否指 transfer_stage_limit",
        ),
        (
            f'[transfer_window]\nvalue = {{ reading = "start_or_end", months = 0 }}\n{_ART}',
            "'months' must be >= 1: 0",
            "'months' 应不小于 1，而不是 0",
        ),
        (
            f'[transfer_window]\nvalue = {{ reading = "start_or_end", months = 13 }}\n{_ART}',
            "'months' must be <= 12: 13",
            "'months' 应不大于 12，而不是 13",
        ),
    ],
    ids=["valu", "notes", "no-article", "flat", "misspelt", "window-0", "window-13"],
)
def test_a_policy_file_s_mistake_is_said_as_it_is(text: str, en: str, zh: str) -> None:
    """Found by the province review: ``valu = 10`` was said as "needs both value and
    article" without naming the unknown key; ``transfer_stage_limit = 10`` at the top
    the same; a misspelled parameter got no "did you mean" (a citation key did); a
    term window of 0 or 13 months loaded (docs/policy.md: months below 1 are refused)."""
    with pytest.raises(InvalidPolicy) as e:
        parse_policy(_HEAD + text, where="js.toml")
    assert e.value.code == "policy.invalid"
    assert en in e.value.message_en
    assert zh in e.value.message_zh
    assert "js.toml" in e.value.message_en


JS14 = """base = "national-2013"
code = "jiangsu-2014"
name = "江苏省中小学生学籍管理实施细则"
instrument = "苏教基〔2014〕5号"
valid_from = 2014-09-01
validity_article = { instrument = "苏教基〔2014〕5号", number = 45 }

[transfer_stage_limit]
value = 15
article = { instrument = "苏教基〔2014〕5号", number = 21 }
"""
JS26 = f"""base = "jiangsu-2014"
code = "jiangsu-2026"
name = "江苏省中小学生学籍管理实施细则（2026年修订）"
instrument = "{JS}"
valid_from = 2026-10-19
validity_article = {{ instrument = "{JS}", number = 46 }}

[transfer_stage_limit]
value = 10
article = {{ instrument = "{JS}", number = 21 }}
"""


def test_a_successor_s_file_takes_its_base_from_the_store_s_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the province review: ``xueji init --policy-file jiangsu-2026.toml``
    (``base = "jiangsu-2014"``) on a store recording jiangsu-2014 was refused
    ``unknown base profile 'jiangsu-2014'``. The base is read from the store's record,
    the successor added beside it; a store command given the successor's file alone
    decides under the record. Without a store that records it, the message lists the
    bases known and says to give the base's file first."""
    import json

    from xueji.cli import main

    (tmp_path / "js14.toml").write_text(JS14, encoding="utf-8")
    (tmp_path / "js26.toml").write_text(JS26, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 't.db'}"
    init = ["--json", "init", "--store", url, "--policy-file"]
    assert main([*init, str(tmp_path / "js14.toml")]) == 0
    capsys.readouterr()
    assert main([*init, str(tmp_path / "js26.toml")]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["profiles"] == ["jiangsu-2014", "jiangsu-2026"]
    assert json.loads(out)["profiles_change"] == "added"
    # a store command given the successor's file alone: the record's profiles
    sub = ["submit", "S0000001", "--store", url, "--as", "school:A", "--today", "2026-10-20"]
    code = main([*sub, "--policy-file", str(tmp_path / "js26.toml")])
    _, err = capsys.readouterr()
    # (past the profiles, the store's: it holds no school yet)
    assert (code, err.split()[1]) == (2, "[not_found.unit]")
    # with no store to read it from: the bases known, and how to give one's own
    with pytest.raises(InvalidPolicy) as e:
        parse_policy(JS26, where="js26.toml")
    assert "unknown base profile 'jiangsu-2014'" in e.value.message_en
    assert "the bases known: anhui-2013, national-2013" in e.value.message_en
    assert "give that file first" in e.value.message_en
    assert "--policy-file jiangsu-2014.toml --policy-file" in e.value.message_en
    assert "可用的基础政策：anhui-2013、national-2013" in e.value.message_zh
    assert "请先给出该文件" in e.value.message_zh


def test_a_default_approval_s_note_names_the_document_of_its_article() -> None:
    """Found by the province review: the note said "系统默认审批同意（第二十一条）" under
    a province's profile, its article without its document, so a history spanning
    two measures (苏教基〔2014〕5号, then 〔2026〕9号) did not say which Art 21. It
    names the document under every profile but the Anhui measures' own, whose
    records say "（第二十四条）" as they always have."""
    from xueji.registry import DEFAULT_APPROVAL_NOTE, default_approval_note

    js14 = parse_policy(
        JS14 + "[transfer_default_approval]\nvalue = true\n"
        'article = { instrument = "苏教基〔2014〕5号", number = 21 }\n'
    )
    assert default_approval_note(js14) == "系统默认审批同意（苏教基〔2014〕5号 第二十一条）"
    assert (
        default_approval_note(ANHUI_2013)
        == DEFAULT_APPROVAL_NOTE
        == "系统默认审批同意（第二十四条）"
    )
