"""pandera finds out whether a model's annotation is an index or a column by comparing it with the
index and series types of every backend installed, and imports dask.dataframe to get dask's (about
2 s, most of `heza validate`'s start, and jinja2 with it). heza's models annotate pandas columns
only, so the comparison needs pandas' own types: dask is imported by the runs that use it
(`heza run --workers`), not by every check."""

from __future__ import annotations

import pandera.api.pandas.model as pandas_model
from pandera.typing import Index, Series


def _pandas_index_types() -> set:
    return {Index}


def _pandas_series_types() -> set:
    return {Series}


pandas_model.get_index_types = _pandas_index_types
pandas_model.get_series_types = _pandas_series_types
