"""Synthetic months of any size for benchmarks and scale tests (`heza sample --enterprises N`).

Deterministic for a seed, vectorised (a million rows in seconds), with a set share of bad rows
spread over every kind of enterprise rule. Writes its own zone registry (Z001…) and reference
rate beside the raw folder, so that a national-size month needs no change to the real registry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from schemas.checks import check_digits

ENTERPRISE_HEADERS = {
    "tax_code": "Mã số thuế", "enterprise_name": "Tên doanh nghiệp", "zone_code": "Mã khu",
    "ownership": "Loại hình doanh nghiệp", "has_party_org": "Có tổ chức Đảng",
    "has_militia": "Có tổ chức dân quân tự vệ", "party_members": "Số đảng viên",
    "workers_total": "Tổng số lao động", "workers_female": "Lao động nữ", "workers_male": "Lao động nam",
    "workers_managerial": "Lao động quản lý, chuyên môn kỹ thuật bậc cao", "capital_usd": "Vốn đăng ký (USD)",
    "export_usd": "Kim ngạch xuất khẩu (USD)", "import_usd": "Kim ngạch nhập khẩu (USD)",
}
BAD_KINDS = ("gender_sum", "check_digit", "duplicate", "unknown_zone", "unknown_ownership", "negative_count",
             "managerial_range", "negative_amount", "missing_name", "not_a_number")


def tax_codes(serials: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """10-digit codes for 9-digit serials with their check digit, and which of them are valid
    (a body whose check digit would be '10' has none)."""
    bodies = np.char.zfill(serials.astype(str), 9)
    check = check_digits(bodies)
    return np.char.add(bodies, (check % 10).astype(str)), check < 10


def enterprise_frame(rows: int, zones: int, bad_share: float, seed: int = 7) -> tuple[pd.DataFrame, dict]:
    """rows enterprise rows (as strings, like a CSV export) and how many bad rows of each kind."""
    rng = np.random.default_rng(seed)
    serial = np.arange(10_000_000, 10_000_000 + rows * 2)
    codes, ok = tax_codes(serial)
    codes = codes[ok][:rows]
    total = rng.integers(5, 3000, rows)
    female = (total * rng.uniform(0.2, 0.8, rows)).astype(int)
    party = rng.random(rows) < 0.08
    frame = pd.DataFrame({
        "tax_code": codes,
        "enterprise_name": np.char.add("Công ty TNHH Tổng hợp ", np.arange(rows).astype(str)),
        "zone_code": np.char.add("Z", np.char.zfill((rng.integers(0, zones, rows) + 1).astype(str), 3)),
        "ownership": rng.choice(np.array(["FDI", "Ngoài nhà nước", "Nhà nước"]), rows, p=[0.6, 0.38, 0.02]),
        "has_party_org": np.where(party, "Có", "Không"),
        "has_militia": np.where(rng.random(rows) < 0.2, "Có", "Không"),
        "party_members": np.where(party, rng.integers(3, 60, rows), 0),
        "workers_total": total, "workers_female": female, "workers_male": total - female,
        "workers_managerial": (total * rng.uniform(0.02, 0.2, rows)).astype(int),
        "capital_usd": rng.integers(100, 50_000, rows) * 10_000,
        "export_usd": rng.integers(0, 20_000, rows) * 10_000,
        "import_usd": rng.integers(0, 15_000, rows) * 10_000,
    })
    bad = rng.choice(rows, int(rows * bad_share), replace=False)
    kinds = np.array(BAD_KINDS)[np.arange(len(bad)) % len(BAD_KINDS)]
    frame = frame.astype({c: object for c in frame.columns})
    for kind in BAD_KINDS:
        where = bad[kinds == kind]
        if kind == "gender_sum":
            frame.loc[where, "workers_female"] = frame.loc[where, "workers_female"].astype(int) + 1
        elif kind == "check_digit":
            frame.loc[where, "tax_code"] = [c[:-1] + str((int(c[-1]) + 1) % 10) for c in frame.loc[where, "tax_code"]]
        elif kind == "duplicate":
            frame.loc[where, "tax_code"] = frame.loc[(where + 1) % rows, "tax_code"].to_numpy()
        elif kind == "unknown_zone":
            frame.loc[where, "zone_code"] = "KCN Không Có"
        elif kind == "unknown_ownership":
            frame.loc[where, "ownership"] = "Hợp tác xã"
        elif kind == "negative_count":
            frame.loc[where, "party_members"] = -1
        elif kind == "managerial_range":
            frame.loc[where, "workers_managerial"] = frame.loc[where, "workers_total"].astype(int) + 1
        elif kind == "negative_amount":
            frame.loc[where, "capital_usd"] = -10_000
        elif kind == "missing_name":
            frame.loc[where, "enterprise_name"] = ""
        elif kind == "not_a_number":
            frame.loc[where, "workers_total"] = "N/A"
    return frame, {kind: int((kinds == kind).sum()) for kind in BAD_KINDS}


def zone_registry(zones: int) -> pd.DataFrame:
    codes = [f"Z{i:03d}" for i in range(1, zones + 1)]
    return pd.DataFrame({"zone_code": codes, "zone_name": [f"KCN Tổng hợp {c}" for c in codes],
                         "zone_type": "KCN", "parent_zone_code": "", "area_ha": "", "active_from": "2000-01",
                         "source_note": "synthetic"})


def write_synthetic_month(out: Path, period: str, rows: int, zones: int, fmt: str = "csv",
                          bad_share: float = 0.01, seed: int = 7, force: bool = False) -> dict:
    """out/raw/<period>/enterprises.<fmt> and out/reference/{zones,exchange_rates}.csv, into folders
    that hold no files yet (or replacing them with `force`)."""
    from heza.samples.sample import refuse_to_overwrite

    out = Path(out)
    raw, reference = out / "raw" / period, out / "reference"
    refuse_to_overwrite([raw, reference], force)
    raw.mkdir(parents=True, exist_ok=True)
    reference.mkdir(parents=True, exist_ok=True)
    zone_registry(zones).to_csv(reference / "zones.csv", index=False)
    pd.DataFrame({"period": [period], "vnd_per_usd": [23996], "source": ["sample"]}).to_csv(
        reference / "exchange_rates.csv", index=False)
    frame, bad = enterprise_frame(rows, zones, bad_share, seed)
    frame = frame.rename(columns=ENTERPRISE_HEADERS)
    path = raw / f"enterprises.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("DN")
        sheet.append(list(frame.columns))
        for record in frame.itertuples(index=False):
            sheet.append([int(v) if isinstance(v, np.integer) else v for v in record])
        workbook.save(path)
    return {"path": str(path), "rows": rows, "zones": zones, "bad": bad}
