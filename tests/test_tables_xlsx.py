"""The published tables people open (issue 12, deliverable 6): enterprises.xlsx and zones.xlsx beside
the machine CSVs, read back with real readers (openpyxl and LibreOffice); quarantine files named so
that nobody takes them for the published table."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from heza.present.tables_xlsx import write_table_xlsx
from schemas import PUBLISHED_COLUMNS, TABLES
from schemas.tables import COLUMN_LABELS

WORDS = {name: label for name, (label, _) in COLUMN_LABELS.items()}


def _csv_rows(path) -> list:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_every_published_column_has_a_label_in_both_languages():
    for table, columns in PUBLISHED_COLUMNS.items():
        for column in columns:
            vi, en = COLUMN_LABELS[column]
            assert vi and en and vi != column, (table, column)


def test_enterprises_xlsx_has_vietnamese_headers_text_tax_codes_formats_and_a_frozen_header(published_sample):
    folder, _, _ = published_sample
    published = pd.read_csv(folder / "enterprises.csv", dtype=str, keep_default_na=False)
    book = load_workbook(folder / "enterprises.xlsx", read_only=True)
    assert book.sheetnames == ["Doanh nghiệp"]
    rows = list(book.active.iter_rows())
    header = [cell.value for cell in rows[0]]
    assert header == [WORDS[c] for c in published.columns]  # every column, source columns too, in words
    assert header[0] == "Mã số thuế" and "Tệp nguồn" in header and "tax_code" not in header
    body = rows[1:]
    assert len(body) == len(published)  # the published rows only, in the CSV's order
    at = {name: i for i, name in enumerate(published.columns)}
    tax_codes = [row[at["tax_code"]].value for row in body]
    assert tax_codes == list(published["tax_code"])
    leading_zero = next(i for i, code in enumerate(tax_codes) if code.startswith("0"))
    cell = body[leading_zero][at["tax_code"]]
    assert cell.data_type == "s" and cell.value == published["tax_code"][leading_zero] and cell.number_format == "@"
    workers = body[leading_zero][at["workers_total"]]
    assert isinstance(workers.value, int) and workers.number_format == "#,##0"
    assert workers.value == int(published["workers_total"][leading_zero])
    capital = body[leading_zero][at["capital_usd"]]
    assert isinstance(capital.value, (int, float)) and capital.number_format == "#,##0.00"
    assert {row[at["has_party_org"]].value for row in body} <= {"Có", "Không"}
    assert {row[at["has_militia"]].value for row in body} == {"Có", "Không"}
    assert not any(isinstance(cell.value, bool) or cell.value in ("True", "False") for row in body for cell in row)
    assert {row[at["ownership"]].value for row in body} <= {"Nhà nước", "Tư nhân trong nước",
                                                            "Có vốn đầu tư nước ngoài"}
    book.close()
    assert load_workbook(folder / "enterprises.xlsx").active.freeze_panes == "A2"  # the header stays in view

    zones = load_workbook(folder / "zones.xlsx", read_only=True)
    assert zones.sheetnames == ["Báo cáo khu"]
    zone_rows = list(zones.active.values)
    assert zone_rows[0][0] == "Mã khu" and len(zone_rows) - 1 == len(pd.read_csv(folder / "zones.csv"))
    zones.close()

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    records = {o["file"]: o for o in manifest["outputs"]}
    assert records["enterprises.xlsx"]["rows"] == len(published) and len(records["zones.xlsx"]["sha256"]) == 64
    # beside the machine CSV, which stays UTF-8 without BOM and with its canonical header
    raw = (folder / "enterprises.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.startswith(b"tax_code,enterprise_name,")


def test_enterprises_xlsx_reads_right_in_libreoffice(published_sample, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    folder, _, _ = published_sample
    profile, out = tmp_path / "lo-profile", tmp_path / "lo"
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                           "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out),
                           str(folder / "enterprises.xlsx")], capture_output=True, timeout=180)
    converted = out / "enterprises.csv"
    assert done.returncode == 0 and converted.exists(), done.stderr
    shown = _csv_rows(converted)  # the cells as LibreOffice shows them
    published = _csv_rows(folder / "enterprises.csv")
    assert len(shown) == len(published)
    assert shown[0][:3] == ["Mã số thuế", "Tên doanh nghiệp", "Mã khu"]
    at = {name: i for i, name in enumerate(published[0])}
    zero = next(i for i, row in enumerate(published) if i and row[at["tax_code"]].startswith("0"))
    assert shown[zero][at["tax_code"]] == published[zero][at["tax_code"]]  # 0200010083, not 200010083
    big = next(i for i, row in enumerate(published) if i and int(row[at["workers_total"]]) >= 1000)
    assert re.fullmatch(r"\d{1,3}([,.\u00a0 ]\d{3})+", shown[big][at["workers_total"]])  # thousands shown
    assert re.fullmatch(r"\d{1,3}([,.\u00a0 ]\d{3})+[.,]\d\d", shown[big][at["capital_usd"]])
    assert {row[at["has_party_org"]] for row in shown[1:]} | {row[at["has_militia"]] for row in shown[1:]} \
        == {"Có", "Không"}


def test_english_tables_and_the_source_columns(tmp_path):
    frame = pd.DataFrame({
        "tax_code": pd.array(["0100000001"], dtype="string"), "has_party_org": pd.array([False], dtype="boolean"),
        "party_members": pd.array([None], dtype="Int64"), "source_row": pd.array([1234], dtype="Int64")})
    record = write_table_xlsx(frame, "enterprises", tmp_path / "enterprises.xlsx", lang="en")
    book = load_workbook(tmp_path / "enterprises.xlsx")
    sheet = book.active
    assert book.sheetnames == ["Enterprises"] and record["rows"] == 1
    assert [c.value for c in sheet[1]] == ["Tax code", "Has a Party organisation", "Party members (persons)",
                                           "Source row"]
    assert [c.value for c in sheet[2]] == ["0100000001", "No", None, 1234]
    assert sheet["D2"].number_format == "General"  # a row number, as Excel shows it: no separator


def test_quarantine_files_are_never_named_like_the_published_tables(published_sample):
    folder, _, _ = published_sample
    published = {p.name for p in folder.iterdir() if p.is_file()}
    held_back = {p.name for p in (folder / "quarantine").iterdir()}
    assert held_back == {"enterprises_giu_lai.csv", "zones_giu_lai.csv"}
    assert not held_back & published and {"enterprises.csv", "enterprises.xlsx"} <= published
    assert {TABLES[name].quarantine_file for name in ("enterprises", "zones")} == {f"quarantine/{n}" for n in held_back}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = {o["file"] for o in manifest["outputs"]}
    assert {"quarantine/enterprises_giu_lai.csv", "quarantine/zones_giu_lai.csv"} <= files
    assert "quarantine/enterprises.csv" not in files
    quarantined = pd.read_csv(io.StringIO((folder / "quarantine" / "enterprises_giu_lai.csv").read_text("utf-8")))
    assert len(quarantined) > 0 and "rules" in quarantined.columns
