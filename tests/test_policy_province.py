"""Another province's profile, written as the docs tell it (docs/encoding-your-province.md,
docs/policy.md): found by the province review (an engineer of Jiangsu encoding its own
measures in TOML and with :func:`attrs.evolve`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

from tests.conftest import PROVINCE, Province, authority, school_actor
from xueji.articles import Article, anhui
from xueji.errors import InvalidPolicy
from xueji.model import ActorKind, TransferReason
from xueji.policy import ANHUI_2013, Policy, parse_policy

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
