"""Vietnamese number parsing, as the contract's "Number cells" section says."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heza.ingest.numbers import EN, VI, column_convention, format_number, parse_figure, resolve_readings


@pytest.mark.parametrize("text, value, qualifier, unit", [
    ("99.570", None, None, None),            # ambiguous on its own
    ("1.234.567", 1_234_567, None, None),
    ("7,5", 7.5, None, None),
    ("7,5%", 7.5, None, "%"),
    ("1,234.5", 1234.5, None, None),
    ("1.234,5", 1234.5, None, None),
    ("50.85%", 50.85, None, "%"),
    ("hơn 10,2 tỷ USD", 10.2e9, "over", "USD"),
    ("trên 10 tỷ USD", 10e9, "over", "USD"),
    ("xấp xỉ 40%", 40, "about", "%"),
    ("khoảng 200 người", 200, "about", "persons"),
    ("gần 100.000 người", None, "about", "persons"),   # ambiguous until a count column decides
    ("dưới 5 triệu USD", 5e6, "under", "USD"),
    ("~ 3 nghìn", 3000, "about", None),
    ("26,3 tỷ USD", 26.3e9, None, "USD"),
    ("99\u00a0570", 99_570, None, None),      # non-breaking space groups thousands
    ("99\u2009570", 99_570, None, None),      # thin space
    ("１２３", 123, None, None),              # full-width digits
    ("-1.000.000", -1_000_000, None, None),
])
def test_contract_forms_parse_to_their_value(text, value, qualifier, unit):
    figure = parse_figure(text)
    assert figure.error is None
    assert figure.qualifier == qualifier
    assert figure.unit == unit
    if value is None:
        assert figure.ambiguous and figure.value is None
    else:
        assert figure.value == pytest.approx(value)


def test_the_article_scale_figure_is_ambiguous_until_the_column_decides():
    figure = parse_figure("320.508 tỷ đồng")
    assert figure.ambiguous and figure.unit == "VND" and figure.scale == 1e9
    assert resolve_readings(figure, whole_numbers=False, convention=VI).value == 320_508
    assert resolve_readings(figure, whole_numbers=False, convention=None) is None


@pytest.mark.parametrize("text, error", [
    ("N/A", "not_a_number"), ("khoảng", "not_a_number"), ("12,3,4", "bad_grouping"),
    ("1.23.4", "bad_grouping"), ("-", "missing"), ("", "missing"), (None, "missing"),
])
def test_text_that_is_not_a_number_says_so(text, error):
    assert parse_figure(text).error == error


def test_a_count_column_reads_99_570_as_a_whole_number():
    assert resolve_readings(parse_figure("99.570"), whole_numbers=True, convention=None).value == 99_570
    assert resolve_readings(parse_figure("1,234"), whole_numbers=True, convention=None).value == 1234


def test_5_000_in_a_count_column_stays_ambiguous_without_column_evidence():
    # both 5000 and 5.0 are whole: the type cannot decide
    assert resolve_readings(parse_figure("5.000"), whole_numbers=True, convention=None) is None


def test_column_evidence_decides_by_majority_and_reports_mixing():
    figures = [parse_figure(t) for t in ("7,5%", "10,2 tỷ", "13,47", "50.85%", "320.508")]
    assert column_convention(figures) == (VI, True)
    assert column_convention([parse_figure("1,234.5")]) == (EN, False)
    assert column_convention([parse_figure("7,5"), parse_figure("50.85")]) == (None, True)


def _format_en(value: int, decimals: int) -> str:
    return format_number(value / 10**decimals, "en", decimals)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=3))
def test_format_then_parse_round_trips_in_vietnamese(number, decimals):
    text = format_number(number / 10**decimals, "vi", decimals)
    figure = parse_figure(text)
    reading = figure.reading or figure.readings[VI]
    assert reading.value == pytest.approx(number / 10**decimals)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=3))
def test_format_then_parse_round_trips_in_english(number, decimals):
    figure = parse_figure(_format_en(number, decimals))
    reading = figure.reading or figure.readings[EN]
    assert reading.value == pytest.approx(number / 10**decimals)


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999),
       st.sampled_from([".", ","]))
def test_no_ambiguous_input_is_ever_silently_guessed(whole, fraction, mark):
    text = f"{whole}{mark}{fraction:03d}"
    figure = parse_figure(text)
    assert figure.ambiguous
    assert figure.value is None
    assert resolve_readings(figure, whole_numbers=False, convention=None) is None
