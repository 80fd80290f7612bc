"""Who each finding is about is looked up among the rows with findings only (at a million rows, the
whole columns as text were a million strings made for a few thousand findings): the same subjects as
a look-up of every finding's row by its row id."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from heza.assess.subjects import with_subjects


def _tables(rows: int, order: list) -> dict:
    ids = np.array(order[:rows], dtype="int64")
    enterprises = pd.DataFrame({"row_id": ids, "zone_code": [f"Z{i % 3}" if i % 4 else None for i in ids],
                                "enterprise_name": [f"Công ty {i}" for i in ids],
                                "tax_code": pd.Series([f"{i:010d}" for i in ids], dtype="string")})
    zones = pd.DataFrame({"row_id": np.arange(2, dtype="int64"), "zone_code": ["Z0", "Z1"]})
    return {"enterprises": SimpleNamespace(typed=enterprises), "zones": SimpleNamespace(typed=zones)}


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 30), st.data())
def test_each_finding_gets_the_subjects_of_its_own_row(rows, data):
    order = data.draw(st.permutations(range(rows)))
    tables = _tables(rows, order)
    picked = data.draw(st.lists(st.one_of(st.none(), st.integers(0, rows - 1)), max_size=15))
    findings = pd.DataFrame({"table": ["zones" if i == 0 and n % 2 else "enterprises" for n, i in enumerate(picked)],
                             "row_id": pd.array([None if i is None else (i % 2 if n % 2 and i == 0 else i)
                                                 for n, i in enumerate(picked)], dtype="Int64"),
                             "rule": "ENT_TAX_CODE_DUPLICATE", "source_file": "a.csv", "source_sheet": "a",
                             "source_row": 2})
    shown = with_subjects(findings, tables, {"Z0": "Khu 0"})
    for position, finding in findings.iterrows():
        typed = tables[finding["table"]].typed
        row = typed[typed["row_id"] == finding["row_id"]] if pd.notna(finding["row_id"]) else typed.iloc[:0]
        for target, source in (("zone", "zone_code"), ("enterprise_name", "enterprise_name"), ("tax_code", "tax_code")):
            expected = row[source].iloc[0] if len(row) and source in row and pd.notna(row[source].iloc[0]) else None
            got = shown.loc[position, target]
            assert (None if pd.isna(got) else got) == expected
