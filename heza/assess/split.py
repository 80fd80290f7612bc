"""Which rows go out and which are held back: the split every later step (completeness, the
ledger, claims, publishing) reads."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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
    joined = reasons.groupby("row_id").agg(
        rules=("rule", lambda s: "; ".join(dict.fromkeys(s))),
        columns=("column", lambda s: "; ".join(dict.fromkeys(s.dropna()))),
        messages_vi=("message_vi", lambda s: " | ".join(dict.fromkeys(s))),
        messages_en=("message_en", lambda s: " | ".join(dict.fromkeys(s))),
    )
    quarantined = submitted[submitted["row_id"].isin(bad)]
    quarantined = quarantined.assign(**{c: display_column(quarantined[c]) for c in quarantined.columns
                                        if c not in {"source_file", "source_sheet", "source_row", "row_id"}})
    quarantined = quarantined.join(joined, on="row_id")
    quarantined = quarantined.sort_values(["source_file", "source_sheet", "source_row"], kind="stable")
    order = [*PUBLISHED_COLUMNS.get(table, [c for c in submitted.columns if c != "row_id"]),
             "rules", "columns", "messages_vi", "messages_en"]
    quarantined = quarantined[order].reset_index(drop=True)
    return Split(table, published, quarantined, rows_read=len(typed))
