"""The vectorised tax-code rule is python-stdnum's (stdnum.vn.mst), for every code."""

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.vn import mst

from schemas.checks import tax_code_valid

codes = st.one_of(
    st.from_regex(r"\d{10}", fullmatch=True), st.from_regex(r"\d{10}-\d{3}", fullmatch=True),
    st.from_regex(r"\d{9}", fullmatch=True), st.text(max_size=14),
)


@settings(max_examples=300)
@given(st.lists(codes, min_size=1, max_size=40))
def test_the_vectorised_check_agrees_with_stdnum(values):
    verdicts = tax_code_valid(pd.Series(values, dtype="string")).tolist()
    shaped = [re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", v) is not None for v in values]  # the contract's format
    assert verdicts == [shape and mst.is_valid(v) for shape, v in zip(shaped, values)]


def test_every_valid_body_is_accepted_and_every_other_check_digit_refused():
    body = "010010910"
    for digit in "0123456789":
        code = body + digit
        assert tax_code_valid(pd.Series([code], dtype="string")).iloc[0] == mst.is_valid(code)
