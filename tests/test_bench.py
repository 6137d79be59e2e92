"""The storage benchmark's own code, run at a small size: it writes rows straight into
the tables (its setup and its raw floors), so a schema change that it does not follow
(schema 6's request columns, say) breaks it, and only ``make bench`` would otherwise
find out, half an hour in. Its timings are not looked at (tests never assert on
time); what each step did is."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench_storage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(BENCH))
    import bench_storage

    yield bench_storage
    sys.modules.pop("bench_storage", None)


def test_the_storage_benchmark_runs_every_step_on_sqlite(
    bench_storage: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a province of 40 schools, 400 students, 200 open requests of which 2 overdue
    monkeypatch.setattr(bench_storage, "SCHOOLS", 40)
    monkeypatch.setattr(bench_storage, "BATCH", 100)
    monkeypatch.setattr(bench_storage, "OPEN_REQUESTS", 200)
    out = bench_storage.run_store("sqlite", f"sqlite:///{tmp_path / 'bench.sqlite3'}", 400)
    assert out["students"] == 400
    assert out["swept"] == out["sweep_found"] == 2  # the facade and the raw query agree
    # enrolments, the reviews and the requests' openings (setup), 2 approvals x 2
    # entries, rollover
    assert out["verified"] == 400 + 400 + 200 + 2 * 2 + 1
    assert out["detect_findings"] == 2  # each default approval is flagged (Art 32)
    # the report's columns are there; their values are times, not looked at (the
    # test review: a step measured as 0 s on a coarse clock is no failure)
    timed = {
        *(f"{k}_s" for k in ("enrol_facade", "rollover_facade", "sweep_facade", "sweep_idle")),
        *(f"{k}_floor_s" for k in ("enrol", "rollover", "sweep", "sweep_idle", "sweep_writes")),
        "stats_s",
        "stats_floor_s",
    }
    assert timed <= out.keys()
