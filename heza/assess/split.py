"""Which rows go out and which are held back: the split every later step (completeness, the
ledger, claims, publishing) reads."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from heza.assess.correct import CORRECTED_FIELDS
from heza.findings import display_column, row_errors
from schemas import PUBLISHED_COLUMNS


@dataclass
class Split:
    """One table's rows after the rules: what goes out, what is held back, and the counts."""

    table: str
    published: pd.DataFrame
    quarantined: pd.DataFrame
    rows_read: int

    @property
    def corrected(self) -> int:
        """Published rows with a value changed by [correct] apply (part of the published rows)."""
        return int(self.published[CORRECTED_FIELDS].notna().sum()) if CORRECTED_FIELDS in self.published else 0

    @property
    def counts(self) -> dict:
        """Rows read, published and held back; and, with [correct] apply on, published corrected."""
        corrected = {"rows_corrected": self.corrected} if CORRECTED_FIELDS in self.published else {}
        return {"rows_read": self.rows_read, "rows_published": len(self.published), **corrected,
                "rows_quarantined": len(self.quarantined)}

    @property
    def balanced(self) -> bool:
        return self.rows_read == len(self.published) + len(self.quarantined)


# quarantine's columns: each row's distinct rules, columns and messages, in the order found
_REASONS = {"rules": ("rule", "; "), "columns": ("column", "; "), "messages_vi": ("message_vi", " | "),
            "messages_en": ("message_en", " | ")}


def _distinct_joined(reasons: pd.DataFrame, column: str, separator: str) -> pd.Series:
    """Per row_id (sorted), the distinct values of `column` in order of appearance, joined; "" when
    it has none. One pass on Arrow for all rows: a million-row month holds back thousands."""
    rows = pd.Index(sorted(reasons["row_id"].unique()), name="row_id")
    distinct = reasons[["row_id", column]].dropna().drop_duplicates()
    table = pa.Table.from_pandas(distinct.astype({column: "string"}), preserve_index=False)
    grouped = table.group_by("row_id", use_threads=False).aggregate([(column, "list")])
    text = pc.binary_join(grouped[f"{column}_list"], pa.scalar(separator, pa.large_string())).to_pylist()
    return pd.Series(text, index=grouped["row_id"].to_numpy(), dtype=object).reindex(rows, fill_value="")


def split_rows(table: str, typed: pd.DataFrame, submitted: pd.DataFrame, findings: pd.DataFrame) -> Split:
    """Rows with an error-level finding go to quarantine (as submitted, with every rule and
    message that rejected them); the others are published in a stable order."""
    reasons = row_errors(findings[findings["table"] == table], typed)
    bad = set(reasons["row_id"])
    held = typed["row_id"].isin(bad)
    published = typed[~held].sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    corrected = [CORRECTED_FIELDS] if CORRECTED_FIELDS in typed else []  # with [correct] apply only
    published = published[PUBLISHED_COLUMNS[table] + corrected].reset_index(drop=True) if table in PUBLISHED_COLUMNS \
        else published.reset_index(drop=True)
    joined = pd.DataFrame({name: _distinct_joined(reasons, column, separator)
                           for name, (column, separator) in _REASONS.items()})
    quarantined = submitted[submitted["row_id"].isin(bad)]
    quarantined = quarantined.assign(**{c: display_column(quarantined[c]) for c in quarantined.columns
                                        if c not in {"source_file", "source_sheet", "source_row", "row_id"}})
    quarantined = quarantined.join(joined, on="row_id")
    quarantined = quarantined.sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    order = [*PUBLISHED_COLUMNS.get(table, [c for c in submitted.columns if c != "row_id"]),
             "rules", "columns", "messages_vi", "messages_en"]
    quarantined = quarantined[order].reset_index(drop=True)
    return Split(table, published, quarantined, rows_read=len(typed))
