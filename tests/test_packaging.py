"""The core installs what the core imports: `pip install xueji` (and `make demo`, which
installs `xueji[sql,excel]`) must not meet a missing module at run time."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "xueji"

# modules that belong to an extra, with the extra that installs what they import
EXTRA_MODULES = {
    "storage/sql.py": "sql",
    "excel.py": "excel",
    "statistics.py": "excel",
    "testing/contract.py": "dev",
    "testing/strategies.py": "dev",
    "testing/pytest_plugin.py": "dev",
    "testing/servers.py": "sql",
    "docgen.py": "docs",
}


def _requirement_names(reqs: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!\[;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}


def _optional(tree: ast.AST) -> set[ast.AST]:
    """Import statements inside ``try: ... except ImportError``: optional speed-ups."""
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
            for h in node.handlers
        ):
            for stmt in node.body:
                out.update(ast.walk(stmt))
    return out


def _third_party_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    optional = _optional(tree)
    names = set()
    for node in ast.walk(tree):
        if node in optional:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("xueji",)}


def test_the_core_declares_every_module_it_imports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = _requirement_names(project["dependencies"])
    extras = {k: _requirement_names(v) for k, v in project["optional-dependencies"].items()}
    dists = md.packages_distributions()
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        allowed = core | extras.get(EXTRA_MODULES.get(rel, ""), set())
        if EXTRA_MODULES.get(rel) == "dev":
            continue  # test-time helpers: the dev extra installs everything
        for module in _third_party_imports(path):
            wanted = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
            if not wanted & allowed:
                missing.append(f"{rel}: {module} ({', '.join(sorted(wanted))})")
    assert missing == []


_WITHOUT_SQLALCHEMY = """
import sys
sys.modules["sqlalchemy"] = None  # as if `pip install xueji` without the [sql] extra
"""


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "from xueji.storage.sql import SqlStore",
            "MissingExtra storage.missing True the SQL store needs SQLAlchemy, the sql "
            "extra: pip install -e '.[sql]' in a checkout of xueji",
        ),
        ("from xueji.cli import main; sys.exit(main(['demo']))", None),
    ],
)
def test_the_sql_store_without_its_extra_names_the_extra(script: str, expected: str | None) -> None:
    """Without SQLAlchemy, ``xueji demo`` (and ``import``, ``report``) printed a
    15-line ``ModuleNotFoundError`` traceback, and ``from xueji.storage.sql import
    SqlStore`` raised it bare; openpyxl's absence already said ``excel.missing`` and
    named its extra. Now ``storage.missing`` (a ``MissingExtra``, which is also an
    ``ImportError``) names ``xueji[sql]``, and the command line prints it on one line."""
    if expected is not None:
        script = (
            "try:\n    " + script + "\nexcept ImportError as e:\n"
            "    print(type(e).__name__, e.code, isinstance(e, ImportError), e.message_en)"
        )
    proc = subprocess.run(
        [sys.executable, "-c", _WITHOUT_SQLALCHEMY + script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if expected is not None:
        assert proc.stdout.strip() == expected, proc.stderr
        return
    assert proc.returncode == 2
    assert proc.stderr.startswith("xueji: [storage.missing] ")
    assert "pip install -e '.[sql]'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("missing", "script", "command"),
    [
        ("sqlalchemy", "import xueji.storage.sql", "pip install -e '.[sql]'"),
        ("openpyxl", "from xueji import excel; excel._openpyxl()", "pip install -e '.[excel]'"),
        (
            "psycopg",
            "from xueji.storage.sql import SqlStore; SqlStore.from_url('postgresql+psycopg://u@h/d')",
            "pip install -e '.[postgres]'",
        ),
    ],
)
def test_a_missing_extra_says_how_to_install_it_from_a_checkout(
    missing: str, script: str, command: str
) -> None:
    """xueji is on no package index (docs/getting-started-engineers.md), yet a missing
    extra said ``pip install 'xueji[sql]'``, which finds nothing. The message says how
    the README installs an extra: ``pip install -e '.[sql]'`` in a checkout."""
    code = (
        f"import sys\nsys.modules[{missing!r}] = None\n"
        f"try:\n    {script}\nexcept ImportError as e:\n"
        "    print(e.code, e.message_en)\n    print(e.message_zh)\n"
        "except Exception as e:\n    print(e.code, e.message_en)\n    print(e.message_zh)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    en, zh = proc.stdout.strip().splitlines()
    assert command in en, proc.stdout + proc.stderr
    assert command in zh
    assert "checkout" in en
    assert "源码" in zh
    assert "pip install 'xueji[" not in proc.stdout


def test_make_demo_installs_what_the_readmes_next_steps_need() -> None:
    """README: after ``make demo``, ``xueji init`` and then ``import units, schools, ...``
    (Excel workbooks). The demo's venv had no openpyxl: every import was
    ``excel.missing`` and docs/excel.md's example failed."""
    root = Path(__file__).resolve().parent.parent
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    core = re.search(r"^\$\(VENV\)/\.core:.*\n\t(.*)$", makefile, re.M)
    assert core is not None
    assert "'.[sql,excel]'" in core.group(1)
    assert "import units" in (root / "README.md").read_text(encoding="utf-8")


def test_every_public_name_of_the_package_and_its_methods_is_documented() -> None:
    """Found by the documentation review: ``Clock.today`` had no docstring (the
    reference a host reads with ``help()`` said nothing of its time zone). Every name
    ``xueji`` exports, and every public method of an exported class, says what it
    does."""
    import inspect

    import xueji

    missing = []
    for name in xueji.__all__:
        obj = getattr(xueji, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not obj.__doc__:
            missing.append(name)
        if not inspect.isclass(obj):
            continue
        for attr, member in vars(obj).items():
            fn = getattr(member, "__func__", member)  # (a classmethod's, a staticmethod's)
            if not attr.startswith("_") and inspect.isfunction(fn) and not fn.__doc__:
                missing.append(f"{name}.{attr}")
    assert missing == []
