"""The layout keeps its promises: checking never imports presenting, and modules stay readable."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from heza.config import PROJECT_ROOT

WORKBOOK = PROJECT_ROOT / "data" / "raw" / "2024-02" / "doanh_nghiep_NOMURA_2024-02.xlsx"
PASSING_WORKBOOK = PROJECT_ROOT / "data" / "raw" / "2024-01" / "doanh_nghiep_NOMURA_2024-01.xlsx"  # no finding on a row
# what `heza validate` never needs: the engine, the page, the charts, the workbook writers, publishing.
# (heza.present.words, the table of the words the command itself prints, imports nothing.)
PRESENTING = ("prefect", "jinja2", "matplotlib", "openpyxl", "heza.present.report", "heza.present.charts",
              "heza.present.annotate", "heza.present.xlsx_writer", "heza.present.notify", "heza.release", "flows")

_VALIDATE_AND_LIST_MODULES = """
import json, sys
{block}
from heza.cli import main
sys.argv = ["heza", "validate", {workbook!r}]
try:
    main()
except SystemExit:
    pass
print("MODULES " + json.dumps(sorted(sys.modules)))
"""
_BLOCK_DASK = """
class _NoDask:
    def find_spec(self, name, path=None, target=None):
        if name == "dask" or name.startswith("dask."):
            raise ImportError("blocked for this test")
sys.meta_path.insert(0, _NoDask())
"""


_BLOCK_COUNT_LOCALISED = """
import heza.assess.blame as _blame
_solved = []
_minimal_sets = _blame.minimal_sets
_blame.minimal_sets = lambda *args: _solved.append(1) or _minimal_sets(*args)
import atexit
atexit.register(lambda: print("LOCALISED", len(_solved)))
"""


def _validate_output(block: str = "", workbook=WORKBOOK) -> str:
    script = _VALIDATE_AND_LIST_MODULES.format(block=block, workbook=str(workbook))
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=120).stdout


def _modules_after_validate(block: str = "", workbook=WORKBOOK, output: str | None = None) -> set:
    output = _validate_output(block, workbook) if output is None else output
    line = next(line for line in output.splitlines() if line.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def _loaded(modules: set, roots) -> list:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in roots))


def test_heza_validate_never_imports_prefect_jinja2_matplotlib_or_the_workbook_writer():
    # pandera imports dask when it is installed (for its own dask types), and dask imports jinja2;
    # with dask out of the way, nothing of heza's own brings in any of them.
    assert _loaded(_modules_after_validate(_BLOCK_DASK), PRESENTING) == []


def test_heza_validate_never_imports_the_presentation_or_the_release_with_dask_installed():
    modules = _modules_after_validate()
    assert _loaded(modules, [p for p in PRESENTING if p != "jinja2"]) == []
    assert "heza.assess.core" in modules  # it did run the check


def test_heza_validate_never_imports_dask_though_it_is_installed():
    # pandera would import dask.dataframe (and jinja2 with it) for its own dask types when the first
    # model becomes a schema: about 2 s of every check; schemas/pandas_only.py keeps it to pandas'
    modules = _modules_after_validate()
    assert _loaded(modules, ("dask", "jinja2")) == [] and "heza.assess.core" in modules


def test_heza_validate_never_imports_scipy_even_to_localise_bad_rows():
    # scipy.optimize's import (~0,3 s) was a sixth of a check; the rule set's check and the error
    # localiser solve with highspy (heza/assess/highs.py)
    output = _validate_output(_BLOCK_COUNT_LOCALISED)
    solved = int(next(line for line in output.splitlines() if line.startswith("LOCALISED ")).split()[1])
    assert solved > 0  # WORKBOOK's bad rows did reach the localiser's programs
    assert _loaded(_modules_after_validate(output=output), ("scipy",)) == []


def test_disclosure_control_hides_cells_without_importing_scipy():
    # the hiding pattern was scipy.optimize.milp: 0,37 s of every `heza run`'s imports
    script = ("import sys, numpy as np\n"
              "from heza.release.suppression import protect\n"
              "values = np.array([[[3, 40, 43], [20, 9, 29], [23, 49, 72]]], dtype=float)\n"
              "result = protect(values, np.array([[[True, False, False], [False, False, False], [False] * 3]]), 0.1)\n"
              "print('HIDDEN', int(result.hidden.sum()), 'EXPOSED', int(result.exposed.sum()))\n"
              "print(sorted(name for name in sys.modules if name.split('.')[0] == 'scipy'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    hidden_line, modules = done.stdout.splitlines()
    assert hidden_line == "HIDDEN 4 EXPOSED 0"  # the sensitive cell, one partner in its row and column, and theirs
    assert modules == "[]"


def _imports(path) -> set:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


# A stage may use the stages before it, never one after it.
LATER = {"heza/ingest": ("heza.assess", "heza.release", "heza.present", "flows"),
         "heza/assess": ("heza.release", "heza.present", "flows"),
         "heza/release": ("heza.present", "flows"),
         "schemas": ("heza", "flows")}


@pytest.mark.parametrize("package", sorted(LATER))
def test_a_stage_never_imports_a_later_one(package):
    wrong = {str(path.relative_to(PROJECT_ROOT)): sorted(m for m in _imports(path) if m.startswith(LATER[package]))
             for path in (PROJECT_ROOT / package).rglob("*.py")}
    assert {path: modules for path, modules in wrong.items() if modules} == {}


def test_no_module_over_400_lines_and_no_function_over_60():
    too_long = []
    for path in [*(PROJECT_ROOT / "heza").rglob("*.py"), *(PROJECT_ROOT / "schemas").rglob("*.py"),
                 *(PROJECT_ROOT / "flows").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(PROJECT_ROOT))
        if len(text.splitlines()) > 400:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                too_long.append(f"{name}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert too_long == []
