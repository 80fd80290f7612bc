"""Header matching: case, diacritics, spaces, line breaks, punctuation and word order do not matter."""

import pytest

from heza.ingest.headers import header_index, match_header, parse_unit, split_header, vocabulary, word_key


@pytest.mark.parametrize("header", [
    "Mã số thuế", "MÃ SỐ THUẾ", "Ma so thue", "Mã số\nthuế", "  mã   số thuế ", "Mã-số-thuế:", "Thuế mã số",
])
def test_every_spelling_of_tax_code_maps_to_tax_code(header):
    assert match_header("enterprise", header) == "tax_code"


@pytest.mark.parametrize("kind, header, column", [
    ("enterprise", "Lao động nữ", "workers_female"),
    ("enterprise", "Nữ lao động", "workers_female"),
    ("enterprise", "Lao động Tổng số", "workers_total"),
    ("enterprise", "Vốn đăng ký (triệu USD)", "capital_usd"),
    ("enterprise", "Von dang ky (trieu USD)", "capital_usd"),
    ("enterprise", "Kim ngạch (USD) Xuất khẩu", "export_usd"),
    ("enterprise", "Lao động quản lý, chuyên môn kỹ thuật bậc cao", "workers_managerial"),
    ("zone", "Lũy kế dự án DDI Vốn đầu tư (tỷ đồng)", "di_capital_vnd_cum"),
    ("zone", "Số doanh nghiệp đang hoạt động", "enterprises"),
    ("claims", "Mã chỉ tiêu", "indicator"),
])
def test_headers_map_to_their_canonical_column(kind, header, column):
    assert match_header(kind, header) == column


@pytest.mark.parametrize("text, scale, unit", [
    ("USD", 1, "USD"), ("triệu USD", 1e6, "USD"), ("tỷ đồng", 1e9, "VND"), ("trieu USD", 1e6, "USD"),
    ("người", 1, "persons"), ("nghìn", 1e3, None),
])
def test_units_in_headers_are_read(text, scale, unit):
    parsed = parse_unit(text)
    assert (parsed.scale, parsed.unit) == (scale, unit)


def test_words_in_parentheses_that_are_not_units_stay_in_the_header():
    words, unit = split_header("KCN Đình Vũ (Deep C I)")
    assert unit is None and "Deep C I" in words


def test_no_alias_points_at_two_columns_of_one_kind():
    for kind in ("enterprise", "zone", "claims"):
        seen = {}
        for column, aliases in vocabulary()[kind].items():
            for alias in aliases:
                key = word_key(split_header(alias)[0])
                assert seen.setdefault(key, column) == column, f"{kind}: '{alias}' means {seen[key]} and {column}"
        assert header_index()[kind]
