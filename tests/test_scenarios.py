"""Scenario files (xueji.scenarios): the runner catches what is wrong, a malformed file
is reported with its file and line, the CLI and the pytest plugin report without
tracebacks, and the repository's scenarios cover every article obligation."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.traceability import OBLIGATIONS, ROOT, article_scenarios
from xueji import cli, scenarios
from xueji.storage.sql import SqlStore

pytest_plugins = ["pytester"]

SCENARIOS = ROOT / "scenarios"
HEAD = """\
title: t
start: 2026-09-01
facts_file: {facts}
"""


def _write(tmp_path: Path, body: str, name: str = "t.scenario.yaml") -> Path:
    path = tmp_path / name
    head = HEAD.format(facts=(SCENARIOS / "province.facts.yaml").as_posix())
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return path


ENROL = """\
steps:
  - do: enroll
    by: 实验小学
    as: 小明
    with: {school: A, class_id: A-1, grade: 1, name: 小明, sex: M, birth_date: 2019-03-01,
           hukou_region: "340104", id_number: "340104201903010112", photo: 2026-09-01}
    expect: {allowed: true, student: {status: draft}}
"""


def test_every_obligation_has_a_scenario() -> None:
    covered = article_scenarios()
    missing = [n for n, kind, *_ in OBLIGATIONS if kind != "none" and n not in covered]
    assert missing == []


def test_the_repository_scenarios_pass() -> None:
    results = [scenarios.run(scenarios.load(p)) for p in scenarios.collect([SCENARIOS])]
    assert len(results) >= 9
    assert [r.scenario.path for r in results if not r.ok] == []


def test_a_scenario_runs_the_same_on_sqlite(tmp_path: Path) -> None:
    scenario = scenarios.load(SCENARIOS / "transfer-national-day.scenario.yaml")
    result = scenarios.run(scenario, store=SqlStore.sqlite(str(tmp_path / "s.sqlite3")))
    assert result.ok, result.report()


def test_art12_a_wrong_expectation_fails_with_its_step_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, ENROL.replace("status: draft", "status: registered"))
    result = scenarios.run(scenarios.load(path))
    assert not result.ok
    (failure,) = result.failures
    assert failure.step.index == 1
    assert failure.step.line == 5  # the step's line in the file (after the 3-line head)
    assert failure.problems == (
        "预期 student.status = registered，实际为 draft "
        "(expected student.status = registered, got draft)",
    )
    report = result.report()
    assert f"{path}:5: step 1 (enroll by 实验小学)" in report
    assert "340104201903010112" not in report  # ID numbers masked in explanations


def test_art14_a_refusal_is_checked_by_its_codes(tmp_path: Path) -> None:
    twice = ENROL + ENROL.split("steps:\n", 1)[1].replace(
        "expect: {allowed: true, student: {status: draft}}",
        "expect: {refused: [enrolment.too_young]}",
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, twice)))
    (failure,) = result.failures
    assert failure.step.index == 2
    assert failure.problems == (
        "预期 refused ['enrolment.too_young']，实际为 ['enrolment.duplicate'] "
        "(expected refused ['enrolment.too_young'], got ['enrolment.duplicate'])",
    )
    assert "enrolment.duplicate" in failure.explanation


def test_steps_go_on_after_a_failure(tmp_path: Path) -> None:
    body = ENROL.replace("allowed: true", "allowed: false") + (
        "  - do: submit\n    by: 实验小学\n    student: 小明\n    expect: {allowed: true}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert [s.ok for s in result.steps] == [False, True]


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("steps:\n  - do: enrol\n    by: 实验小学\n", 5, "unknown action 'enrol'"),
        ("steps:\n  - by: 实验小学\n", 5, "has no 'do'"),
        ("steps:\n  - do: submit\n    by: 某人\n", 6, "unknown actor '某人'"),
        ("steps:\n  - do: check\n    on: 2026-02-30\n", 6, "on is not a date: '2026-02-30'"),
        (
            "steps:\n  - do: enroll\n    by: 实验小学\n    with: {id_number: '340104201903010113'}\n",
            7,
            "id_number 340104********0113 is invalid",
        ),
        ("steps:\n  - do: check\n    expect: {colour: red}\n", 6, "unknown expectation 'colour'"),
        ("steps:\n  - do: check\n    colour: red\n", 6, "unknown field 'colour'"),
        ("colour: red\n", 4, "unknown field 'colour'"),
        ("steps:\n  - do: check\n   bad: [\n", 6, "YAML error"),
        (
            "facts:\n  students:\n    - {as: x, school: A, birth_date: 2019-02-30}\n",
            6,
            "birth_date is not a date: '2019-02-30'",
        ),
        # do: must be one action's name (a list or mapping raised TypeError)
        ("steps:\n  - do: [enroll]\n    by: 实验小学\n", 5, "unknown action"),
        ("steps:\n  - do: {a: 1}\n    by: 实验小学\n", 5, "unknown action"),
        # arguments: a misspelling, a value not among the allowed ones (they were step
        # failures, exit 1, in Python's English, without the valid values)
        (
            "steps:\n  - do: suspend\n    by: 实验小学\n    student: 小明\n"
            "    with: {reasn: 病休}\n",
            8,
            "unknown argument 'reasn' of suspend (did you mean reason?); one of reason",
        ),
        (
            "steps:\n  - do: request_transfer\n    by: 镜湖小学\n    student: 小明\n"
            "    with: {to_school: W, to_class: W-1, reason: 随迁}\n",
            8,
            "reason '随迁' is not valid; one of job_move (工作调动), hukou_change (户籍变动),"
            " address_change (住址变动), other (其他)",
        ),
        (
            "steps:\n  - do: request_transfer\n    by: 镜湖小学\n    student: 小明\n"
            "    with: {to_school: W, to_class: W-1, reason: flying}\n",
            8,
            "reason 'flying' is not valid; one of job_move",
        ),
        (
            "steps:\n  - do: request_transfer\n    by: 镜湖小学\n    student: 小明\n"
            "    with: {to_school: W, to_class: W-1, reason: other, material_false: true}\n",
            8,
            "unknown argument 'material_false' of request_transfer",
        ),
        (
            "steps:\n  - do: request_transfer\n    by: 镜湖小学\n    student: 小明\n"
            "    with: {to_school: W, reason: job_move}\n",
            8,
            "request_transfer lacks to_class",
        ),
        (
            ENROL.replace("grade: 1,", "grade: 一,"),
            8,
            "grade is a whole number (digits), not '一'",
        ),
        (ENROL.replace("sex: M,", "sex: 男,"), 8, "sex '男' is not valid; one of M, F"),
        (
            ENROL.replace("photo: 2026-09-01", "photo: true"),
            9,
            "photo is written as the photo's date YYYY-MM-DD, not true",
        ),
        (
            "steps:\n  - do: request_correction\n    by: 实验小学\n    student: 小明\n"
            "    with: {changes: {birthday: 2019-03-02}, reason: 录错}\n",
            8,
            "unknown correction field 'birthday'",
        ),
        # a student fact missing a field (it had no line number)
        (
            "facts:\n  students:\n    - {as: x, school: A, class_id: A-1, grade: 1, name: x,\n"
            "       birth_date: 2019-03-01, hukou_region: '340104'}\n",
            6,
            "a student fact lacks sex",
        ),
        # expectations: a non-boolean, a code not in the library's list
        (
            "steps:\n  - do: suspend\n    by: 实验小学\n    student: 小明\n"
            "    with: {reason: 病休}\n    expect: {allowed: yes}\n",
            9,
            "allowed is true or false, not 'yes'",
        ),
        (
            "steps:\n  - do: graduate\n    by: 实验小学\n    student: 小明\n"
            "    expect: {refused: [graduation.not_yet]}\n",
            8,
            "unknown refused code 'graduation.not_yet'; the closest are graduation.",
        ),
        (
            "steps:\n  - do: suspend\n    by: 实验小学\n    student: 小明\n"
            "    with: {reason: 病休}\n    expect: {warnings: suspension.longg}\n",
            9,
            "unknown warnings code 'suspension.longg'",
        ),
        ("steps:\n  - do: check\n    expect: {detected: [late]}\n", 6, "unknown detected code"),
        (
            "steps:\n  - do: check\n    student: 小明\n    expect: {allowed: true}\n",
            7,
            "a check step cannot expect 'allowed'",
        ),
        ("steps:\n  - do: check\n    expect: {student: {status: registered}}\n", 6, "names it"),
        # a state or status not among the lifecycle's (found by the documentation review:
        # a failed step, exit 1, not a malformed file; the values listed nowhere)
        (
            ENROL.replace("status: draft", "status: regstered"),
            10,
            "student.status 'regstered' is not valid (the closest are registered); one of "
            "draft, pending_review, registered",
        ),
        (
            ENROL.replace("status: draft", "stage: primay"),
            10,
            "student.stage 'primay' is not valid (the closest are primary); one of primary",
        ),
        (
            "steps:\n  - do: submit\n    by: 实验小学\n    student: 小明\n"
            "    expect: {request: {state: at_authorty}}\n",
            8,
            "request.state 'at_authorty' is not valid (the closest are at_authority",
        ),
        (
            "steps:\n  - do: submit\n    by: 实验小学\n    student: 小明\n"
            "    expect: {request: {kind: new-student}}\n",
            8,
            "request.kind 'new-student' is not valid (the closest are new_student",
        ),
        # names: a student no line named (a step failure, in English only)
        (
            "steps:\n  - do: suspend\n    by: 实验小学\n    student: 小名\n"
            "    with: {reason: 病休}\n",
            7,
            "unknown student '小名'",
        ),
        # dates: a step dated before the one before it (found only when run)
        (
            "steps:\n  - do: advance_clock\n    on: 2026-09-10\n  - do: advance_clock\n    on: 2026-09-09\n",
            8,
            "step 2 is dated 2026-09-09, before step 1's date 2026-09-10",
        ),
        ("steps:\n  - do: advance_clock\n    on: 2026-08-31\n", 6, "before the start 2026-09-01"),
    ],
)
def test_a_malformed_scenario_names_file_line_and_problem(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:{line}"
    assert fragment in str(err.value)
    assert err.value.code == "scenario.malformed"


def test_a_bad_id_is_allowed_where_a_step_expects_the_error(tmp_path: Path) -> None:
    body = ENROL.replace("340104201903010112", "340104201903010113").replace(
        "expect: {allowed: true, student: {status: draft}}", "expect: {error: id.checksum}"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


def test_facts_the_rules_refuse_are_reported_not_raised(tmp_path: Path) -> None:
    body = """\
facts:
  students:
    - {as: 小小, school: A, class_id: A-1, grade: 1, name: 小小, sex: M,
       birth_date: 2023-01-01, hukou_region: "340104", id_number: "340104202301010419"}
steps:
  - do: check
    expect: {log_verifies: true}
"""
    path = _write(tmp_path, body)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.run(scenarios.load(path))
    # which student, and where (it said neither: found by the analysts' review)
    assert err.value.where == f"{path}:6"
    assert "学生事实 小小 无法建立：命令被拒绝：[enrolment.too_young]" in err.value.message_zh
    assert "the student fact '小小' cannot be set up: command refused" in err.value.message_en


def test_cli_scenario_run_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["scenario", "run", str(SCENARIOS)]) == cli.EXIT_OK
    assert "场景通过" in capsys.readouterr().out
    failing = _write(tmp_path, ENROL.replace("status: draft", "status: registered"))
    assert cli.main(["--json", "scenario", "run", str(failing)]) == cli.EXIT_INVALID
    (data,) = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["failures"][0]["line"] == 5
    bad = _write(tmp_path, "steps:\n  - do: enrol\n", "bad.scenario.yaml")
    assert cli.main(["scenario", "run", str(bad)]) == cli.EXIT_USAGE
    out = capsys.readouterr().out
    assert f"{bad}:5" in out
    assert "Traceback" not in out
    assert cli.main(["scenario", "run", str(tmp_path / "none")]) == cli.EXIT_USAGE
    assert "Traceback" not in capsys.readouterr().err


def test_pytest_collects_scenarios_and_reports_without_traceback(
    pytester: pytest.Pytester,
) -> None:
    facts = (SCENARIOS / "province.facts.yaml").as_posix()
    good = HEAD.format(facts=facts) + ENROL
    wrong = good.replace("status: draft", "status: registered")
    pytester.makefile(".scenario.yaml", good=good, wrong=wrong, bad="steps:\n  - do: enrol\n")
    pytester.makefile(".yaml", ignored="not: a scenario\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*bad.scenario.yaml:2: *unknown action 'enrol'*",
            "*wrong.scenario.yaml:5: step 1 (enroll by 实验小学)*",
            "*expected student.status = registered, got draft*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_step_that_cannot_be_carried_out_fails_as_a_step(tmp_path: Path) -> None:
    """A name given with ``as`` on a step that was refused names nothing: a later step
    using it fails, and says why (it was "unknown student ... (name one with 'as'
    first)", in English, although the step had ``as``). An unknown name or a bad value
    is now a malformed file (test_a_malformed_scenario_names_file_line_and_problem)."""
    body = ENROL.replace("allowed: true, ", "").replace("grade: 1,", "grade: 2,") + (
        "  - do: submit\n    by: 实验小学\n    student: 小明\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert [s.ok for s in result.steps] == [False, False]
    assert result.steps[1].problems == (
        "没有名为 小明 的学生：命名它的步骤没有成功 "
        "(no student named '小明': the step that names it with 'as' did not give one)",
    )


def test_art33_a_later_measure_based_on_an_earlier_one_with_holidays_for_its_years(
    tmp_path: Path,
) -> None:
    """An analyst's later measure (2027) written over their earlier one: ``base`` could
    name only a shipped profile, and a scenario could not add the holiday schedule of
    a year the built-in calendar lacks (``calendar.not_covered`` at the first
    deadline). A file now bases on a profile listed before it, and ``holidays:``
    loads schedules as ``xueji deadline --holidays`` does."""
    (tmp_path / "zj-2014.toml").write_text(
        textwrap.dedent("""\
            base = "anhui-2013"
            code = "zj-2014"
            name = "某省办法"
            instrument = "某教基〔2014〕1号"
            valid_until = 2027-08-31
            """),
        encoding="utf-8",
    )
    (tmp_path / "zj-2027.toml").write_text(
        textwrap.dedent("""\
            base = "zj-2014"
            code = "zj-2027"
            valid_from = 2027-09-01
            [transfer_stage_limit]
            value = 5
            article = { instrument = "某教基〔2027〕1号", number = 21 }
            """),
        encoding="utf-8",
    )
    (tmp_path / "holidays-2027.toml").write_text(
        textwrap.dedent("""\
            [2027]
            source = "假设的2027年节假日安排（测试）"
            holidays = ["2027-01-01", "2027-02-06..2027-02-12", "2027-10-01..2027-10-07"]
            makeup_workdays = ["2027-10-09"]
            """),
        encoding="utf-8",
    )
    body = """\
        policy: [zj-2014.toml, zj-2027.toml]
        holidays: holidays-2027.toml
        steps:
          - do: request_transfer
            on: 2027-09-28
            by: 镜湖小学
            student: 小明
            with: {to_school: W, to_class: W-1, reason: job_move}
            expect: {request: {deadline: 2027-10-11}}
        """
    facts = """\
        facts:
          students:
            - {as: 小明, school: A, class_id: A-1, grade: 1, name: 小明, sex: M,
               birth_date: 2020-03-01, hukou_region: "340104", id_number: "340104202003010111"}
        """
    path = _write(tmp_path, textwrap.dedent(body) + textwrap.dedent(facts))
    path.write_text(path.read_text(encoding="utf-8").replace("2026-09-01", "2027-09-01"))
    scenario = scenarios.load(path)
    assert [p.code for p in scenario.policies] == ["zj-2014", "zj-2027"]
    assert scenario.policies[1].instrument == "某教基〔2014〕1号"  # from its base
    result = scenarios.run(scenario)
    assert result.ok, result
    # the holidays are what covers 2027: without them, the first deadline is an error
    bare = path.read_text(encoding="utf-8").replace("holidays: holidays-2027.toml\n", "")
    path.write_text(bare, encoding="utf-8")
    assert not scenarios.run(scenarios.load(path)).ok


@pytest.mark.parametrize(
    ("expected", "hint"),
    [("G340104201903010120", False), ("G340104201903020112", True)],
)
def test_art30_a_failed_check_reports_registry_numbers_masked(
    tmp_path: Path, expected: str, hint: bool
) -> None:
    """Found by the privacy audit: a check on a registry number that did not match
    reported ``got G340104201903010112`` in full, in the report, the problems and
    ``actual`` (which ``--json`` and the pytest plugin show). Both values are masked
    now; where they differ only in masked characters, the problem says so."""
    from xueji.masking import mask_ids

    body = ENROL + (
        f"  - do: check\n    student: 小明\n"
        f"    expect: {{student: {{registry_number: '{expected}'}}}}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    (failure,) = result.failures
    got = "G340104201903010112"
    shown = [result.report(), *failure.problems, json.dumps(failure.actual)]
    for text in shown:
        assert got not in text
        assert expected not in text
    assert failure.actual == {"student": {"registry_number": mask_ids(got)}}
    problem = f"expected student.registry_number = {mask_ids(expected)}, got {mask_ids(got)}"
    note = ""
    if hint:  # said in each language (the Chinese half had the English note)
        problem += " (they differ in masked characters)"
        note = "（二者只在遮蔽的字符上不同）"
    zh = f"预期 student.registry_number = {mask_ids(expected)}，实际为 {mask_ids(got)}{note}"
    assert failure.problems == (f"{zh} ({problem})",)


STUDENT = """\
facts:
  students:
    - {as: 小明, school: A, class_id: A-1, grade: 1, name: 小明, sex: M, birth_date: 2019-03-01,
       hukou_region: "340104", id_number: "340104201903010112"}
    - {as: 小红, school: A, class_id: A-1, grade: 1, name: 小红, sex: F, birth_date: 2019-05-15,
       hukou_region: "340104", guardian_id: "340104198501010721"}
"""


def test_every_key_field_of_article_29_can_be_corrected_in_a_scenario(tmp_path: Path) -> None:
    """A birth date in a correction reached the rules as text (AttributeError, a
    traceback), or was called invalid; a photo, in a correction or ``update_student``,
    was refused as invalid. All five key fields of Art 29 can now be written."""
    body = STUDENT + textwrap.dedent("""\
        steps:
          - do: request_correction          # 与身份证号不符（第二十九条）
            by: 实验小学
            student: 小明
            with: {changes: {birth_date: 2019-03-02}, reason: 录错}
            expect: {refused: [correction.id_mismatch]}
          - do: update_student              # 照片是关键信息，报送后锁定
            by: 实验小学
            student: 小明
            with: {photo: 2026-08-30}
            expect: {refused: [correction.locked]}
          - do: request_correction
            by: 实验小学
            student: 小明
            as: 改照片
            with: {changes: {photo: 2026-08-30, name: 王小明}, reason: 重新采集}
            expect: {allowed: true}
          - do: approve
            by: 蜀山区
            request: 改照片
            expect: {allowed: true, student: {name: 王小明}}
          - do: request_correction          # 无身份证号：出生日期可更正
            by: 实验小学
            student: 小红
            as: 改生日
            with: {changes: {birth_date: 2019-05-16, sex: F}, reason: 录错}
            expect: {allowed: true}
          - do: approve
            by: 蜀山区
            request: 改生日
            expect: {allowed: true}
          - do: request_correction
            by: 实验小学
            student: 小红
            as: 补号
            with: {changes: {id_number: "340104201905160026"}, reason: 后补身份证号}
            expect: {allowed: true}
        """)
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


def test_one_bad_file_does_not_hide_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A birth-date correction made ``xueji scenario run DIR`` print a traceback and
    no file's result. Now it runs; and a file on which the library itself fails is
    reported as such while the other files' results are still printed."""
    birth = STUDENT + (
        "steps:\n  - do: request_correction\n    by: 实验小学\n    student: 小明\n"
        "    with: {changes: {birth_date: 2019-03-02}, reason: 录错}\n"
        "    expect: {refused: [correction.id_mismatch]}\n"
    )
    _write(tmp_path, birth, "a.scenario.yaml")
    _write(tmp_path, ENROL, "b.scenario.yaml")
    assert cli.main(["scenario", "run", str(tmp_path)]) == cli.EXIT_OK
    assert "2/2 场景通过" in capsys.readouterr().out

    def broken(*args: object, **kwargs: object) -> None:
        raise AttributeError("a defect")

    monkeypatch.setattr(scenarios.Registry, "request_correction", broken)
    assert cli.main(["scenario", "run", str(tmp_path)]) == cli.EXIT_INVALID
    out = capsys.readouterr().out
    assert "a.scenario.yaml  内部错误 internal error\n  AttributeError: a defect" in out
    assert f"✓ {tmp_path / 'b.scenario.yaml'}" in out
    assert "1/2 场景通过" in out


def test_a_code_written_alone_is_a_list_of_one(tmp_path: Path) -> None:
    """``refused: code`` was compared letter by letter (['.', '_', 'a', ...])."""
    body = STUDENT + (
        "steps:\n  - do: request_transfer\n    by: 第二小学\n    student: 小明\n"
        "    with: {to_school: B, to_class: B-1, reason: other, stated_reason: 择校}\n"
        "    expect: {refused: transfer.same_city_choice}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()
    assert result.steps[0].step.expect["refused"] == ["transfer.same_city_choice"]


def test_same_as_is_reported_by_the_names_in_the_file(tmp_path: Path) -> None:
    """A ``same_as`` mismatch showed internal ids (S0000001, S0000002)."""
    body = STUDENT + (
        "steps:\n  - do: check\n    student: 小明\n    expect: {student: {same_as: 小红}}\n"
        "  - do: check\n    student: 小明\n    expect: {student: {same_as: 小明}}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert [s.ok for s in result.steps] == [False, True]
    assert result.steps[0].problems == (
        "预期 student.same_as = 小红，实际为 小明 (expected student.same_as = 小红, got 小明)",
    )


def test_a_step_expecting_an_error_may_give_a_bad_value(tmp_path: Path) -> None:
    """A value that does not convert is left for the command to refuse where the step
    expects an ``error``."""
    body = ENROL.replace("sex: M,", "sex: 男,").replace(
        "expect: {allowed: true, student: {status: draft}}", "expect: {error: command.bad_input}"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


def test_cli_a_misspelled_argument_is_a_malformed_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = STUDENT + (
        "steps:\n  - do: suspend\n    by: 实验小学\n    student: 小明\n    with: {reasn: 病休}\n"
    )
    path = _write(tmp_path, body)
    assert cli.main(["scenario", "run", str(path)]) == cli.EXIT_USAGE
    out = capsys.readouterr().out
    assert f"{path}:14: 未知的参数 reasn（是否应为 reason？）；suspend 的参数有：reason" in out
    assert "Traceback" not in out


def test_the_doc_lists_each_actions_arguments_from_the_runner() -> None:
    """docs/scenarios.md did not list any action's arguments, their values, who acts
    without ``by:``, or what each action can expect: the table is now generated from
    the runner's definitions, and kept equal to them."""
    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    begin = "<!-- actions table: generated by xueji.scenarios.actions_markdown() -->\n"
    section = doc.split(begin, 1)[1].split("<!-- end of actions table -->", 1)[0]
    assert section == scenarios.actions_markdown(), (
        "regenerate with: python -c 'from xueji import scenarios;"
        ' print(scenarios.actions_markdown(), end="")\''
    )
    assert "`job_move` (工作调动) / `hukou_change` (户籍变动) / `address_change`" in section
    assert "| `rollover` | — | **`year`**: number | the system (系统) |" in section


def test_values_the_review_found_misread(tmp_path: Path) -> None:
    """Found by the session review of the runner: ``update_student`` refused the
    ``expected_version`` and ``idempotency_key`` every command takes; a bad value in a
    step that expects an error was still converted by the runner (``migrant:
    "false"`` became true, and the enrolment was allowed) instead of reaching the
    command; and quoted text that reads as a date could not be given as text."""
    body = STUDENT + textwrap.dedent(
        """\
        steps:
          - do: enroll
            by: 实验小学
            as: 小刚
            with: {school: A, class_id: A-1, grade: 1, name: 小刚, sex: M,
                   birth_date: 2019-03-01, hukou_region: "340104",
                   id_number: "340104201903010139", photo: 2026-09-01}
            expect: {allowed: true}
          - do: update_student
            by: 实验小学
            student: 小刚
            with: {name: 小刚刚, expected_version: 0, idempotency_key: fix-1}
            expect: {allowed: true, student: {name: 小刚刚}}
          - do: enroll
            by: 实验小学
            with: {school: A, class_id: A-1, grade: 1, name: 小强, sex: M,
                   birth_date: 2019-03-01, hukou_region: "340104",
                   id_number: "340104201903010155", photo: 2026-09-01, migrant: "false"}
            expect: {error: command.bad_input}
          - do: suspend
            by: 实验小学
            student: 小明
            with: {reason: "2026-09-01"}
            expect: {allowed: true}
        """
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


def test_art18_a_grade_is_put_right_in_a_scenario(tmp_path: Path) -> None:
    """``regrade`` (Art 18(2)) is a step action: the authority moves a student into a
    class of another grade; the school is refused."""
    body = STUDENT + textwrap.dedent(
        """\
        steps:
          - do: regrade
            by: 实验小学
            student: 小明
            with: {grade: 2, class_id: A-2, reason: 漏升级}
            expect: {error: access.denied}
          - do: regrade
            by: 蜀山区
            student: 小明
            with: {grade: 2, class_id: A-2, reason: 漏升级}
            expect: {allowed: true, student: {grade: 2, class_id: A-2}}
        """
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


def test_art30_a_registry_number_prefix_mismatch_is_reported_masked(tmp_path: Path) -> None:
    """Found by the privacy review: a ``registry_number_prefix`` mismatch printed "G"
    and 17 digits of the number, enough to rebuild it."""
    body = ENROL.replace(
        "expect: {allowed: true, student: {status: draft}}",
        "expect: {student: {registry_number_prefix: G34010420190301019}}",
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert not result.ok
    report = result.report()
    assert "G340104********011" in report  # what it got, masked
    assert "2019030101" not in report


def test_art30_a_failed_step_s_explanation_gives_no_masked_number_back(tmp_path: Path) -> None:
    """Found by the privacy review: a step whose decision failed reported its
    explanation, whose ``enrolment.id_mismatch`` step showed the number masked beside
    the birth dates (the mask hides exactly the birth date), and whose age step showed
    the birth date beside a duplicate's masked 学籍号: the report gave the number back."""
    from tests.conftest import rebuilt

    body = ENROL + (
        "  - do: enroll\n    by: 实验小学\n"
        "    with: {school: A, class_id: A-1, grade: 1, name: 小明, sex: M, birth_date: 2019-03-01,\n"
        '           hukou_region: "340104", id_number: "340104201903010112", photo: 2026-09-01}\n'
        "    expect: {allowed: true}\n"
        "  - do: enroll\n    by: 实验小学\n"
        "    with: {school: A, class_id: A-1, grade: 1, name: 小红, sex: F, birth_date: 2019-03-02,\n"
        '           hukou_region: "340104", id_number: "340104201903010120", photo: 2026-09-01}\n'
        "    expect: {allowed: true}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    duplicate, mismatch = result.failures
    assert "enrolment.duplicate" in duplicate.explanation
    assert "enrolment.id_mismatch" in mismatch.explanation
    shown = [result.report(), *(f.explanation for f in result.failures)]
    assert rebuilt(*shown, of=("340104201903010112", "340104201903010120")) == []


def test_the_format_example_of_the_doc_runs_as_given(tmp_path: Path) -> None:
    """docs/scenarios.md's format example, saved as a file, did not run: it named a
    holiday file and a facts file that were not there, and without them its actor
    镜湖小学, school W and class W-1 were defined nowhere (``unknown actor``). It is
    now a complete scenario that passes as written."""
    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = doc.split("\n## The format\n", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.scenario.yaml"
    path.write_text(example, encoding="utf-8")
    result = scenarios.run(scenarios.load(path))
    assert result.ok, result.report()
    assert [s.action for s in result.scenario.steps] == ["request_transfer"]


def test_a_failure_says_each_thing_once_and_explains_only_decisions(tmp_path: Path) -> None:
    """Found by the newcomer walkthrough: an unexpected error repeated its whole
    bilingual message twice (``意外的错误 X: <zh (en)> (unexpected error X: <zh
    (en)>)``); a value not there showed as Python's ``None`` (``实际为 None``); and a
    failed field check dumped the decision's full explanation (every rule evaluated)
    though the rules were not at fault. Now: the message once, each language in its
    half; 无 (none); the explanation only when what failed is the decision."""
    body = ENROL.replace("status: draft", "status: registered") + (
        "  - do: enroll\n"
        "    by: 实验小学\n"
        "    with: {school: B, class_id: B-1, grade: 1, name: 小红, sex: F,\n"
        "           birth_date: 2019-03-01, hukou_region: '340104',\n"
        "           id_number: '340104201903010120', photo: 2026-09-01}\n"
        "    expect: {refused: [enrolment.too_young]}\n"
        "  - do: submit\n"
        "    by: 实验小学\n"
        "    student: 小明\n"
        "    expect: {allowed: false}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    field, error, decision = result.failures
    assert field.problems == (
        "预期 student.status = registered，实际为 draft "
        "(expected student.status = registered, got draft)",
    )
    assert field.explanation == ""  # the rules allowed it: the field is what differs
    assert "explanation" not in field.describe("t")
    (unexpected, refused) = error.problems
    assert unexpected.startswith(
        "意外的错误 access.denied：school:A 无权执行 enroll：超出管辖范围：B"
    )
    assert "(unexpected error access.denied: school:A may not enroll: outside" in unexpected
    assert unexpected.count("超出管辖范围") == 1
    assert unexpected.count("outside the actor's jurisdiction") == 1
    assert refused == (
        "预期 refused ['enrolment.too_young']，实际为 无 "
        "(expected refused ['enrolment.too_young'], got none)"
    )
    assert not any("None" in p for f in result.failures for p in f.problems)
    assert decision.problems == (  # as the file writes them (it showed Python's False)
        "预期 allowed: false，实际为 true (expected allowed: false, got true)",
    )
    assert "enrolment.late" in decision.explanation  # the rules are what is checked


# -- found by the policy analyst's review of the runner (a wrong expectation that passed,
#    a mistake ignored or reported without its line) -------------------------------------


def test_a_key_given_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    """A second ``expect:`` silently replaced the first, so a wrong expectation passed."""
    body = ENROL.replace(
        "    expect: {allowed: true, student: {status: draft}}\n",
        "    expect: {allowed: false}\n    expect: {allowed: true, student: {status: draft}}\n",
    )
    path = _write(tmp_path, body)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:11"
    assert "键 expect 重复（第10行已给出）" in err.value.message_zh
    assert "key 'expect' is given twice (first on line 10)" in err.value.message_en


def test_a_yaml_error_is_said_in_chinese_too(tmp_path: Path) -> None:
    """PyYAML's English problem stood in the Chinese half of the message."""
    path = _write(tmp_path, ENROL.replace("    by: 实验小学\n", "\tby: 实验小学\n"))
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:6"
    assert "制表符（Tab）不能用于缩进" in err.value.message_zh
    assert "found character" not in err.value.message_zh
    assert "found character '\\t' that cannot start any token" in err.value.message_en


def test_a_refused_step_that_states_no_decision_fails(tmp_path: Path) -> None:
    """A step with no ``allowed``/``refused``/``error`` passed though the rules refused
    it (an unexpected error was reported, an unexpected refusal was not)."""
    body = STUDENT + (
        "steps:\n  - do: request_transfer\n    by: 第二小学\n    student: 小明\n"
        "    with: {to_school: B, to_class: B-1, reason: other}\n"
        "  - do: suspend\n    by: 实验小学\n    student: 小红\n    with: {reason: 病休}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    (failure,) = result.failures
    assert failure.step.index == 1
    codes = "transfer.reason_missing, transfer.same_city_choice"
    assert failure.problems == (
        f"意外的拒绝 [{codes}]：这一步未写 allowed、refused 或 error，应被执行 "
        f"(unexpected refusal [{codes}]: the step states no allowed, refused or error,"
        " so it is expected to be carried out)",
    )
    assert "transfer.same_city_choice" in failure.explanation


@pytest.mark.parametrize(
    ("facts", "line", "fragment"),
    [
        (
            "  clases:\n    - {id: A-9, school: A, name: 九班, grade: 1, head_teacher: 王}\n",
            5,
            "unknown kind of fact 'clases' (did you mean classes?); one of actors, classes",
        ),
        ("  actors:\n    - {kind: school, unit: A}\n", 5, "actors is a mapping"),
        ("  actors: 实验小学\n", 5, "actors is a mapping (name: {kind, unit, name}), not '实验"),
        ("  units: 34\n", 5, "units must be a list, not 34"),
        (
            "  students:\n"
            "    - {as: 小明, school: A, class_id: A-1, grade: 1, name: 小明, sex: M,\n"
            "       birth_date: 2019-03-01, hukou_region: '340104'}\n"
            "    - {as: 小明, school: A, class_id: A-1, grade: 1, name: 小明B, sex: M,\n"
            "       birth_date: 2019-04-04, hukou_region: '340104'}\n",
            8,
            "the student fact name '小明' is given twice",
        ),
    ],
)
def test_facts_misspelled_or_of_the_wrong_kind_are_refused(
    tmp_path: Path, facts: str, line: int, fragment: str
) -> None:
    """A misspelled key under ``facts:`` was ignored (the class it held did not exist,
    and a step expecting ``not_found.class`` passed); ``actors`` as a list or text was
    an internal error (AttributeError); two fact students of the same name were
    both enrolled, and steps reached only the last."""
    path = _write(tmp_path, "facts:\n" + facts + "steps:\n  - do: check\n")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:{line}"
    assert fragment in str(err.value)


def test_a_misspelled_key_in_a_facts_file_is_refused_in_that_file(tmp_path: Path) -> None:
    facts = tmp_path / "p.facts.yaml"
    facts.write_text("# 事实\nunits: []\nstudent:\n  - {as: x}\n", encoding="utf-8")
    path = tmp_path / "t.scenario.yaml"
    path.write_text("facts_file: p.facts.yaml\nsteps:\n  - do: check\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{facts}:3"
    assert "unknown kind of fact 'student' (did you mean students?)" in str(err.value)


@pytest.mark.parametrize("steps", ["", "steps: []\n", "steps:\n"])
def test_a_scenario_without_steps_is_malformed(
    tmp_path: Path, steps: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with no steps tests nothing, and passed."""
    path = _write(tmp_path, steps)
    with pytest.raises(scenarios.ScenarioError, match="the scenario has no steps"):
        scenarios.load(path)
    assert cli.main(["scenario", "run", str(path)]) == cli.EXIT_USAGE


def test_numbers_are_read_as_yaml_1_2(tmp_path: Path) -> None:
    """YAML 1.1 read ``0101`` as the octal 65 (a class ``id: 0101`` became 65) and
    ``1:20`` as 80; leading zeros now stay text, as YAML 1.2 (and JSON) read them."""
    body = (
        "facts:\n  classes:\n"
        "    - {id: 0101, school: A, name: 一年级2班, grade: 01, head_teacher: '1:20'}\n"
        "steps:\n  - do: enroll\n    by: 实验小学\n    as: 小红\n"
        "    with: {school: A, class_id: 0101, grade: 1, name: 小红, sex: M,\n"
        "           birth_date: 2019-03-01, hukou_region: 340104, photo: 2026-09-01,\n"
        "           id_number: '340104201903010112'}\n"
        "    expect: {allowed: true, student: {class_id: '0101', grade: 1}}\n"
    )
    scenario = scenarios.load(_write(tmp_path, body))
    assert scenario.classes[-1].id == "0101"
    assert scenario.steps[0].args["class_id"] == "0101"
    assert scenario.steps[0].args["hukou_region"] == "340104"
    result = scenarios.run(scenario)
    assert result.ok, result.report()
    doc = scenarios._parse("a: 0o17\nb: 1:20\nc: -3\nd: 0\ne: 1_000\n", "x.yaml")
    assert doc == {"a": "0o17", "b": "1:20", "c": -3, "d": 0, "e": "1_000"}


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (ENROL.replace('id_number: "340104201903010112"', "id_number: 340104201903010113"), 9),
        (
            "facts:\n  students:\n    - {as: x, school: A, class_id: A-1, grade: 1, name: x,\n"
            "       sex: M, birth_date: 2019-03-01, hukou_region: '340104',\n"
            "       id_number: 340104201903010113}\nsteps:\n  - do: check\n",
            8,
        ),
    ],
)
def test_an_unquoted_id_number_is_checked_when_the_file_is_read(
    tmp_path: Path, body: str, line: int
) -> None:
    """An identity number written without quotes (a YAML number) skipped the check."""
    path = _write(tmp_path, body)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:{line}"
    assert "id_number 340104********0113 is invalid" in str(err.value)


def test_advance_clock_to_dates_its_step(tmp_path: Path) -> None:
    """``advance_clock with: {to: ...}`` moved the clock, but the load-time check of
    the steps' dates ignored it: a later step dated before it failed only when run."""
    body = STUDENT + textwrap.dedent("""\
        steps:
          - do: advance_clock
            with: {to: 2026-12-01}
          - do: suspend
            on: 2026-11-01
            by: 实验小学
            student: 小明
            with: {reason: 病休}
        """)
    path = _write(tmp_path, body)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:14"  # the step's on:
    assert "step 2 is dated 2026-11-01, before step 1's date 2026-12-01" in str(err.value)
    back = body.replace(
        "  - do: suspend\n    on: 2026-11-01", "  - do: suspend\n    on: 2026-12-02"
    )
    back += "  - do: advance_clock\n    with: {to: 2026-12-01}\n"
    with pytest.raises(scenarios.ScenarioError, match="step 3 is dated 2026-12-01") as err:
        scenarios.load(_write(tmp_path, back))
    assert err.value.where.endswith(":19")  # the step's with: {to: ...}
    # a step that expects the error may set the clock back, to test the refusal
    allowed = back + "    expect: {error: clock.backwards}\n"
    result = scenarios.run(scenarios.load(_write(tmp_path, allowed)))
    assert result.ok, result.report()


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        (
            "facts:\n  units:\n    - {code: '99', name: x, level: provice, region: '990000'}\n",
            6,
            "level 'provice' is not valid; one of province, city, county",
        ),
        (
            "facts:\n  units:\n    - {code: '99', name: x, levle: province, region: '990000'}\n",
            6,
            "unknown field 'levle' of units item 1 (did you mean level?)",
        ),
        (
            "facts:\n  actors:\n    甲: {kind: schol, unit: A}\n",
            6,
            "kind 'schol' is not valid; one of province, city, county, school, system",
        ),
        (
            "facts:\n  classes:\n    - {id: A-9, school: A, name: 九班, grade: 1}\n",
            6,
            "classes item 1 lacks head_teacher",
        ),
        (
            "facts:\n  schools:\n    - {code: Q, name: q, authority: '340104', region: '340104',\n"
            "       stages: [primary, college]}\n",
            7,
            "stages 'college' is not valid; one of primary, junior, senior, special",
        ),
        (
            "steps:\n  - do: add_class\n    by: 实验小学\n    with: {klass: {id: A-3, school: A,"
            " name: 三班, grade: 1, head_teacher: 王, created: 2026年9月1日}}\n",
            7,
            "created is a date YYYY-MM-DD, not '2026年9月1日'",
        ),
        (
            ENROL.replace(
                "photo: 2026-09-01}",
                "photo: 2026-09-01,\n consent: {basis: 同意, given_by: 母亲, given_on: 2026/09/01}}",
            ),
            10,
            "given_on is a date YYYY-MM-DD, not '2026/09/01'",
        ),
        (
            STUDENT + "steps:\n  - do: add_info\n    by: 实验小学\n    student: 小明\n"
            "    with: {group: award, entry: {on: 2026年9月10日, text: 三好学生}}\n",
            14,
            "on is a date YYYY-MM-DD, not '2026年9月10日'",
        ),
    ],
)
def test_a_mistake_in_a_record_names_its_field_and_values(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    """A fact or a record in ``with:`` with a wrong value, a misspelled or a missing
    field was reported as cattrs' "While structuring Unit (1 sub-exception)"."""
    if "steps:" not in body:
        body += "steps:\n  - do: check\n"
    path = _write(tmp_path, body)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert fragment in str(err.value)
    assert "sub-exception" not in str(err.value)
    assert err.value.where == f"{path}:{line}"


def test_a_mistake_in_a_facts_file_is_reported_in_that_file(tmp_path: Path) -> None:
    """A mistake in the facts file was reported against the scenario file, with the
    facts file's line number, and its item numbered in the merged list."""
    facts = tmp_path / "p.facts.yaml"
    shared = (SCENARIOS / "province.facts.yaml").read_text(encoding="utf-8")
    lines = shared.splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if "id: W-1" in ln)
    lines[at] = lines[at].replace("head_teacher", "head_techer")
    facts.write_text("".join(lines), encoding="utf-8")
    path = tmp_path / "t.scenario.yaml"
    path.write_text("facts_file: p.facts.yaml\nsteps:\n  - do: check\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{facts}:{at + 1}"
    assert "unknown field 'head_techer' of classes item 5 (did you mean head_teacher?)" in str(
        err.value
    )
    # the scenario's own items are numbered in the scenario (they were numbered after
    # the facts file's), and a bad identity number in the facts file is reported there
    facts.write_text(shared, encoding="utf-8")
    path.write_text(
        "facts_file: p.facts.yaml\nfacts:\n  classes:\n    - {id: Q-1, school: A}\n"
        "steps:\n  - do: check\n",
        encoding="utf-8",
    )
    with pytest.raises(scenarios.ScenarioError, match="classes item 1 lacks") as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:4"
    facts.write_text(
        shared + "students:\n  - {as: x, school: A, class_id: A-1, grade: 1, name: x, sex: M,\n"
        "     birth_date: 2019-03-01, hukou_region: '340104', id_number: '340104201903010113'}\n",
        encoding="utf-8",
    )
    path.write_text("facts_file: p.facts.yaml\nsteps:\n  - do: check\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="id_number 340104") as err:
        scenarios.load(path)
    assert err.value.where == f"{facts}:{len(shared.splitlines()) + 3}"  # its id_number


def test_art30_a_prefix_that_differs_only_where_masked_says_so(tmp_path: Path) -> None:
    """A ``registry_number_prefix`` that differed only in the birth date showed two
    equal masked values with no explanation (``registry_number`` said why)."""
    body = STUDENT + (
        "steps:\n  - do: check\n    student: 小明\n"
        "    expect: {student: {registry_number_prefix: G34010420190302011}}\n"
    )
    (failure,) = scenarios.run(scenarios.load(_write(tmp_path, body))).failures
    assert failure.problems == (
        "预期 student.registry_number_prefix = G340104********011，"
        "实际为 G340104********011（二者只在遮蔽的字符上不同） "
        "(expected student.registry_number_prefix = G340104********011, "
        "got G340104********011 (they differ in masked characters))",
    )


def test_every_problem_is_said_in_chinese_with_the_english_beside(tmp_path: Path) -> None:
    """Found by the analysts' review: ``预期 2 requests advanced`` (English in the
    Chinese half); ``True``/``False`` for what the file writes ``true``/``false``."""
    body = STUDENT + textwrap.dedent("""\
        steps:
          - do: advance_clock
            request: 转学
            expect: {advanced: 2, log_verifies: false}
          - do: check
            student: 小明
            expect: {student: {submitted: false}}
        """).replace("    request: 转学\n", "")
    first, second = scenarios.run(scenarios.load(_write(tmp_path, body))).failures
    assert first.problems == (
        "预期推进 2 个申请，实际为 0 (expected 2 requests advanced, got 0)",
        "预期 log_verifies: false，实际为 true (expected log_verifies: false, got true)",
    )
    assert second.problems == (
        "预期 student.submitted = false，实际为 true (expected student.submitted = false, got true)",
    )


def test_a_misspelled_student_fact_field_is_named_in_english_in_the_english_half(
    tmp_path: Path,
) -> None:
    """The English half said ``unknown field 'class' of 学生事实``."""
    body = STUDENT.replace(
        "class_id: A-1, grade: 1, name: 小明", "class: A-1, grade: 1, name: 小明"
    )
    path = _write(tmp_path, body + "steps:\n  - do: check\n")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert "未知的字段 class（是否应为 class_id？）；学生事实 的字段有" in err.value.message_zh
    assert (
        "unknown field 'class' of a student fact (did you mean class_id?)" in err.value.message_en
    )
    assert "学生事实" not in err.value.message_en


@pytest.mark.parametrize("field", ["actor_name", "basis", "subject", "command", "actor_unit"])
def test_art30_log_masked_reads_every_text_field_of_an_entry(tmp_path: Path, field: str) -> None:
    """Found by the scenarios' review: ``log_masked`` read only the entries' before and
    after values; an identity number in the actor's name (the registry logged it as
    given) or in another field was not seen. Every text field is read now."""
    from xueji import audit

    holder = "340104198001010012"
    scenario = scenarios.load(_write(tmp_path, ENROL))
    run = scenarios._Run(scenario, None)
    assert run._log_masked()
    fields = {"actor_name": "", "basis": "", "subject": "S1", "command": "x", "actor_unit": "A"}
    fields[field] = f"王某 {holder}"
    with run.reg.store.unit_of_work() as uow:  # as an entry written before the fix holds it
        last = uow.log.last()
        uow.log.append(
            audit.make_entry(
                last.seq + 1 if last else 1, scenario.start, "school", fields["actor_unit"],
                fields["command"], fields["subject"], {}, {}, fields["basis"],
                fields["actor_name"], last, None,
            )
        )  # fmt: skip
    assert run.reg.verify_log(run.observer).ok
    assert not run._log_masked()


def test_art30_an_actor_named_by_an_identity_number_keeps_the_log_masked(tmp_path: Path) -> None:
    """The registry logs the actor's name with identity numbers masked: ``log_masked``
    holds for a scenario whose actor is so named (it held before only because it did
    not read the name)."""
    body = ENROL.replace("by: 实验小学", "by: 王某") + (
        "  - do: check\n    expect: {log_masked: true, log_verifies: true}\n"
    )
    body = (
        "facts:\n  actors:\n    王某: {kind: school, unit: A, name: '王某 340104198001010012'}\n"
        + body
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


def test_art29_a_correction_s_date_written_as_text_is_bad_input(tmp_path: Path) -> None:
    """Found by the scenarios' review: ``changes: {birth_date: 2019-3-1}`` on a step
    that expects an error (the value goes to the command as written) raised a raw
    AttributeError, reported as an internal error."""
    body = STUDENT + textwrap.dedent("""\
        steps:
          - do: request_correction
            by: 实验小学
            student: 小明
            with: {changes: {birth_date: 2019-3-1}, reason: 录错}
            expect: {error: command.bad_input}
          - do: check
            expect: {log_verifies: true}
        """)
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


@pytest.mark.parametrize(
    ("steps", "line", "zh", "en"),
    [
        ("  - do: check\n", 11, "check 步骤未写任何预期", "a check step that expects nothing"),
        (
            "  - do: check\n    student: 小明\n    on: 2026-09-02\n",
            11,
            "check 步骤未写任何预期",
            "a check step that expects nothing",
        ),
        ("  - do: check\n    expect: {}\n", 11, "check 步骤未写任何预期", "expects nothing"),
        ("  - do: check\n    expect:\n", 11, "check 步骤未写任何预期", "expects nothing"),
        (
            "  - do: check\n    student: 小明\n    expect: {student: {}}\n",
            13,
            "预期 student 未写任何字段",
            "expect.student names no field",
        ),
        (
            "  - do: check\n    student: 小明\n    expect: {student: null, log_verifies: true}\n",
            13,
            "预期 student 未写任何字段",
            "expect.student names no field",
        ),
        (
            "  - do: suspend\n    by: 实验小学\n    student: 小明\n    as: 休学\n"
            "    with: {reason: 病休}\n    expect:\n      request:\n",
            17,
            "预期 request 未写任何字段",
            "expect.request names no field",
        ),
        (
            "  - do: advance_clock\n    student: 小明\n    expect: {student: {}}\n",
            13,
            "预期 student 未写任何字段",
            "expect.student names no field",
        ),
    ],
)
def test_a_step_that_states_nothing_is_malformed(
    tmp_path: Path, steps: str, line: int, zh: str, en: str
) -> None:
    """Found by the scenarios' review: a ``check`` step with no expectations, and an
    expectation ``student: {}`` or ``request: null``, checked nothing and passed."""
    path = _write(tmp_path, STUDENT + "steps:\n" + steps)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:{line}"
    assert zh in err.value.message_zh
    assert en in err.value.message_en


def test_an_advance_clock_step_without_expectations_is_an_action(tmp_path: Path) -> None:
    """``advance_clock`` runs the deadline sweep: a step of it that states nothing is
    carried out (an error it raises fails it), as any command's."""
    body = STUDENT + "steps:\n  - do: advance_clock\n    on: 2026-09-10\n"
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


@pytest.mark.parametrize(
    ("actor", "fragment_zh", "fragment_en"),
    [
        (
            '镜湖区: {kind: county, unit: "340220"}',
            "执行者 镜湖区 的单位 340220 不在事实的单位中（是否应为 340202",
            "actor 镜湖区's unit '340220' is not one of the facts' units (did you mean 340202",
        ),
        (
            "新学校: {kind: school, unit: AA}",
            "执行者 新学校 的单位 AA 不在事实的学校中（是否应为 A？）",
            "actor 新学校's unit 'AA' is not one of the facts' schools (did you mean A?)",
        ),
        (
            "市局: {kind: city, unit: A}",
            "执行者 市局 的单位 A 不在事实的单位中",
            "actor 市局's unit 'A' is not one of the facts' units",
        ),
    ],
)
def test_an_actor_s_unit_must_be_among_the_facts(
    tmp_path: Path, actor: str, fragment_zh: str, fragment_en: str
) -> None:
    """Found by the scenarios' review: an actor's unit was never checked, so a typo
    made every step of that actor refused, and a step expecting a refusal passed for
    the wrong reason. It is refused when the file is read, at the actor's line."""
    path = _write(tmp_path, f"facts:\n  actors:\n    {actor}\n" + ENROL)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:6"
    assert fragment_zh in err.value.message_zh
    assert fragment_en in err.value.message_en


@pytest.mark.parametrize(
    ("fact", "kind", "zh", "en"),
    [
        (
            "  - {id: A-9, school: AA, name: 九班, grade: 1, head_teacher: 王}\n",
            "classes",
            "classes 第1项 无法建立",
            "classes item 1 cannot be set up",
        ),
        (
            "  - {code: Q, name: 甲, authority: '340999', region: '340104', stages: [primary]}\n",
            "schools",
            "schools 第1项 无法建立",
            "schools item 1 cannot be set up",
        ),
        (
            "  - {code: '340199', name: 乙, level: county, region: '340104', parent: '3499'}\n",
            "units",
            "units 第1项 无法建立",
            "units item 1 cannot be set up",
        ),
    ],
)
def test_a_fact_the_registry_refuses_is_reported_at_its_line(
    tmp_path: Path, fact: str, kind: str, zh: str, en: str
) -> None:
    """Found by the scenarios' review: a unit, school or class fact the registry
    refused (a class of an unknown school) was reported against the scenario file
    with no line; it is reported at the fact's line, in the facts file it is in."""
    facts = tmp_path / "p.facts.yaml"
    lines = (SCENARIOS / "province.facts.yaml").read_text(encoding="utf-8").splitlines(True)
    at = next(i for i, ln in enumerate(lines) if ln.startswith(f"{kind}:"))
    lines.insert(at + 1, fact)  # the first of its kind, on the line after the key
    facts.write_text("".join(lines), encoding="utf-8")
    path = tmp_path / "t.scenario.yaml"
    path.write_text(
        "facts_file: p.facts.yaml\nsteps:\n  - do: check\n    expect: {log_verifies: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.run(scenarios.load(path))
    assert err.value.where == f"{facts}:{at + 2}"
    assert zh in err.value.message_zh
    assert en in err.value.message_en


@pytest.mark.parametrize(
    ("text", "line", "zh", "en"),
    [
        (  # a quote left open: the line it opened on, never a line past the end
            "steps:\n  - do: suspend\n    with: {reason: \"病休}\n  - do: check\n"
            "    on: 2026-09-02\n",
            3,
            ["文件末尾：文件意外结束", "；第3行开始的带引号文本未闭合"],
            ["YAML error at the end of the file: found unexpected end of stream",
             "(while scanning a quoted scalar that began on line 3)"],
        ),
        (  # a brace left open: the problem's line, and the line the mapping began on
            "steps:\n  - do: check\n    expect: {log_verifies: true\n  - do: check\n",
            4,
            ["第7列：找不到应有的 ',' 或 '}'", "；第3行开始的花括号 {…} 未闭合"],
            ["YAML error at line 4, column 7: expected ',' or '}', but got",
             "(while parsing a flow mapping that began on line 3)"],
        ),
        (
            "steps:\n  - do: check\n    expect: {detected: [late}\n",
            3,
            ["找不到应有的 ',' 或 ']'", "；第3行开始的方括号 […] 未闭合"],
            ["expected ',' or ']', but got '}'", "while parsing a flow sequence"],
        ),
    ],
)  # fmt: skip
def test_a_yaml_error_names_where_its_construct_began_in_both_languages(
    tmp_path: Path, text: str, line: int, zh: list[str], en: list[str]
) -> None:
    """Found by the scenarios' review: an unclosed quote was reported on a line past
    the end of the file, with no word of where it opened, and PyYAML's commonest
    messages ("found unexpected end of stream", "expected ',' or '}'") had no
    Chinese (见英文说明)."""
    path = tmp_path / "t.scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:{line}"
    assert line <= len(text.splitlines())
    for part in zh:
        assert part in err.value.message_zh
    for part in en:
        assert part in err.value.message_en
    assert "见英文说明" not in err.value.message_zh


@pytest.mark.parametrize("refused", ["[]", "null", ""])
def test_an_empty_refused_is_malformed(tmp_path: Path, refused: str) -> None:
    """Found by the scenarios' review: ``refused: []`` on an allowed step failed with
    "expected refused [], got []"; a refusal names at least one code."""
    body = ENROL.replace("expect: {allowed: true, student: {status: draft}}", "expect:")
    path = _write(tmp_path, body + f"      refused: {refused}\n")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:11"
    assert "refused 未列出规则代码" in err.value.message_zh
    assert "refused lists no rule code" in err.value.message_en
    assert "allowed: true" in err.value.message_en


def test_a_check_on_a_name_whose_step_was_refused_says_so(tmp_path: Path) -> None:
    """Found by the scenarios' review: a ``check`` or ``advance_clock`` step naming a
    student or request whose ``as:`` step was refused said only "expected a student,
    there is none"; it says why, as a command step does, and its other expectations
    are still checked."""
    body = textwrap.dedent("""\
        steps:
          - do: enroll
            by: 实验小学
            as: 小红
            with: {school: A, class_id: A-1, grade: 1, name: 小红, sex: F,
                   birth_date: 2022-05-01, hukou_region: "340104",
                   id_number: "340104202205010021", photo: 2026-09-01}
            expect: {refused: [enrolment.too_young]}
          - do: suspend
            by: 实验小学
            student: 小红
            as: 休学
            with: {reason: 病休}
          - do: check
            student: 小红
            expect: {student: {status: draft}, log_verifies: false}
          - do: advance_clock
            request: 休学
            expect: {request: {state: at_authority}}
        """)
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    enrol, suspend, check, sweep = result.steps
    assert enrol.ok, enrol.problems
    assert not suspend.ok
    assert check.problems == (
        "预期 log_verifies: false，实际为 true (expected log_verifies: false, got true)",
        "没有名为 小红 的学生：命名它的步骤没有成功 "
        "(no student named '小红': the step that names it with 'as' did not give one)",
    )
    assert sweep.problems == (
        "没有名为 休学 的申请：命名它的步骤没有成功 "
        "(no request named '休学': the step that names it with 'as' did not give one)",
    )


def test_art30_the_pytest_plugin_masks_the_title_and_the_messages(
    pytester: pytest.Pytester,
) -> None:
    """Found by the scenarios' review: the plugin printed a failing scenario's title as
    written, an identity number in it whole (the CLI masked it; the docs promise the
    plugin's message masked too)."""
    facts = (SCENARIOS / "province.facts.yaml").as_posix()
    number = "340104201903010112"
    head = HEAD.format(facts=facts).replace("title: t", f"title: 小明 {number} 的入学")
    wrong = head + ENROL.replace("status: draft", "status: registered")
    bad = head + f"steps:\n  - do: submit\n    by: '{number}'\n    student: 小明\n"
    pytester.makefile(".scenario.yaml", wrong=wrong, bad=bad)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "小明 340104********0112 的入学" in out
    assert "unknown actor '340104********0112'" in out
    assert number not in out


def test_the_analysts_page_s_scenario_commands_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the scenarios' review: docs/getting-started-analysts.md ran
    ``my-case.scenario.yaml``, a file its steps never made (a copy made outside
    ``scenarios/`` does not find ``facts_file: province.facts.yaml``), and
    ``.venv/bin/pytest``, which ``make demo`` does not install. Each command of its
    Scenarios section runs here as written, from a copy of the repository's
    ``scenarios/``."""
    import shutil

    page = (ROOT / "docs" / "getting-started-analysts.md").read_text(encoding="utf-8")
    section = page.split("## Scenarios", 1)[1]
    blocks = [b.split("```", 1)[0] for b in section.split("```text\n")[1:]]
    shutil.copytree(SCENARIOS, tmp_path / "scenarios")
    before = sorted(p.name for p in (tmp_path / "scenarios").iterdir())
    monkeypatch.chdir(tmp_path)
    ran = []
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for line in "".join(blocks).splitlines():
        command = line.split("#", 1)[0].removeprefix("$ ").split()
        if command[0] == "mkdir":
            Path(command[1]).mkdir()
        elif command[0] == "cp":
            shutil.copy(command[1], command[2])
        elif command[0] == ".venv/bin/xueji":
            assert cli.main(command[1:]) == cli.EXIT_OK, capsys.readouterr().out
        elif command[0] == "make":  # the development tools alone, not the whole suite
            assert command[1:] == [".venv/.dev"]
            assert "$(VENV)/.dev:" in makefile
        else:
            assert command[0] == ".venv/bin/pytest"
            for target in command[1:]:
                assert Path(target).exists() or (ROOT / target).exists(), target
        ran.append(command[0])
    # the analyst's own case lives in a folder of its own, not in scenarios/ (whose
    # every file the traceability matrix reads: found by the analysts' review)
    assert sorted(p.name for p in (tmp_path / "scenarios").iterdir()) == before
    mine = [c for c in ran if c == ".venv/bin/xueji"]
    assert len(mine) >= 2
    assert ".venv/bin/pytest" in ran
    assert "make" in ran


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("start: 20260901\n" + ENROL, 3, "start is not a date YYYY-MM-DD: 20260901"),
        (ENROL.replace("    by: 实验小学\n", "    on: 2026-W37-1\n    by: 实验小学\n", 1), 5,
         "on is not a date YYYY-MM-DD: '2026-W37-1'"),
        (ENROL.replace("    by: 实验小学\n", "    on: 20260902\n    by: 实验小学\n", 1), 5,
         "on is not a date YYYY-MM-DD: 20260902"),
    ],
)  # fmt: skip
def test_dates_are_written_yyyy_mm_dd(tmp_path: Path, body: str, line: int, fragment: str) -> None:
    """Found by the scenarios' review: ``start:`` and ``on:`` took ``20260901`` and
    ``2026-W37-1`` (Python reads ISO's other forms), where the docs say YYYY-MM-DD."""
    path = tmp_path / "t.scenario.yaml"
    path.write_text(
        HEAD.replace("start: 2026-09-01\n", "").format(
            facts=(SCENARIOS / "province.facts.yaml").as_posix()
        )
        + body,
        encoding="utf-8",
    )
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:{line}"
    assert fragment in err.value.message_en


@pytest.mark.parametrize(
    ("articles", "shown"),
    [("[99, -1, true]", "99"), ("[12, -1]", "-1"), ("[true]", "true"), ("[0]", "0"),
     ("['12']", "'12'"), ("12", "12")],
)  # fmt: skip
def test_articles_are_articles_of_the_measures(tmp_path: Path, articles: str, shown: str) -> None:
    """Found by the scenarios' review: ``articles: [99, -1, true]`` was accepted (a
    boolean is a number to Python; the Anhui measures have 33 articles)."""
    path = _write(tmp_path, f"articles: {articles}\n" + ENROL)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:4"
    assert f"not {shown}" in err.value.message_en
    assert "1 to 33" in err.value.message_en
    assert scenarios.load(_write(tmp_path, "articles: [12, 33]\n" + ENROL)).articles == (12, 33)


def test_the_actions_table_says_an_initial_grade_needs_a_photo() -> None:
    """Found by the documentation review: the table showed ``photo`` optional for
    ``enroll``, but an enrolment in an initial grade (1, 7, 10 under anhui-2013,
    Art 12) without one is refused ``enrolment.photo_missing``."""
    (row,) = [r for r in scenarios.actions_markdown().splitlines() if r.startswith("| `enroll`")]
    assert "`photo`: date (the photo's; needed in an initial grade" in row
    assert "enrolment.photo_missing" in row


CITES = """\
facts:
  students:
    - {as: 小明, school: A, class_id: A-1, grade: 1, name: 小明, sex: M,
       birth_date: 2019-03-01, hukou_region: "340104", id_number: "340104201903010112"}
steps:
  - do: request_transfer
    on: 2026-11-16
    by: 镜湖小学
    student: 小明
    with: {to_school: W, to_class: W-1, reason: job_move, stated_reason: 父母调往芜湖工作}
    expect: {allowed: true, warnings: [transfer.mid_term], cites: {CITES}}
"""


@pytest.mark.parametrize(
    "cites",
    [
        "{transfer.mid_term: 皖教基〔2013〕20号 第二十五条第二款}",  # as the decision shows it
        "{transfer.mid_term: 第二十五条第二款}",  # a part of it
        "{transfer.mid_term: 皖教基〔2013〕20号第二十五条第二款}",  # spaces aside
        "{transfer.mid_term: '皖教基〔2013〕20号 Art 25(2)'}",  # the English form, whole
    ],
)
def test_a_step_checks_the_article_a_warning_cites(tmp_path: Path, cites: str) -> None:
    """A province could not test that its decisions cite its own articles: no
    expectation read the article. ``cites:`` maps a rule code to the citation."""
    result = scenarios.run(scenarios.load(_write(tmp_path, CITES.replace("{CITES}", cites))))
    assert result.ok, result.report()


def test_a_wrong_citation_fails_saying_what_was_cited(tmp_path: Path) -> None:
    body = CITES.replace("{CITES}", "{transfer.mid_term: 第二十一条}")
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    (failure,) = result.failures
    assert failure.problems == (
        "预期 transfer.mid_term 引用 第二十一条，实际引用 皖教基〔2013〕20号 第二十五条第二款 "
        "(expected transfer.mid_term to cite 第二十一条, it cites 皖教基〔2013〕20号 "
        "第二十五条第二款 (皖教基〔2013〕20号 Art 25(2)))",
    )
    assert "transfer.mid_term" in failure.explanation  # the decision's explanation follows
    assert failure.actual["cites"] == {"transfer.mid_term": ["皖教基〔2013〕20号 第二十五条第二款"]}
    # "Art 2" is no part of "Art 25(2)": the English form is matched whole
    body = CITES.replace("{CITES}", "{transfer.mid_term: '皖教基〔2013〕20号 Art 2'}")
    assert not scenarios.run(scenarios.load(_write(tmp_path, body))).ok


def test_a_citation_of_a_rule_the_step_did_not_give_fails(tmp_path: Path) -> None:
    body = CITES.replace("{CITES}", "{transfer.blackout: 第二十五条}")
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    (failure,) = result.failures
    assert failure.problems == (
        "预期 transfer.blackout 引用 第二十五条，但这一步没有 transfer.blackout"
        "（其拒绝与提醒：transfer.mid_term） (expected transfer.blackout to cite 第二十五条, "
        "but the step gave no transfer.blackout (its refusals and warnings: transfer.mid_term))",
    )


@pytest.mark.parametrize(
    ("cites", "fragment"),
    [
        (
            "{transfer.mid_trem: 第二十五条}",
            "unknown cites code 'transfer.mid_trem'; the closest are transfer.mid_term",
        ),
        ("[transfer.mid_term]", "cites is a mapping of rule codes to the article each cites"),
        ("{}", "cites is a mapping of rule codes to the article each cites"),
        ("{transfer.mid_term: ''}", "cites.transfer.mid_term is the text of a citation"),
        ("{transfer.mid_term: 25}", "cites.transfer.mid_term is the text of a citation"),
    ],
)
def test_a_malformed_cites_names_the_closest_code(
    tmp_path: Path, cites: str, fragment: str
) -> None:
    path = _write(tmp_path, CITES.replace("{CITES}", cites))
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:14"
    assert fragment in str(err.value)


def test_a_check_step_cannot_expect_cites(tmp_path: Path) -> None:
    path = _write(tmp_path, "steps:\n  - do: check\n    expect: {cites: {transfer.mid_term: x}}\n")
    with pytest.raises(scenarios.ScenarioError, match="a check step cannot expect 'cites'"):
        scenarios.load(path)


TRANSFER = """\
facts:
  students:
    - {as: 小明, school: A, class_id: A-1, grade: 1, name: 小明, sex: M,
       birth_date: 2019-03-01, hukou_region: "340104", id_number: "340104201903010112"}
steps:
  - do: request_transfer
    on: 2026-11-16
    by: 镜湖小学
    student: 小明
    with: {to_school: W, to_class: W-1, reason: job_move, stated_reason: 父母调往芜湖工作}
    expect:
      EXPECT
"""


@pytest.mark.parametrize(
    ("expect", "zh", "en"),
    [
        ("request: {deadline: 2026/12/14}", "request.deadline 应为日期 YYYY-MM-DD",
         "request.deadline is a date YYYY-MM-DD, not '2026/12/14'"),
        ("request: {deadline: 2026-11-31}", "request.deadline 不是有效日期",
         "request.deadline is not a date: '2026-11-31'"),
        ("request: {deadline: 12月14日}", "request.deadline 应为日期 YYYY-MM-DD",
         "request.deadline is a date YYYY-MM-DD, not '12月14日'"),
        ("request: {deadline: 2026-12-14T00:00}", "request.deadline 应为日期 YYYY-MM-DD",
         "request.deadline is a date YYYY-MM-DD, not '2026-12-14T00:00'"),
        ("request: {is_open: yes}", "request.is_open 应为 true 或 false",
         "request.is_open is true or false, not 'yes'"),
        ("student: {grade: 三}", "student.grade 应为整数（阿拉伯数字）",
         "student.grade is a whole number (digits), not '三'"),
        ("student: {submitted: 是}", "student.submitted 应为 true 或 false",
         "student.submitted is true or false, not '是'"),
        ("student: {school: [A]}", "student.school 应为文本", "student.school is text, not"),
        ("request: {deadline: true}", "request.deadline 应为日期 YYYY-MM-DD",
         "request.deadline is a date YYYY-MM-DD, not true"),
    ],
)  # fmt: skip
def test_an_expected_field_of_the_wrong_kind_is_malformed(
    tmp_path: Path, expect: str, zh: str, en: str
) -> None:
    """Found by the analysts' review: ``deadline: 2026/12/14`` failed when run,
    "expected request.deadline = 2026/12/14, got 2026-12-14", and ``is_open: yes``
    "got true", where ``allowed: yes`` is refused when the file is read."""
    path = _write(tmp_path, TRANSFER.replace("EXPECT", expect))
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:15"
    assert zh in err.value.message_zh
    assert en in err.value.message_en


@pytest.mark.parametrize(
    "expect",
    [
        "request: {deadline: 2026-12-14, is_open: true, state: at_receiving_school}",
        "student: {grade: 1, school: A, class_id: A-1, submitted: true, regional_number: 3401042026100001}",
        "student: {grade: '1'}",
    ],
)
def test_an_expected_field_of_its_kind_is_read_and_holds(tmp_path: Path, expect: str) -> None:
    result = scenarios.run(scenarios.load(_write(tmp_path, TRANSFER.replace("EXPECT", expect))))
    assert result.ok, result.report()


def test_an_unknown_error_code_is_malformed_with_the_closest(tmp_path: Path) -> None:
    """Found by the analysts' review: ``error: access.deny`` failed only when run."""
    path = _write(tmp_path, TRANSFER.replace("EXPECT", "error: access.deny"))
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:15"
    assert "未知的错误代码 access.deny；相近的有 access.denied" in err.value.message_zh
    assert "unknown error code 'access.deny'; the closest are access.denied" in str(err.value)
    assert "docs/reference.md#error-codes" in str(err.value)


def test_every_error_code_the_library_raises_is_listed() -> None:
    """``xueji.errors.ERROR_CODES`` (what a scenario's ``error:`` is checked against)
    names every error code written in the library's source, and only those."""
    import re

    from xueji.errors import ERROR_CODES
    from xueji.rules import RULE_CODES

    families = {c.split(".")[0] for c in ERROR_CODES} - {"school", "xueji"}  # (modules)
    written: set[str] = set()
    for source in (ROOT / "src" / "xueji").rglob("*.py"):
        for code in re.findall(r"[\"']([a-z_]+\.[a-z_]+)[\"']", source.read_text("utf-8")):
            if code.split(".")[0] in families and code not in RULE_CODES:
                written.add(code)
    # built (f"not_found.{what}"), of a family of rule codes, the base class's
    written |= {"not_found.student", "not_found.request", "school.region_retired", "xueji.error"}
    written -= {"access.province", "access.student", "command.enroll"}  # citation keys
    assert written - ERROR_CODES == set()
    assert ERROR_CODES - written == set()


def test_an_unknown_detected_kind_points_where_the_kinds_are_listed(tmp_path: Path) -> None:
    path = _write(tmp_path, "steps:\n  - do: check\n    expect: {detected: [overdue]}\n")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert "closest are overdue_approval" in str(err.value)
    assert "docs/audit.md" in err.value.message_zh
    assert "docs/audit.md" in err.value.message_en
    assert "reference.md" not in str(err.value)


@pytest.mark.parametrize(
    ("step", "line", "fragment"),
    [
        ("  - do: suspend\n    by: 镜湖小校\n    student: 小明\n    with: {reason: 病休}\n", 10,
         "unknown actor '镜湖小校' (did you mean 镜湖小学"),
        ("  - do: suspend\n    by: 实验小学\n    studnet: 小明\n    with: {reason: 病休}\n", 11,
         "unknown step key 'studnet' (did you mean student?)"),
    ],
)  # fmt: skip
def test_a_misspelt_actor_or_step_key_names_the_closest(
    tmp_path: Path, step: str, line: int, fragment: str
) -> None:
    body = TRANSFER.split("steps:\n")[0] + "steps:\n" + step
    path = _write(tmp_path, body)
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert err.value.where == f"{path}:{line}"
    assert fragment in err.value.message_en
    assert "是否应为" in err.value.message_zh


SHOWN = """\
facts:
  students:
    - {as: 小明, school: A, class_id: A-1, grade: 1, name: 小明, sex: M,
       birth_date: 2019-03-01, hukou_region: "340104", id_number: "340104201903010112"}
steps:
  - do: request_transfer
    on: 2026-09-25
    by: 第二小学
    student: 小明
    with: {to_school: B, to_class: B-1, reason: other, stated_reason: 想去更好的学校}
    expect: {refused: [transfer.same_city_choice]}
  - do: request_transfer
    by: 镜湖小学
    student: 小明
    as: 转学
    with: {to_school: W, to_class: W-1, reason: job_move}
    expect: {allowed: true}
  - do: advance_clock
    on: 2026-10-30
    request: 转学
"""


def test_cli_show_prints_what_each_passing_step_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the analysts' review: ``xueji scenario run`` showed nothing of a step
    that passed (the codes' articles, the request's deadline), only ✓."""
    path = _write(tmp_path, SHOWN)
    assert cli.main(["scenario", "run", "--show", str(path)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "  step 1 (request_transfer by 第二小学, 2026-09-25): 拒绝 refused" in out
    assert "    拒绝 refused transfer.same_city_choice [皖教基〔2013〕20号 第二十五条]" in out
    assert "  step 2 (request_transfer by 镜湖小学, 2026-09-25): 允许 allowed" in out
    assert "    学生 student 小明: registered, 1年级 grade 1, A-1" in out
    assert "    申请 request 转学: transfer at_receiving_school, 截止 deadline 2026-10-29" in out
    assert "  step 3 (advance_clock, 2026-10-30): 推进 advanced 1" in out
    assert "    申请 request 转学: transfer at_receiving_authority, 截止 deadline 2026-1" in out
    assert "    推进 advanced 转学: transfer at_receiving_authority" in out
    assert cli.main(["--json", "scenario", "run", str(path)]) == cli.EXIT_OK
    (data,) = json.loads(capsys.readouterr().out)
    first, second, third = data["results"]
    assert first["ok"] is True
    assert first["shown"]["refused"] == [
        {"code": "transfer.same_city_choice", "article": "皖教基〔2013〕20号 第二十五条"}
    ]
    assert second["shown"]["request"]["deadline"] == "2026-10-29"
    assert second["shown"]["student"] == {
        "name": "小明", "status": "registered", "grade": 1, "class_id": "A-1"
    }  # fmt: skip
    assert third["shown"]["advanced"] == [
        {"name": "转学", "kind": "transfer", "state": "at_receiving_authority",
         "deadline": third["shown"]["request"]["deadline"]}
    ]  # fmt: skip
    assert cli.main(["scenario", "run", str(path)]) == cli.EXIT_OK
    assert "step 1" not in capsys.readouterr().out  # (without --show: one line a file)


def test_cli_show_prints_no_deadline_for_a_closed_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the leftovers review: ``--show`` printed a closed request's deadline as
    stored (``withdrawn, 截止 deadline 2026-...``), as if it still ran. A deadline is
    printed for an open request only; the JSON keeps the stored value."""
    body = SHOWN + "  - do: withdraw\n    by: 镜湖小学\n    request: 转学\n"
    path = _write(tmp_path, body)
    assert cli.main(["scenario", "run", "--show", str(path)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "    申请 request 转学: transfer at_receiving_school, 截止 deadline 2026-10-29" in out
    assert "    申请 request 转学: transfer withdrawn\n" in out
    assert "withdrawn, 截止" not in out
    assert cli.main(["--json", "scenario", "run", str(path)]) == cli.EXIT_OK
    (data,) = json.loads(capsys.readouterr().out)
    assert data["results"][-1]["shown"]["request"]["state"] == "withdrawn"


def test_a_transfer_reason_may_be_written_by_its_chinese_name(tmp_path: Path) -> None:
    """Found by the analysts' review: ``reason: 随迁`` was refused listing
    ``job_move, hukou_change, ...`` with no Chinese; the four reasons of Art 20 are
    also taken by their Chinese names, and listed with them."""
    body = TRANSFER.replace("reason: job_move", "reason: 工作调动").replace(
        "EXPECT", "allowed: true"
    )
    scenario = scenarios.load(_write(tmp_path, body))
    assert scenario.steps[0].args["reason"] == "job_move"
    assert scenarios.run(scenario).ok
    path = _write(tmp_path, body.replace("工作调动", "随迁"))
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path)
    assert "应为：job_move（工作调动）、hukou_change（户籍变动）" in err.value.message_zh
