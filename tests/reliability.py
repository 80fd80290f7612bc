"""Regenerate the README's "Reliability" table from a run of the corpus and fault tests.

    python -m tests.reliability      (or: make reliability)

Runs pytest on the bad-input corpus, the row-accounting, value, resource, fault, operator, e-mail,
publishing and scale-out tests with a JUnit report, then writes one line per case (what was
tried, whether what it asserts held) between the README's markers.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = {
    "tests/test_hostile.py": "input",
    "tests/test_ledger.py": "every row",
    "tests/test_values.py": "values",
    "tests/test_bounded.py": "resources",
    "tests/test_faults.py": "fault",
    "tests/test_operator_errors.py": "operator",
    "tests/test_notify.py": "e-mail",
    "tests/test_publish.py": "publishing",
    "tests/test_scale.py": "scale-out",
}
START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"


def _words(name: str) -> str:
    name = re.sub(r"^test_", "", name)
    case = re.search(r"\[(.*)\]$", name)
    base = re.sub(r"\[.*\]$", "", name).replace("corpus_case_gives_its_stated_outcome", "corpus case")
    if not case:
        return base.replace("_", " ")
    where = case.group(1)  # a function's dotted path stays as written; other cases read as words
    return f"{base.replace('_', ' ')}: {where if '.' in where else where.replace('_', ' ')}"


def run() -> list:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "junit.xml"
        # one process (-n 0): the report lists the cases in file order, so the README's table only
        # changes when a case does
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                        f"--junitxml={report}", *SUITES], cwd=ROOT, check=False)
        rows = []
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            suite = next((kind for path, kind in SUITES.items()
                          if case.get("classname", "").endswith(Path(path).stem)), "other")
            failed = case.find("failure") is not None or case.find("error") is not None
            rows.append((suite, _words(case.get("name")), "no" if failed else "yes"))
    return rows


def write_table(rows: list) -> None:
    held = sum(r[2] == "yes" for r in rows)
    table = [START, f"{held} of {len(rows)} cases held (regenerate with `make reliability`).", "",
             "| kind | what was tried | held |", "|---|---|---|"]
    table += [f"| {kind} | {what} | {ok} |" for kind, what, ok in rows]
    table.append(END)
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    # a function as the replacement: test ids may hold backslashes, which re would read as escapes
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: "\n".join(table), text, flags=re.S)
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    results = run()
    write_table(results)
    sys.exit(0 if all(r[2] == "yes" for r in results) else 1)
