"""The peer `make bench` runs beside `heza run`: what a team would write with the design card's parts
(pandas reads the CSV, a pandera DataFrameSchema holds the same column rules, the valid rows are
written back as CSV), with no report, no workbook and no cell named. Run in its own process:
    python -m benchmarks.plain_pandera IN.csv OUT.csv ZONES.csv
prints {"rows": ..., "valid_rows": ..., "failure_cases": ...} as JSON.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pandera.pandas as pa

COUNTS = ["Số đảng viên", "Tổng số lao động", "Lao động nữ", "Lao động nam",
          "Lao động quản lý, chuyên môn kỹ thuật bậc cao"]
AMOUNTS = ["Vốn đăng ký (USD)", "Kim ngạch xuất khẩu (USD)", "Kim ngạch nhập khẩu (USD)"]
WEIGHTS = np.array([31, 29, 23, 19, 17, 13, 7, 5, 3])


def _check_digit_ok(codes: pd.Series) -> pd.Series:
    """The tax code's check digit (stdnum.vn.mst), on whole columns."""
    shaped = codes.str.fullmatch(r"[0-9]{10}(?:-[0-9]{3})?").fillna(False).to_numpy(dtype=bool)
    ok = np.zeros(len(codes), dtype=bool)
    raw = np.char.ljust(codes[shaped].to_numpy(dtype=str), 14).astype("S14")
    digits = np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(-1, 14)[:, :10].astype(np.int64) - 48
    ok[shaped] = 10 - (digits[:, :9] @ WEIGHTS) % 11 == digits[:, 9]
    return pd.Series(ok, index=codes.index)


def schema(zone_codes: list) -> pa.DataFrameSchema:
    """The enterprise rules as a team would write them in pandera."""
    count = [pa.Check.ge(0)]
    return pa.DataFrameSchema({
        "Mã số thuế": pa.Column(str, [pa.Check(_check_digit_ok)], unique=True),
        "Tên doanh nghiệp": pa.Column(str),
        "Mã khu": pa.Column(str, pa.Check.isin(zone_codes)),
        "Loại hình doanh nghiệp": pa.Column(str, pa.Check.isin(["FDI", "Ngoài nhà nước", "Nhà nước"])),
        "Có tổ chức Đảng": pa.Column(str, pa.Check.isin(["Có", "Không"])),
        "Có tổ chức dân quân tự vệ": pa.Column(str, pa.Check.isin(["Có", "Không"])),
        **{name: pa.Column("Int64", count, coerce=True, nullable=name != "Tổng số lao động") for name in COUNTS},
        **{name: pa.Column(float, count, coerce=True, nullable=name != "Vốn đăng ký (USD)") for name in AMOUNTS},
    }, checks=[
        pa.Check(lambda f: (f["Lao động nữ"] + f["Lao động nam"] == f["Tổng số lao động"]).fillna(True),
                 name="gender_sum"),
        pa.Check(lambda f: (f["Lao động quản lý, chuyên môn kỹ thuật bậc cao"]
                            <= f["Tổng số lao động"]).fillna(True), name="managerial_range"),
        pa.Check(lambda f: ~((f["Có tổ chức Đảng"] == "Không") & (f["Số đảng viên"] > 0)).fillna(False),
                 name="members_without_org"),
    ])


def main(source: str, target: str, zones: str) -> dict:
    frame = pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""])
    zone_codes = pd.read_csv(zones, dtype=str)["zone_code"].tolist()
    for name in COUNTS + AMOUNTS:  # "N/A" is not a number: coerced to empty, then caught as missing
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    try:
        schema(zone_codes).validate(frame, lazy=True)
        bad, cases = np.array([], dtype=int), 0
    except pa.errors.SchemaErrors as errors:
        cases = len(errors.failure_cases)
        bad = errors.failure_cases["index"].dropna().astype(int).unique()
    valid = frame.drop(index=bad)
    valid.to_csv(target, index=False)
    return {"rows": len(frame), "valid_rows": len(valid), "failure_cases": cases}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
