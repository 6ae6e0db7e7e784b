"""The layout enforces itself: the import-linter layers contract (run by
``.ci/test`` and here), pure ``rules.py`` modules, no prefixed files in programs/.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("trainingweek", "programs", "scoring", "stipends")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` over the project found in ``tree`` (its pyproject.toml, its packages)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree), "NO_COLOR": "1", "TERM": "dumb"},
    )


def copy_of_the_tree(target: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns(
            "__pycache__", "locale", "migrations", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_real_tree_keeps_the_layers_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    assert lint_imports(tree).returncode == 0  # the copy alone is as good as the real tree
    rules = tree / "programs" / "agreements" / "rules.py"
    rules.write_text(rules.read_text() + "\n\nfrom stipends.payouts.models import PayoutBatch  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "programs.agreements is not allowed to import stipends.payouts" in result.stdout
    assert "programs.agreements.rules -> stipends.payouts.models" in result.stdout


def test_an_upward_import_inside_a_function_breaks_it_too(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    services = tree / "scoring" / "services.py"
    services.write_text(services.read_text() + "\n\ndef _late():\n    from stipends.settlement import models  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "scoring is not allowed to import stipends.settlement" in result.stdout


# --------------------------------------------------------------------------- pure rules
RULES_FILES = sorted(p for name in PACKAGES for p in (ROOT / name).rglob("rules.py"))
# Modules a pure rule must not import: the ORM, settings, storage and I/O.
FORBIDDEN_MODULES = ("django.db", "django.conf", "django.core.files", "django.core.cache", "django.core.mail",
                     "os", "io", "pathlib", "shutil", "socket", "urllib", "requests", "openpyxl", "csv")
FORBIDDEN_SUFFIXES = (".models", ".selectors", ".services", ".tasks")
IO_METHODS = {"open", "read_text", "read_bytes", "write_text", "write_bytes"}


def impurities(source: str) -> list[str]:
    """What makes a ``rules.py`` impure: ``.objects``, forbidden imports, opening files."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            names = []
        for name in names:
            if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES) or name.endswith(
                    FORBIDDEN_SUFFIXES):
                found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append(f"line {node.lineno}: .objects")
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "open") or (
                    isinstance(func, ast.Attribute) and func.attr in IO_METHODS):
                found.append(f"line {node.lineno}: opens a file")
    return found


def test_the_project_has_a_rules_module_per_sub_domain():
    names = {str(p.relative_to(ROOT)) for p in RULES_FILES}
    assert names >= {"programs/agreements/rules.py", "programs/students/rules.py", "programs/rosters/rules.py",
                     "programs/attendance/rules.py", "scoring/rules.py", "stipends/payouts/rules.py",
                     "stipends/settlement/rules.py"}


@pytest.mark.parametrize("path", RULES_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_rules_are_pure(path):
    assert impurities(path.read_text()) == []


@pytest.mark.parametrize("source", [
    "from programs.students.models import Student\n",
    "def f():\n    return Student.objects.count()\n",
    "from django.db import transaction\n",
    "from django.db.models import Q\n",
    "from django.conf import settings\n",
    "import django.conf\n",
    "from stipends.payouts import selectors\n",
    "from stipends.payouts.selectors import tax_table\n",
    "def f(p):\n    with open(p) as fh:\n        return fh.read()\n",
    "def f(p):\n    return p.read_text()\n",
    "import os\n",
])
def test_the_purity_check_catches(source):
    assert impurities(source)


def test_the_purity_check_lets_plain_code_through():
    assert impurities("import re\nfrom decimal import Decimal\nfrom django.utils.translation import gettext as _\n"
                      "from trainingweek.money import money\nfrom stdnum import luhn\n"
                      "def f(x):\n    return re.sub('a', 'b', x)\n") == []


def test_programs_has_no_prefixed_modules():
    prefixed = [str(p.relative_to(ROOT)) for p in (ROOT / "programs").rglob("*.py")
                if p.name.startswith(("services_", "forms_", "demo_", "views_", "models_"))]
    assert prefixed == []


def test_programs_and_stipends_hold_no_code_of_their_own():
    """``programs`` is only the URL aggregator; ``stipends`` nothing at all."""
    assert sorted(p.name for p in (ROOT / "programs").glob("*.py")) == ["__init__.py", "urls.py"]
    assert sorted(p.name for p in (ROOT / "stipends").glob("*.py")) == ["__init__.py"]
