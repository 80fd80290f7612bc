"""Our Hidiroglou-Berthelot edit against Statistics Canada's Banff `outlier` procedure (method
HISTORIC) on two published months, with the same U, A, C, per zone.

Banff 3.1.3 needs pandas < 3 and pyarrow < 19, which this project's pins exclude, so it runs in an
environment of its own (`make banff` builds .venv-banff) and writes its flags to JSON; this side
then computes ours on the same CSVs and lists every difference with its numbers:

    .venv-banff/bin/python benchmarks/banff_compare.py banff data/processed /tmp/banff.json
    .venv/bin/python -m benchmarks.banff_compare ours data/processed /tmp/banff.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

VARIABLES = ("workers_total", "capital_usd", "export_usd", "import_usd")
# Differences explained in the README (Banff bounds each side by its own quartile distance): `make
# banff` fails only on a difference nobody has explained.
EXPLAINED = {("0200020966", "import_usd")}
PERIODS = ("2024-01", "2024-02")
U, A, C, MIN_OBS = 0.5, 0.05, 7.0, 20


def _months(processed: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    read = [pd.read_csv(Path(processed) / period / "enterprises.csv", dtype={"tax_code": str, "zone_code": str})
            for period in PERIODS]
    return read[0], read[1]


def banff_flags(processed: Path) -> list:
    """(tax code, variable) of every value Banff's HB marks for imputation (outside C)."""
    import banff

    before, now = _months(processed)
    flags = []
    for variable in VARIABLES:
        result = banff.outlier(method="HISTORIC", unit_id="tax_code", by="zone_code", var=variable,
                               with_var=variable, indata=now[["tax_code", "zone_code", variable]],
                               indata_hist=before[["tax_code", "zone_code", variable]], mii=C, mdm=A,
                               exponent=U, min_obs=MIN_OBS, side="BOTH", trace=False)
        status = result.outstatus.to_pandas() if hasattr(result.outstatus, "to_pandas") else result.outstatus
        flags += [[code, variable] for code in status.loc[status["STATUS"] == "FTI", "tax_code"]]
    return sorted(flags)


def our_flags(processed: Path) -> tuple[list, pd.DataFrame]:
    """The same flags from heza.assess.plausibility.hb_edit, and every unit's numbers."""
    from heza.assess.plausibility import hb_edit

    before, now = _months(processed)
    rows, flags = [], []
    for variable in VARIABLES:
        paired = now.merge(before[["tax_code", variable]], on="tax_code", suffixes=("", "_before"))
        edit = hb_edit(paired[variable].astype(float), paired[f"{variable}_before"].astype(float),
                       paired["zone_code"], U, A, C, MIN_OBS)
        edit["tax_code"], edit["variable"] = paired.loc[edit.index, "tax_code"], variable
        rows.append(edit)
        flags += [[code, variable] for code in edit.loc[edit["outlier"], "tax_code"]]
    return sorted(flags), pd.concat(rows, ignore_index=True)


def main(argv: list) -> int:
    side, processed, out = argv[1], Path(argv[2]), Path(argv[3])
    if side == "banff":
        out.write_text(json.dumps(banff_flags(processed)), encoding="utf-8")
        return 0
    theirs = {tuple(f) for f in json.loads(out.read_text(encoding="utf-8"))}
    ours, numbers = our_flags(processed)
    ours = {tuple(f) for f in ours}
    print(f"Banff flags {len(theirs)}, ours {len(ours)}, both {len(theirs & ours)}")
    for label, codes in (("only Banff", theirs - ours), ("only ours", ours - theirs)):
        for code, variable in sorted(codes):
            unit = numbers[(numbers["tax_code"] == code) & (numbers["variable"] == variable)]
            print(label, code, variable, unit[["ratio", "effect", "lower", "upper"]].to_dict("records"))
    unexplained = (theirs ^ ours) - EXPLAINED
    print(f"unexplained differences: {len(unexplained)}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
