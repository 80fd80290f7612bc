"""Run the pandera schemas in one lazy pass and turn their failure cases into findings.

The schema is the single source of truth for each rule; this module only translates pandera's
failure-case table into the finding model (rule code, severity, where, value, messages).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from heza.assess.blame import with_blame
from heza.findings import FINDING_COLUMNS, display_value, empty_findings, findings_frame
from schemas import RULES
from schemas.tables import TABLES

class SchemaBugError(RuntimeError):
    """Raised when pandera reports a failure that typed input cannot cause (a pipeline bug)."""


def failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Every failure case of one lazy validation (empty when the frame passes)."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "failure_case", "index"])


def _rule_code(check: str, table: str) -> str:
    """The catalogue code of a pandera check; 'CODE:column' names a check per column."""
    if check == "not_nullable" and table in TABLES and TABLES[table].required_rule:
        return TABLES[table].required_rule
    code = check.split(":")[0]
    if code in RULES:
        return code
    raise SchemaBugError(f"pandera reported '{check}' on {table}: typed input should never fail it")


def _joined_values(frame: pd.DataFrame, index, columns) -> pd.Series:
    """'workers_female=5; workers_male=5; workers_total=11' for each failing row, vectorised."""
    rows = frame.loc[index, list(columns)]
    text = None
    for column in columns:
        part = column + "=" + rows[column].astype("string").fillna("∅")
        text = part if text is None else text + "; " + part
    return text


def findings_from_cases(cases: pd.DataFrame, frame: pd.DataFrame, table: str,
                        letters: dict | None = None) -> pd.DataFrame:
    """Failure cases -> findings: one per (row, rule) for cross-column rules, per cell otherwise."""
    if cases.empty:
        return empty_findings()
    broken = cases[cases["index"].isna()]
    if len(broken):  # a check that raised, or a column the typed frame lacks: never a data finding
        raise SchemaBugError(f"{table}: {broken[['column', 'check', 'failure_case']].to_dict('records')}")
    cases = cases.copy()
    cases["rule"] = [_rule_code(check, table) for check in cases["check"]]
    named = cases["check"].str.contains(":", regex=False)
    cases.loc[named, "column"] = cases.loc[named, "check"].str.split(":").str[1]
    cases["index"] = cases["index"].astype("int64")
    parts = []
    for code, group in cases.groupby("rule", sort=True):
        entry = RULES[code]
        if len(entry.columns) > 1:
            group = group.drop_duplicates("index")
            column = ",".join(entry.columns)
            value = _joined_values(frame, group["index"], entry.columns).to_numpy()
        elif len(entry.columns) == 1:  # the rule names the column staff see (tax_code, not a helper)
            group = group.drop_duplicates("index")
            column = entry.columns[0]
            value = frame.loc[group["index"], column].map(display_value).to_numpy()
        else:
            group = group.drop_duplicates(["index", "column", "check"])
            column = group["column"].to_numpy()
            value = group["failure_case"].map(display_value).to_numpy()
        rows = frame.loc[group["index"]]
        part = pd.DataFrame({
            "table": table, "rule": code, "severity": entry.severity,
            "source_file": rows["source_file"].to_numpy(), "source_sheet": rows["source_sheet"].to_numpy(),
            "source_row": rows["source_row"].to_numpy(), "column": column, "value": value,
            "message_vi": entry.message_vi, "message_en": entry.message_en,
            "row_id": group["index"].to_numpy(),
        })
        parts.append(part)
    findings = findings_frame(parts)
    return with_cells(findings, letters or {})


def with_cells(findings: pd.DataFrame, letters: dict) -> pd.DataFrame:
    """Excel addresses (F12) for findings on one known column: the blamed cell where the
    localiser names one, else the finding's first column."""
    if findings.empty or not letters:
        return findings
    blamed = findings["blamed"].where(findings["cell_grade"].isin(["certain", "explained"])
                                      & ~findings["blamed"].fillna("").str.contains(",|\\|"))
    keys = zip(findings["source_file"], findings["source_sheet"],
               blamed.fillna(findings["column"].fillna("").str.split(",").str[0]))
    letter = pd.Series([letters.get(key) for key in keys], index=findings.index, dtype="string")
    findings["cell"] = findings["cell"].fillna(letter + findings["source_row"].astype("string"))
    return findings


def validate_table(table: str, frame: pd.DataFrame, zone_codes, letters: dict | None = None) -> pd.DataFrame:
    """All findings of one canonical table against its pandera model, in one lazy pass, each
    finding of a linear rule with the cell the localiser blames, its grades and suggested value."""
    if frame.empty:
        return empty_findings()
    indexed = frame.set_index("row_id", drop=False)
    indexed.index.name = None
    cases = failure_cases(TABLES[table].schema(zone_codes), indexed)
    findings = with_blame(findings_from_cases(cases, indexed, table), indexed, table)
    return with_cells(findings, letters or {})[FINDING_COLUMNS]
