"""The source ledger: every row with content in every sheet the period's files hold, accounted for.

Rows are counted from the sheets themselves (any non-empty cell), apart from the logic that
classifies them, so that the run can check its own books: rows with content = published +
quarantined + release figures + non-data rows (titles, headers, subheadings, totals, notes,
hidden rows, sheets not read), each non-data row listed with its text and why.
"""

from __future__ import annotations

def source_ledger(files: list, splits: dict, claim_rows: int, corrections=None) -> dict:
    """Count and list the rows of every readable sheet, and check them against what was published:
    published rows as written + published rows corrected ([correct] apply) + quarantined + the rest;
    every corrected row published is one the corrections list, and each is counted once."""
    entries, sheets = [], []
    seen = data = 0
    for file in files:
        if file.error is not None:
            continue
        for table in file.tables:
            seen += table.rows_with_content
            data += len(table.cells)
            entries += [{"file": table.file, "sheet": table.sheet, **entry} for entry in table.non_data]
            sheets.append({"file": table.file, "sheet": table.sheet, "kind": table.kind,
                           "rows_with_content": table.rows_with_content, "data_rows": len(table.cells),
                           "non_data_rows": len(table.non_data)})
        for skipped in file.skipped:
            seen += skipped.rows
            if skipped.rows:
                entries.append({"file": skipped.file, "sheet": skipped.sheet, "row": None, "kind": "sheet_not_read",
                                "rows": skipped.rows, "text": "", "reason_vi": skipped.reason_vi,
                                "reason_en": skipped.reason_en})
    non_data = sum(entry.get("rows", 1) for entry in entries)
    published = sum(len(split.published) for split in splits.values())
    quarantined = sum(len(split.quarantined) for split in splits.values())
    corrected = sum(split.corrected for split in splits.values())
    listed = 0 if corrections is None else len(corrections[["table", "row_id"]].drop_duplicates())
    as_written = published - corrected
    return {
        "rows_with_content": seen, "data_rows": data, "non_data_rows": non_data,
        "published": published, "published_as_written": as_written, "corrected": corrected, "quarantined": quarantined, "release_figures": claim_rows,
        "balanced": seen == as_written + corrected + quarantined + claim_rows + non_data and seen == data + non_data
        and 0 <= corrected <= listed,
        "non_data": entries, "sheets": sheets,
    }


def imbalance_reason(ledger: dict) -> dict | None:
    """Why the books do not balance, in both languages, or None when they do."""
    if ledger["balanced"]:
        return None
    figures = (f"{ledger['rows_with_content']} ≠ {ledger['published']} + {ledger['quarantined']} + "
               f"{ledger['release_figures']} + {ledger['non_data_rows']}")
    return {"vi": f"Sổ dòng nguồn không cân: số dòng có nội dung ≠ công bố + giữ lại + số liệu công bố + "
                  f"dòng không phải dữ liệu ({figures})",
            "en": f"The source ledger does not balance: rows with content ≠ published + quarantined + release "
                  f"figures + non-data rows ({figures})"}
