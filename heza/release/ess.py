"""report.ess.json: the run's validation results in the ESS validation-report structure (M. van der
Loo and O. ten Bosch, "Design of a generic machine-readable validation report structure", ESSnet
ValiDat Integration, 2017; schema 1.0.1, https://data-cleaning.github.io/ValidatReport), so that
any tool reading that standard can combine or aggregate our results with other reports.

One item per rule x unit would be tens of millions of items at a million rows. The report stays
bounded instead: one item (value "0") per finding, i.e. per failing unit; one item per rule (value
"1") for all the units it checked that passed, its target naming the unit kind and its description
the count; one item per rule (value "NA") for a rule that had nothing to check. Items are built a
chunk at a time with pandas and written with one JSON dump per chunk, never one per row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from heza.release.outputs import file_sha256
from schemas.catalogue import RULES

ESS_FILE = "report.ess.json"
ACTOR = "Ban Quản lý Khu kinh tế Hải Phòng (HEZA)"
CHUNK = 100_000
_SEVERITY = {"error": "error", "critical": "error", "warning": "warning", "info": "information"}
_TARGET_PARTS = ["table", "source_file", "source_sheet", "source_row", "column"]


def ess_rule(code: str) -> dict:
    """A catalogue rule as the ESS `rule` slot: its edits where it is linear, else its catalogue entry."""
    entry = RULES[code]
    linear = bool(entry.edits)
    return {"language": "heza-edits" if linear else "heza-rules-toml",
            "expression": " ; ".join(edit.text for edit in entry.edits) if linear else f"schemas/rules.toml#{code}",
            "severity": _SEVERITY[entry.severity],
            "description": f"{entry.message_vi} / {entry.message_en} (ESS validation level {entry.ess_level})"}


def failing_items(findings: pd.DataFrame, event: dict, period: str, run_id: str, start: int) -> pd.DataFrame:
    """One `validation` item per finding (value "0"), as a frame of JSON-ready columns."""
    parts = findings[_TARGET_PARTS].astype("string").fillna("")
    rules = {code: ess_rule(code) for code in findings["rule"].unique()}
    ids = pd.RangeIndex(start, start + len(findings)).astype("string")
    targets = parts.to_numpy(dtype=object).tolist()
    sources = parts[["source_file"]].assign(period=period)[["period", "source_file"]].to_numpy(dtype=object).tolist()
    return pd.DataFrame({
        "id": (run_id + "-" + pd.Series(ids, dtype="string")).to_numpy(), "type": "validation",
        "event": [event] * len(findings), "rule": findings["rule"].map(rules).to_numpy(),
        "data": [{"source": [s], "target": [t]} for s, t in zip(sources, targets)], "value": "0",
    })


def summary_items(rule_summary: list, event: dict, period: str, run_id: str, start: int) -> pd.DataFrame:
    """Per rule: one item (value "1") for every unit it checked that passed, one (value "NA") when
    the rule had nothing to check this month."""
    rows = pd.DataFrame(rule_summary)
    passed, idle = rows[rows["applied"] & (rows["passed"] > 0)], rows[~rows["applied"]]
    lines = pd.concat([passed.assign(value="1"), idle.assign(value="NA")], ignore_index=True)
    said = [f"mọi {unit} đã kiểm ({checked}) trừ {failed} mục có value 0: {ok} đạt / every {unit} checked "
            f"({checked}) except the {failed} with value 0: {ok} passed" if value == "1" else
            f"không có {unit} nào để kiểm tháng này / no {unit} to check this month"
            for unit, checked, failed, ok, value in zip(lines["unit"], lines["checked"], lines["failed"],
                                                       lines["passed"], lines["value"])]
    return pd.DataFrame({
        "id": [f"{run_id}-{start + i}" for i in range(len(lines))], "type": "validation",
        "event": [event] * len(lines), "rule": lines["rule"].map(ess_rule).to_numpy(),
        "data": [{"source": [[period]], "target": [[unit, "*"]], "description": text}
                 for unit, text in zip(lines["unit"], said)],
        "value": lines["value"].to_numpy(),
    })


def write_ess_report(path: Path, findings: pd.DataFrame, rule_summary: list, event: dict, period: str,
                     run_id: str) -> dict:
    """Stream report.ess.json (a JSON array) chunk by chunk; returns its manifest record."""
    path = Path(path)
    written = 0
    with path.open("w", encoding="utf-8") as stream:
        stream.write("[")
        for start in range(0, len(findings), CHUNK):
            chunk = failing_items(findings.iloc[start:start + CHUNK], event, period, run_id, start)
            written = _dump(stream, chunk, written)
        written = _dump(stream, summary_items(rule_summary, event, period, run_id, len(findings)), written)
        stream.write("\n]\n")
    return {"file": ESS_FILE, "rows": written, "sha256": file_sha256(path)}


def _dump(stream, items: pd.DataFrame, written: int) -> int:
    """One JSON dump of a chunk of items, joined to what is already in the array."""
    if items.empty:
        return written
    text = items.to_json(orient="records", force_ascii=False, lines=True)
    stream.write(("," if written else "") + "\n" + text.rstrip("\n").replace("\n", ",\n"))
    return written + len(items)


def ess_event(started: str, agent: str, run_id: str, period: str) -> dict:
    """Who validated, with what, when and why: the same for every item of a run."""
    return {"time": started, "actor": ACTOR, "agent": agent, "trigger": f"heza run --period {period} ({run_id})"}
