"""The pytest plugin: every ``*.scenario.yaml`` file is a test.

Registered through the ``pytest11`` entry point, so installing xueji is enough: put
scenario files anywhere pytest looks (``testpaths``) and run ``pytest``. A failing
step is shown as the analyst wrote it (file, line, the step, what was expected, what
came, and the rule's explanation), a malformed file as its file, line and problem;
neither as a Python traceback. Identity numbers are masked in either (Art 30), in the
scenario's title too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xueji.masking import mask_ids
from xueji.scenarios import SUFFIXES, ScenarioError, load, run

__all__ = ["ScenarioFailure", "ScenarioFile", "ScenarioItem", "pytest_collect_file"]


class ScenarioFailure(Exception):
    """A scenario that did not give what it states (the message is the report)."""


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    """Collect ``*.scenario.yaml`` files."""
    if file_path.name.endswith(SUFFIXES):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """One scenario file: one test."""

    def collect(self) -> Iterator[pytest.Item]:
        yield ScenarioItem.from_parent(self, name=self.path.name.split(".")[0])


class ScenarioItem(pytest.Item):
    """Load and run the scenario; fail with the scenario's own report."""

    def runtest(self) -> None:
        try:
            scenario = load(self.path)
            result = run(scenario)
        except ScenarioError as e:
            raise ScenarioFailure(mask_ids(str(e))) from None
        if not result.ok:  # identity numbers masked, the title's too (Art 30: it was
            # printed as written, found by the scenarios' review)
            raise ScenarioFailure(mask_ids(f"{scenario.title}\n{result.report()}"))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The report, not a traceback."""
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.path.name}"
