"""The rule summary over the months: `<processed>/rule_history.csv`, one line per published period and
rule, kept beside the releases. A published period's lines replace that period's earlier ones (a
re-run never duplicates), written aside and swapped in one step, under a lock of their own so that
runs of two periods at once never lose each other's lines. Last month's counts come from here, or
from last month's report.json when the history lacks them."""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from heza.assess.context import RunContext
from heza.assess.rule_summary import SUMMARY_COLUMNS, compare_with_previous, rule_counts
from heza.config import previous_period
from heza.release.folders import LOCKS

HISTORY = "rule_history.csv"
HISTORY_COLUMNS = ["period", *SUMMARY_COLUMNS, "run_id"]
MONTHS_SHOWN = 12  # months of history report.json carries for the chart, this one included


def read_history(processed: Path) -> pd.DataFrame:
    """Every line kept so far (none when there is no history yet or it cannot be read)."""
    path = Path(processed) / HISTORY
    try:
        history = pd.read_csv(path, dtype={"period": "string", "rule": "string"}, encoding="utf-8")
    except (OSError, ValueError, pd.errors.ParserError):
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    return history.reindex(columns=HISTORY_COLUMNS)


def last_month(processed: Path, period: str, history: pd.DataFrame) -> pd.DataFrame | None:
    """Last month's lines: from the history, else from last month's live report.json; None if neither."""
    before = previous_period(period)
    lines = history[history["period"] == before]
    if len(lines):
        return lines
    try:
        report = json.loads((Path(processed) / before / "report.json").read_text(encoding="utf-8"))
        rules = report["rule_summary"]["rules"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pd.DataFrame(rules).reindex(columns=SUMMARY_COLUMNS) if rules else None


def rule_summary_section(assessment, ctx: RunContext) -> dict:
    """report.json's rule summary (every rule with its counts and last month's failures) and the
    history of failed units the chart draws (this month's counts in place of any kept for it)."""
    processed = ctx.settings.processed
    history = read_history(processed)
    previous = last_month(processed, ctx.period, history)
    summary = compare_with_previous(rule_counts(assessment, ctx), previous)
    earlier = history[history["period"] < ctx.period]
    kept = sorted(earlier["period"].unique())[-(MONTHS_SHOWN - 1):]
    months = pd.concat([earlier[earlier["period"].isin(kept)][["period", "rule", "unit", "applied", "failed"]],
                        summary.assign(period=ctx.period)[["period", "rule", "unit", "applied", "failed"]]])
    return {"rule_summary": {"previous_period": previous_period(ctx.period) if previous is not None else None,
                             "rules": _records(summary)},
            "rule_history": _records(months)}


def _records(frame: pd.DataFrame) -> list:
    frame = frame.astype(object)
    return frame.where(frame.notna(), None).to_dict(orient="records")


@contextmanager
def _history_lock(processed: Path):
    (Path(processed) / LOCKS).mkdir(parents=True, exist_ok=True)
    with open(Path(processed) / LOCKS / f"{HISTORY}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # held for one small file's rewrite: waiting is fine
        yield


def record_history(processed: Path, period: str, run_id: str, rules: list) -> Path:
    """Replace the period's lines of the history with this run's, atomically (write aside, then
    os.replace); returns the history's path."""
    path = Path(processed) / HISTORY
    with _history_lock(processed):
        history = read_history(processed)
        lines = pd.DataFrame(rules).reindex(columns=SUMMARY_COLUMNS).assign(period=period, run_id=run_id)
        kept = history[history["period"] != period]
        merged = pd.concat([kept, lines[HISTORY_COLUMNS]]) if len(kept) else lines[HISTORY_COLUMNS]
        merged = merged.sort_values(["period", "rule"], kind="stable")
        aside = path.with_name(f".{HISTORY}.{run_id}.tmp")
        merged.to_csv(aside, index=False, encoding="utf-8", lineterminator="\n")
        with open(aside, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(aside, path)
    return path
