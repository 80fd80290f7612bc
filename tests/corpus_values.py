"""Bad-input corpus cases for "values never change silently": error cells in every format, number
formats, mixed and legacy encodings, look-alike letters, identical and re-sent files.

Registered at the end of tests/corpus.py; each runs through `heza validate --json` in test_hostile.
`rows_seen` counts the non-empty rows a person sees in the case's files (header included)."""

from __future__ import annotations

from pathlib import Path

from tests.corpus import Case, good, xlsx
from tests.test_rules import enterprise_rows


# -- look-alike letters ------------------------------------------------------------------------

def _cyrillic_zone_name(folder: Path) -> list:
    return xlsx(folder, "khu_kirin.xlsx", enterprise_rows({"zone": "KCN Đіnh Vũ"}, {"zone": "KCN Đình Vũ"}))


def _cyrillic_zone_code(folder: Path) -> list:
    return xlsx(folder, "ma_kirin.xlsx", enterprise_rows({"zone": "VSІP"}, {"zone": "VSIP"}))


def _full_width_tax_code(folder: Path) -> list:
    return xlsx(folder, "mst_toan_khoang.xlsx", enterprise_rows({"tax_code": "０１００１０９１０６"}, {}))


CASES = [
    Case("cyrillic_letter_in_a_zone_name", _cyrillic_zone_name, 1, {"CELL_LOOKALIKE_LETTERS", "ENT_ZONE_UNKNOWN"},
         ("DN", 2, "zone_code"), published=1, quarantined=1, rows_seen=3),
    Case("cyrillic_letter_in_a_zone_code", _cyrillic_zone_code, 1, {"CELL_LOOKALIKE_LETTERS", "ENT_ZONE_UNKNOWN"},
         ("DN", 2, "zone_code"), published=1, quarantined=1, rows_seen=3),
    Case("full_width_digits_in_a_tax_code", _full_width_tax_code, 1, {"CELL_LOOKALIKE_LETTERS"},
         ("DN", 2, "tax_code"), published=1, quarantined=1, rows_seen=3),
]
