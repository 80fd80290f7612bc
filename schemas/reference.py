"""The reference files staff keep (data/reference/), in executable form: one pandera schema each.

They are checked before any work: a wrong rate or registry silently changes every figure of the
month, so a problem here stops the run (heza.ingest.reference.ReferenceDataError), naming the
file, row, column and value. Each check's name is its message key in PROBLEMS (Vietnamese, English).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
ZONE_TYPES = ("KCN", "KKT")
ZONE_CODE_PATTERN = r"^[A-Z0-9_]+$"  # ASCII capitals and digits only: no look-alike letters
LOOKALIKE_SCRIPTS = "[\u0370-\u03ff\u0400-\u052f]"  # Greek, Cyrillic: never in a Vietnamese name

PROBLEMS = {
    "period_iso": ("kỳ phải có dạng YYYY-MM (ví dụ 2024-02)", "the period must be YYYY-MM (e.g. 2024-02)"),
    "period_unique": ("kỳ xuất hiện hơn một lần", "the period occurs more than once"),
    "rate_number": ("tỷ giá không đọc được thành số (viết kiểu Việt Nam: 23.996 hoặc 23996)",
                    "the rate cannot be read as a number (Vietnamese style: 23.996 or 23996)"),
    "rate_band": ("tỷ giá VND/USD ngoài khoảng hợp lý", "the VND/USD rate is outside the plausible band"),
    "code_present": ("mã khu trống", "the zone code is empty"),
    "code_ascii": ("mã khu chỉ gồm chữ in hoa A–Z, chữ số và '_' (không dấu, không chữ giống hệt của bảng chữ khác)",
                   "the zone code may hold only capitals A–Z, digits and '_' (no look-alike letters of other scripts)"),
    "code_unique": ("mã khu xuất hiện hơn một lần", "the zone code occurs more than once"),
    "name_present": ("tên khu trống", "the zone name is empty"),
    "name_latin": ("tên khu có chữ Kirin/Hy Lạp trông giống chữ Latin", "the zone name holds Cyrillic/Greek look-alike letters"),
    "zone_type": (f"loại khu phải là {' hoặc '.join(ZONE_TYPES)}", f"the zone type must be {' or '.join(ZONE_TYPES)}"),
    "parent_known": ("khu cha không có trong danh mục", "the parent zone is not in the registry"),
    "active_from_iso": ("ngày bắt đầu phải có dạng YYYY-MM (ví dụ 2023-06), không phải dạng Excel 'Jun-23'",
                        "active_from must be YYYY-MM (e.g. 2023-06), not Excel's 'Jun-23'"),
}


def _check(function, name: str, **kwargs) -> pa.Check:
    return pa.Check(function, name=name, error=name, **kwargs)


def _present(series: pd.Series) -> pd.Series:
    return series.fillna("").str.strip().ne("")


def exchange_rates_schema(vnd_per_usd_min: float, vnd_per_usd_max: float) -> pa.DataFrameSchema:
    """exchange_rates.csv after its rates were parsed: period, vnd_per_usd (a number in the band), source."""
    return pa.DataFrameSchema(
        {
            "period": pa.Column(pd.StringDtype(), nullable=True, checks=[
                _check(lambda s: s.fillna("").str.fullmatch(PERIOD_PATTERN), "period_iso"),
                _check(lambda s: ~s.duplicated(keep=False) | s.isna(), "period_unique"),
            ]),
            "vnd_per_usd": pa.Column(pd.Float64Dtype(), nullable=True, checks=[
                _check(lambda s: s.notna(), "rate_number", ignore_na=False),
                _check(lambda s: s.between(vnd_per_usd_min, vnd_per_usd_max), "rate_band"),
            ]),
            "source": pa.Column(pd.StringDtype(), nullable=True, required=False),
        },
        name="exchange_rates", strict=False, coerce=False,
    )


def zones_schema(codes) -> pa.DataFrameSchema:
    """zones.csv: unique ASCII codes, names, a known type, a parent in the registry, ISO active_from."""
    known = set(codes)
    return pa.DataFrameSchema(
        {
            "zone_code": pa.Column(pd.StringDtype(), nullable=True, checks=[
                _check(_present, "code_present", ignore_na=False),
                _check(lambda s: s.str.fullmatch(ZONE_CODE_PATTERN) | ~_present(s), "code_ascii"),
                _check(lambda s: ~s.duplicated(keep=False) | ~_present(s), "code_unique"),
            ]),
            "zone_name": pa.Column(pd.StringDtype(), nullable=True, checks=[
                _check(_present, "name_present", ignore_na=False),
                _check(lambda s: ~s.fillna("").str.contains(LOOKALIKE_SCRIPTS, regex=True), "name_latin"),
            ]),
            "zone_type": pa.Column(pd.StringDtype(), nullable=True, required=False, checks=[
                _check(lambda s: s.fillna("").str.strip().isin(ZONE_TYPES), "zone_type", ignore_na=False),
            ]),
            "parent_zone_code": pa.Column(pd.StringDtype(), nullable=True, required=False, checks=[
                _check(lambda s: s.fillna("").str.strip().isin(known | {""}), "parent_known", ignore_na=False),
            ]),
            "active_from": pa.Column(pd.StringDtype(), nullable=True, checks=[
                _check(lambda s: s.fillna("").str.fullmatch(PERIOD_PATTERN), "active_from_iso", ignore_na=False),
            ]),
        },
        name="zones", strict=False, coerce=False,
    )


EMAIL_PATTERN = r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]+$"  # one address, no display name, no list
PROBLEMS.update({
    "submitter_zone_known": ("mã khu không có trong danh mục khu (zones.csv)", "the zone code is not in the zone registry (zones.csv)"),
    "submitter_name_present": ("tên người nhận trống", "the contact's name is empty"),
    "email_valid": ("địa chỉ thư không hợp lệ (một địa chỉ mỗi dòng, dạng ten@co-quan.vn)",
                    "the e-mail address is not valid (one address per row, like name@agency.vn)"),
    "email_unique": ("địa chỉ thư lặp lại cho cùng một khu", "the e-mail address occurs twice for the same zone"),
})


def submitters_schema(zone_codes, row_zones: pd.Series) -> pa.DataFrameSchema:
    """submitters.csv: who receives each zone's letter; a zone may have several rows (several
    addresses), each address once per zone (`row_zones`: the file's zone_code column)."""
    known = set(zone_codes)

    def once_per_zone(emails: pd.Series) -> pd.Series:
        pairs = pd.DataFrame({"zone": row_zones, "email": emails.fillna("").str.lower()})
        return ~pairs.duplicated(keep="first")

    return pa.DataFrameSchema(
        {
            "zone_code": pa.Column(pd.StringDtype(), nullable=True, checks=[
                _check(lambda s: s.fillna("").isin(known), "submitter_zone_known", ignore_na=False),
            ]),
            "name": pa.Column(pd.StringDtype(), nullable=True, checks=[
                _check(_present, "submitter_name_present", ignore_na=False),
            ]),
            "email": pa.Column(pd.StringDtype(), nullable=True, checks=[
                _check(lambda s: s.fillna("").str.fullmatch(EMAIL_PATTERN), "email_valid", ignore_na=False),
                _check(once_per_zone, "email_unique", ignore_na=False),
            ]),
        },
        name="submitters", strict=False, coerce=False,
    )
