"""Publishing faster must not change a byte: every CSV and data package the sample month publishes
is held to the sha256 it had before the fast writer (tests/data/published_bytes.toml), and the
writer is held to pandas' `to_csv` (the csv module's minimal quoting) on text built to break it.

The expected hashes change only with an intended change of the published files; then regenerate
them with `.venv/bin/python -m tests.test_publish_bytes` and say why in the commit."""

from __future__ import annotations

import hashlib
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heza.assess.context import period_inputs, prepare
from heza.assess.core import assess_paths
from heza.release.outputs import _shared_columns, neutralise_formulas, write_behind, write_csv, write_csvs
from heza.release.publish import publish_period

EXPECTED = Path(__file__).parent / "data" / "published_bytes.toml"


def published_hashes(settings) -> dict:
    """{path in the release folder: sha256} for every CSV and data package of the sample's 2024-02."""
    ctx = prepare(settings, "2024-02")
    folder, _ = publish_period(assess_paths(period_inputs(ctx), ctx, settings.raw), ctx)
    folder = folder.resolve()
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.suffix == ".csv" or path.name == "datapackage.json"}


def test_every_csv_and_data_package_of_the_sample_keeps_its_bytes(sample_month, settings):
    expected = tomllib.loads(EXPECTED.read_text(encoding="utf-8"))["files"]
    assert published_hashes(settings) == expected


def hostile_frame(rows: int = 2000) -> pd.DataFrame:
    """Every kind of cell a published table holds, with the text and numbers a writer gets wrong."""
    noise = np.random.default_rng(7)
    words = ["Công ty TNHH Sao Việt", '=HYPERLINK("x")', "+84 225", "-5", "-2+3", "@SUM(A1)", "\tx", "\rx",
             'Tên có "ngoặc"', "a,b", "dòng\nmới", "cuối\r", "", " ", "1.234,5", "-1.234,5", "+1", "Đ" * 40]
    magnitudes = 10.0 ** noise.integers(-7, 22, rows)
    scale = 10.0 ** noise.integers(0, 6, rows)  # 0 to 5 decimals written
    floats = pd.array(np.round(noise.normal(0, 1, rows) * magnitudes * scale) / scale, dtype="Float64")
    floats[::17] = pd.NA
    integers = pd.array(noise.integers(-10**12, 10**12, rows), dtype="Int64")
    integers[::13] = pd.NA
    flags = pd.array(noise.integers(0, 2, rows).astype(bool), dtype="boolean")
    flags[::11] = pd.NA
    text = pd.array(noise.choice(words, rows), dtype="string")
    text[::19] = pd.NA
    return pd.DataFrame({"name": text, "capital_usd": floats, "workers_total": integers, "has_party_org": flags,
                         "plain": np.arange(rows, dtype="int32"), "open": noise.integers(0, 2, rows).astype(bool),
                         "share": noise.random(rows),
                         "note": pd.Series(noise.choice(words, rows), dtype=object)})


def test_the_writer_writes_what_pandas_to_csv_writes_for_hostile_text_and_every_magnitude(tmp_path):
    frame = hostile_frame()
    write_csv(frame, tmp_path / "fast.csv")
    expected = neutralise_formulas(frame).to_csv(index=False, encoding="utf-8", lineterminator="\n").encode("utf-8")
    assert (tmp_path / "fast.csv").read_bytes() == expected


def test_an_empty_table_is_its_header_line(tmp_path):
    frame = hostile_frame().iloc[:0]
    write_csv(frame, tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_bytes() == ",".join(frame.columns).encode() + b"\n"


def _near_copies(frame: pd.DataFrame) -> dict:
    """Tables a release writes together: the same rows in other column selections (tiers, legacy
    copies), and look-alikes that must not share a column's text: a float's zero of the other sign,
    an object column of numbers where the table has text, fewer rows, a single column."""
    signed = frame.assign(capital_usd=frame["capital_usd"].mask(frame["capital_usd"].isna(), 0.0) * -0.0)
    numbers = frame.assign(note=pd.Series(np.arange(len(frame)), dtype=object))
    return {"all.csv": frame, "some.csv": frame[["note", "name", "capital_usd"]], "zeros.csv": signed,
            "zeros_again.csv": signed.assign(capital_usd=signed["capital_usd"].abs()), "numbers.csv": numbers,
            "fewer.csv": frame.iloc[:700], "one.csv": frame[["name"]], "none.csv": frame.iloc[:0]}


def test_tables_written_together_have_the_bytes_each_has_written_alone(tmp_path):
    tables = _near_copies(hostile_frame())
    (tmp_path / "together").mkdir()
    together = write_csvs(tmp_path / "together", tables)
    alone = [write_csv(frame, tmp_path / path) for path, frame in tables.items()]
    assert together == alone
    for path in tables:
        assert (tmp_path / "together" / path).read_bytes() == (tmp_path / path).read_bytes()


@given(st.lists(st.sampled_from(list(hostile_frame(1).columns)), min_size=1, max_size=8, unique=True),
       st.integers(0, 300), st.sampled_from(["all.csv", "zeros.csv", "numbers.csv", "fewer.csv"]))
def test_any_column_selection_written_with_its_table_has_the_bytes_it_has_alone(tmp_path_factory, columns, rows,
                                                                               source):
    folder = tmp_path_factory.mktemp("together")
    frame = _near_copies(hostile_frame(rows))[source]
    tables = {"table.csv": frame, "selection.csv": frame[columns]}
    write_csvs(folder, tables)
    for path, table in tables.items():
        expected = neutralise_formulas(table).to_csv(index=False, encoding="utf-8", lineterminator="\n")
        assert (folder / path).read_bytes() == expected.encode("utf-8")


def test_a_column_several_tables_hold_is_made_text_once_and_a_look_alike_is_not():
    tables = _near_copies(hostile_frame())
    shared = dict(zip(tables, _shared_columns(list(tables.values()))))
    first = shared["all.csv"]
    assert all(shared["some.csv"][name] is first[name] for name in ("note", "name", "capital_usd"))
    assert all(shared["numbers.csv"][name] is first[name] for name in first if name != "note")
    assert shared["numbers.csv"]["note"] is not first["note"]
    assert shared["zeros.csv"]["capital_usd"] is not first["capital_usd"]
    assert shared["zeros_again.csv"]["capital_usd"] is not shared["zeros.csv"]["capital_usd"]
    assert shared["fewer.csv"]["name"] is not first["name"]


def test_writes_behind_run_in_order_and_a_failed_one_stops_the_ones_after_it():
    done, made = [], []

    def write(number):
        if number == 3:
            raise OSError("disk full")
        done.append(number)

    def writes():
        for number in range(6):
            made.append(number)
            yield write, (number,)

    with pytest.raises(OSError, match="disk full"):
        write_behind(writes())
    assert done == [0, 1, 2] and made == [0, 1, 2, 3, 4]  # the one after the failure made, never written


def _regenerate() -> None:
    """Write tests/data/published_bytes.toml from the code as it is (an intended change only)."""
    import os
    import tempfile

    from heza.config import load_settings
    from tests.scratch import scratch_project

    with tempfile.TemporaryDirectory() as folder:
        os.environ["HEZA_CONFIG"] = str(scratch_project(Path(folder), ("2024-01", "2024-02")))
        hashes = published_hashes(load_settings())
    lines = ["# sha256 of every CSV and data package the sample month 2024-02 publishes (tests/test_publish_bytes.py).",
             "# Regenerate only for an intended change of the published files:",
             "#   .venv/bin/python -m tests.test_publish_bytes", "[files]"]
    lines += [f'"{path}" = "{digest}"' for path, digest in hashes.items()]
    EXPECTED.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(hashes)} files -> {EXPECTED}", file=sys.stderr)


if __name__ == "__main__":
    _regenerate()
