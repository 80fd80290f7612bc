"""Who each finding is about, so that a person can act on it without opening the file: the zone,
the enterprise (name and tax code) of the row, and for a rule that two rows break together (a tax
code or a zone reported twice) where the other rows are. report.json and `heza validate` add these
to every finding; the report and the annotated workbooks say them in words."""

from __future__ import annotations

import pandas as pd

from schemas import DATA_TABLES

SUBJECT_COLUMNS = {"zone": "zone_code", "enterprise_name": "enterprise_name", "tax_code": "tax_code"}
PAIRED_RULES = {"ENT_TAX_CODE_DUPLICATE": "tax_code", "ZONE_DUPLICATE": "zone"}  # rule -> what the rows share


def with_subjects(findings: pd.DataFrame, tables: dict, zone_names: dict | None = None) -> pd.DataFrame:
    """Findings with zone (its registry name in zone_name), enterprise_name and tax_code of their row
    (empty where the finding is not about a data row) and also_at: the other rows of a duplicate,
    [{file, sheet, row}]."""
    findings = findings.copy()
    for target, source in SUBJECT_COLUMNS.items():
        values = pd.Series(pd.NA, index=findings.index, dtype="string")
        for name in DATA_TABLES:
            typed = tables[name].typed
            if source not in typed.columns:
                continue
            mine = (findings["table"] == name) & findings["row_id"].notna()
            ids = findings.loc[mine, "row_id"].astype("int64")
            # the rows with findings only: the whole column as text is a million strings made and dropped
            found = typed["row_id"].isin(ids).to_numpy()
            lookup = pd.Series(typed.loc[found, source].astype("string").to_numpy(),
                               index=typed.loc[found, "row_id"].to_numpy())
            values[mine] = ids.map(lookup).astype("string").to_numpy()
        findings[target] = values
    findings["zone_name"] = findings["zone"].map(zone_names or {}).astype("string")
    findings["also_at"] = _also_at(findings)
    return findings


def _also_at(findings: pd.DataFrame) -> pd.Series:
    """For each finding of a PAIRED_RULES rule, the other findings of that rule on the same key."""
    also = pd.Series([[] for _ in range(len(findings))], index=findings.index, dtype=object)
    for rule, key in PAIRED_RULES.items():
        mine = findings[(findings["rule"] == rule) & findings[key].notna()]
        for _, group in mine.groupby(key):
            places = [{"file": f, "sheet": s, "row": None if pd.isna(r) else int(r)}
                      for f, s, r in zip(group["source_file"], group["source_sheet"], group["source_row"])]
            for position, index in enumerate(group.index):
                also[index] = places[:position] + places[position + 1:]
    return also
