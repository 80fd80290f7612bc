"""Release figures in words: a figure written the way its claim is written (13,36 tỷ USD beside
'13,47 tỷ USD'), an identity and an implied quantity by the indicators' labels, never their codes.
The claims check (heza/assess/claims.py) writes these into its findings and report.json's claims."""

from __future__ import annotations

import math

import pandas as pd

from heza.assess.catalogue import COUNT_UNITS, Catalogue
from heza.ingest.numbers import format_number


def identity_text(row, claim, lang: str) -> str:
    """'Tỷ lệ … = 100 × Số … / Số …: công bố 7,45% … 7,55%, các số liệu khác cho 7,70% … 7,70%', the
    figures written as the claim is (13,47 tỷ USD, not 13.470.000.000)."""
    claimed, implied = ("claimed", "the others give") if lang == "en" else ("công bố", "các số liệu khác cho")
    shown = {k: in_claim_scale(row[k], claim, lang, bound=True)
             for k in ("claimed_lower", "claimed_upper", "implied_lower", "implied_upper")}
    return (f"{row[f'words_{lang}']}: {claimed} {shown['claimed_lower']} … {shown['claimed_upper']}, "
            f"{implied} {shown['implied_lower']} … {shown['implied_upper']}")


def _fmt(value, lang: str = "vi") -> str:
    if value is None or pd.isna(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    decimals = 0 if abs(value) >= 1000 else 2
    return format_number(float(value), lang, decimals)


_SCALE_WORDS = {1e3: ("nghìn", "thousand"), 1e6: ("triệu", "million"), 1e9: ("tỷ", "billion")}
_UNIT_WORDS = {"%": ("%", "%"), "USD": ("USD", "USD"), "VND": ("đồng", "VND")}


def in_claim_scale(value, row, lang: str = "vi", bound: bool = False) -> str:
    """A figure written the way its claim is written: 13356726121 beside '13,47 tỷ USD' is
    '13,36 tỷ USD'; 7.7029 beside '7,5%' is '7,70%'. Bounds of an exact claim get one more digit
    (7,45% … 7,55%), so that the reader sees where the rounding ends."""
    if value is None or pd.isna(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    scale = float(row["scale"]) if row["scale"] else 1.0
    written = int(row["decimals"] or 0)
    qualifier = row.get("qualifier")
    exact = qualifier is None or pd.isna(qualifier)
    if row["unit"] in COUNT_UNITS and scale == 1:
        decimals = 0
    elif bound:
        decimals = written + 1 if exact else written
    elif row["unit"] == "%":
        decimals = max(2, written)
    else:
        decimals = written
    text = format_number(float(value) / scale, lang, decimals)
    words = [w[1 if lang == "en" else 0] for w in (_SCALE_WORDS.get(scale), _UNIT_WORDS.get(row["unit"])) if w]
    return f"{text}%" if row["unit"] == "%" else " ".join([text, *words])


def describe_claim_findings(findings: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Say the numbers: 'reported 7,5% → recomputed 7,70' and what the claims imply."""
    by_row = table.set_index("row_id")
    for index, item in findings.iterrows():
        if item["table"] != "claims" or pd.isna(item["row_id"]) or int(item["row_id"]) not in by_row.index:
            continue
        row = by_row.loc[int(item["row_id"])]
        if item["rule"] == "CLAIM_FAILS_DATA":
            shown = {lang: {k: in_claim_scale(row[k], row, lang, bound=k != "recomputed")
                            for k in ("recomputed", "lower", "upper")} for lang in ("vi", "en")}
            findings.at[index, "value"] = row["reported"]
            findings.at[index, "message_vi"] += (f": tính lại {shown['vi']['recomputed']}, khoảng chấp nhận "
                                                 f"{shown['vi']['lower']} … {shown['vi']['upper']}")
            findings.at[index, "message_en"] += (f": recomputed {shown['en']['recomputed']}, accepted "
                                                 f"{shown['en']['lower']} … {shown['en']['upper']}")
        if item["rule"] in {"CLAIM_NOT_CHECKABLE", "CLAIM_IDENTITY_BROKEN", "CLAIM_FAILS_DATA"} and row["implied"]:
            findings.at[index, "message_vi"] += "; " + row["implied_vi"]
            findings.at[index, "message_en"] += "; " + row["implied_en"]
    return findings


RATE_WORDS = {"vnd_per_usd": ("tỷ giá VND/USD", "the VND/USD rate")}  # implied quantities that are no indicator


def implication_text(implied, lang: str, catalogue: Catalogue) -> str:
    """'các số liệu khác suy ra tỷ giá VND/USD ≈ 23.794 (23.785 … 23.803)': the quantity by its label."""
    name, low, high, central = implied
    indicator = catalogue.indicators.get(name)
    label = indicator.label(lang) if indicator else RATE_WORDS[name][1 if lang == "en" else 0]
    words = "the other claims imply" if lang == "en" else "các số liệu khác suy ra"
    return f"{words} {label} ≈ {_fmt(central, lang)} ({_fmt(low, lang)} … {_fmt(high, lang)})"
