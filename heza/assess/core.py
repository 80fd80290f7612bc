"""One period's check as plain functions, shared by `heza validate`, the monthly flow and the Dask run.

The map step (`assess_file`) reads and types one file and needs nothing from any other, so it can
run anywhere: in this process, in a thread, on a Dask worker. The reduce step (`assess_period`)
takes every file's result, sets copies aside, joins the tables and runs the period's STAGES in
order; every rule that crosses files (tax codes unique in the period, zone totals against their
enterprise rows, cumulative figures against the last publication, completeness, copies) runs there,
once, whichever way the map step ran. Each stage takes an Assessment and returns a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from heza.assess.claims import ClaimsResult, check_claims
from heza.assess.context import RunContext
from heza.assess.correct import correct_period
from heza.assess.ledger import imbalance_reason, source_ledger
from heza.assess.plausibility import (
    change_findings, match, membership_findings, no_previous, suspects, zone_total_findings,
)
from heza.assess.reconcile import completeness, doubtful_cells, reconcile_zones
from heza.assess.validate import validate_table
from heza.findings import SHEET_WIDE_RULES, count_by_severity, error_row_ids, finding, findings_frame
from heza.ingest.discover import set_aside_duplicates
from heza.ingest.files import FileRead, read_file
from heza.ingest.normalise import combine_files, normalise_file
from heza.ingest.tables import ReadError
from heza.assess.selective import MonthOnMonth, call_list, release_moves
from heza.assess.split import split_rows
from schemas import DATA_TABLES


@dataclass(frozen=True)
class FileAssessment:
    """What the map step returns for one file: the file as read and its typed tables."""

    read: FileRead
    tables: dict  # table name -> NormalisedTable, row ids from 0 within the file


def assess_file(path: Path, ctx: RunContext, root: Path | None = None) -> FileAssessment:
    """Read and type one submitted file (the map step); a link out of `root` is not followed."""
    read = read_file(Path(path), ctx.settings.limits, allowed_root=root)
    tables = normalise_file(read, ctx.registry, ctx.rate, ctx.settings.tolerances["total_row_absolute"],
                            int(ctx.settings.limits["max_cell_chars"]))
    return FileAssessment(read, tables)


@dataclass(frozen=True)
class Assessment:
    """A period after the rules: its files, tables, every finding, the split of rows, the ledger."""

    files: tuple
    tables: dict
    findings: pd.DataFrame
    splits: dict = field(default_factory=dict)
    critical: tuple = ()
    claims: ClaimsResult | None = None
    ledger: dict = field(default_factory=dict)
    missing_zones: tuple = ()  # (zone code, registry name) of each active zone with no readable rows
    month_on_month: MonthOnMonth | None = None  # the rows that look wrong against last month, in calling order
    corrections: pd.DataFrame | None = None  # the cells [correct] apply changed (None: correction off)

    @property
    def severity_counts(self) -> dict:
        return count_by_severity(self.findings)

    @property
    def status(self) -> str:
        return run_status(self.critical, self.severity_counts["error"], self.missing_zones)


STATUSES = ("published", "published_with_errors", "published_incomplete", "not_published")


def run_status(critical, errors: int, missing_zones) -> str:
    """The one status of a run, decided here only (the command, report.json, the report page and
    the e-mail all show this): not_published when anything critical stops it; published_incomplete
    when an active zone of the registry has no readable row in the month; published_with_errors when
    any error was found (rows held back, a file unreadable, a rate missing); published otherwise."""
    if critical:
        return "not_published"
    if missing_zones:
        return "published_incomplete"
    return "published_with_errors" if errors else "published"


def join_files(parts: list, ctx: RunContext) -> Assessment:
    """The period from its files' results, in file order: a second copy of a submission (same bytes,
    or an older version beside its _v2) is set aside with one finding and its rows are not joined."""
    files, copies = set_aside_duplicates([part.read for part in parts])
    # a set-aside copy keeps its reader's own findings but none of its rows; every other file is
    # joined as its map step typed it (a file with no table still brings its findings)
    tables = combine_files([part.tables if file is part.read else normalise_file(file, ctx.registry, ctx.rate)
                            for part, file in zip(parts, files)])
    return Assessment(tuple(files), tables, findings_frame([tables["files"].findings, *copies]))


def validate_rows(assessment: Assessment, ctx: RunContext) -> Assessment:
    """Each table's pandera model over all the period's rows, with the typing findings."""
    tables = assessment.tables
    parts = [assessment.findings] + [tables[name].findings for name in (*DATA_TABLES, "claims")]
    for name in DATA_TABLES:
        table = tables[name]
        parts.append(validate_table(name, table.typed, ctx.registry.codes, table.column_letters))
    return replace(assessment, findings=drop_echoes(findings_frame(parts)))


def correct_rows(assessment: Assessment, ctx: RunContext) -> Assessment:
    """[correct] apply (never by default): rows the localiser fixes with a value of an allowed grade
    are published corrected, each change with a finding; before reconcile, so zone totals see them."""
    apply = ctx.settings.correct["apply"]
    if apply == "none":
        return assessment
    tables, findings, corrections = correct_period(assessment.tables, assessment.findings, assessment.files,
                                                   apply, ctx.registry.codes)
    return replace(assessment, tables=tables, findings=findings, corrections=corrections)


def drop_echoes(findings: pd.DataFrame) -> pd.DataFrame:
    """A cell that could not be typed is empty to the schema; its 'required' finding only echoes
    the parsing finding on the same cell (or the column missing from its sheet), so it is dropped."""
    parsing = findings["rule"].str.startswith("CELL_") & findings["row_id"].notna()
    seen = set(zip(findings.loc[parsing, "row_id"], findings.loc[parsing, "column"]))
    absent = findings["rule"].isin(SHEET_WIDE_RULES)  # a column missing from a whole sheet
    gone = set(zip(findings.loc[absent, "source_file"], findings.loc[absent, "source_sheet"],
                   findings.loc[absent, "column"]))
    required = findings["rule"].str.endswith("_REQUIRED")
    echo = required & pd.Series([(r, c) in seen or (f, s, c) in gone for r, c, f, s in zip(
        findings["row_id"], findings["column"], findings["source_file"], findings["source_sheet"])],
        index=findings.index)
    return findings[~echo].reset_index(drop=True)


def reconcile_period(assessment: Assessment, ctx: RunContext) -> Assessment:
    """Zone rows against the enterprise rows each zone submitted (a right report is never flagged
    because one of its rows is held back), and the last publication."""
    zones, enterprises = assessment.tables["zones"], assessment.tables["enterprises"]
    doubtful = doubtful_cells(assessment.findings, enterprises.typed)
    extra = reconcile_zones(zones.typed, enterprises.typed, ctx.previous, zones.column_letters, doubtful)
    return replace(assessment, findings=findings_frame([assessment.findings, extra]))


def split_period(assessment: Assessment, ctx: RunContext) -> Assessment:
    """Published and quarantined rows per table, completeness, the ledger and the critical conditions."""
    tables = assessment.tables
    splits = {name: split_rows(name, tables[name].typed, tables[name].submitted, assessment.findings)
              for name in DATA_TABLES}
    reported = tables["zones"].typed["zone_code"].dropna().unique()
    if ctx.whole_period:  # completeness belongs to a month: never for a file or a few files checked alone
        missing = completeness(splits["zones"].published, ctx.registry, ctx.period, reported)
        absent = zones_without_rows(assessment.files, tables["enterprises"].typed, splits["zones"].published,
                                    ctx.registry, ctx.period)
    else:
        missing, absent = None, ()
    ledger = source_ledger(list(assessment.files), splits, len(tables["claims"].typed), assessment.corrections)
    split = replace(assessment, splits=splits, findings=findings_frame([assessment.findings, missing]), ledger=ledger,
                    missing_zones=absent)
    reasons = critical_reasons(split)
    if absent and ctx.require_complete:
        reasons.append(incomplete_reason(absent))
    return replace(split, critical=tuple(reasons))


def zones_without_rows(files, enterprises: pd.DataFrame, published_zones: pd.DataFrame, registry, period: str) -> tuple:
    """(code, name) of each zone active in the period that has no readable row in the month: no
    enterprise row read for it and either no zone-report row published for it or a file named for it
    that could not be read (its enterprises are then missing from every published total). A zone with
    enterprise rows but no zone report has reported, partially (PERIOD_ZONE_MISSING says so)."""
    with_enterprises = set(enterprises["zone_code"].dropna())
    with_zone_row = set(published_zones["zone_code"].dropna())
    unreadable = {code for f in files if f.error is not None for code in zones_named_in(f.file, registry)}
    return tuple((code, registry.name_of(code)) for code in registry.active_in(period)
                 if code not in with_enterprises and (code not in with_zone_row or code in unreadable))


def zones_named_in(file_name: str, registry) -> set:
    """The zones a file's name names by code or registry name (doanh_nghiep_DOSON_2024-02.xlsx: DOSON)."""
    words = [w for w in re.split(r"[_\-\s.]+", Path(file_name).stem) if w and not w.isdigit()]
    return {code for code in (registry.code_for(w) for w in words) if code}


def incomplete_reason(absent) -> dict:
    names = ", ".join(name for _, name in absent)
    return {"vi": f"Chưa có số liệu của {names}; cấu hình yêu cầu đủ các khu ([publish] require_complete "
                  f"hoặc --require-complete)",
            "en": f"No data from {names}; the settings require every zone ([publish] require_complete "
                  f"or --require-complete)"}


def critical_reasons(assessment: Assessment) -> list:
    """Why nothing may be published, if anything: each reason in Vietnamese and English."""
    files, reasons = assessment.files, []
    if not files:
        reasons.append({"vi": "Thư mục kỳ không có tệp nào", "en": "The period folder holds no files"})
    elif all(f.error is not None or not f.tables for f in files):
        reasons.append({"vi": "Không đọc được tệp nào của kỳ", "en": "No file of the period could be read"})
    elif not any(len(s.published) for s in assessment.splits.values()):
        reasons.append({"vi": "Không còn dòng nào để công bố", "en": "No row is left to publish"})
    for split in assessment.splits.values():
        if not split.balanced:
            reasons.append({
                "vi": f"Bảng {split.table}: số dòng đọc {split.rows_read} ≠ công bố + giữ lại "
                      f"{len(split.published)} + {len(split.quarantined)}",
                "en": f"Table {split.table}: rows read {split.rows_read} ≠ published + quarantined "
                      f"{len(split.published)} + {len(split.quarantined)}",
            })
    unbalanced = imbalance_reason(assessment.ledger) if assessment.ledger else None
    if unbalanced:
        reasons.append(unbalanced)
    return reasons


def check_period_claims(assessment: Assessment, ctx: RunContext) -> Assessment:
    """The draft release's figures against the rows about to be published, and each other; and,
    when the period has no reference rate but its data need one, one error naming the file to fix."""
    claims = assessment.tables["claims"]
    published = {name: split.published for name, split in assessment.splits.items()}
    result = check_claims(claims.typed, published, ctx.catalogue, ctx.registry, ctx.rate,
                          ctx.settings.tolerances["about_relative"])
    findings = findings_frame([assessment.findings, claim_cells(result.findings, claims.column_letters),
                               *missing_rate(assessment, ctx)])
    return replace(assessment, claims=result, findings=findings)


def missing_rate(assessment: Assessment, ctx: RunContext) -> list:
    """PERIOD_NO_EXCHANGE_RATE when the period has no VND/USD reference rate and its data need a
    conversion: a figure written in the other currency (capital in VND where USD is kept: the cells
    are CELL_NO_EXCHANGE_RATE) or a release figure converted between VND and USD."""
    if ctx.rate is not None:
        return []
    cells = int((assessment.findings["rule"] == "CELL_NO_EXCHANGE_RATE").sum())
    indicators = assessment.tables["claims"].typed.get("indicator", pd.Series(dtype="object"))
    converted = [ctx.catalogue.indicators[code] for code in sorted(set(indicators.dropna()))
                 if isinstance(code, str) and getattr(ctx.catalogue.indicators.get(code), "kind", None) == "convert"]
    if not cells and not converted:
        return []
    path = ctx.settings.reference / "exchange_rates.csv"
    try:
        shown = path.relative_to(ctx.settings.root)
    except ValueError:
        shown = path
    needs_vi = ([f"{cells} ô ghi bằng đơn vị tiền khác"] if cells else []) + \
        ([f"số liệu quy đổi: {', '.join(i.label_vi for i in converted)}"] if converted else [])
    needs_en = ([f"{cells} cells written in the other currency"] if cells else []) + \
        ([f"converted figures: {', '.join(i.label_en for i in converted)}"] if converted else [])
    return [finding("PERIOD_NO_EXCHANGE_RATE", value=ctx.period,
                    detail_vi=f"thêm dòng kỳ {ctx.period} (period,vnd_per_usd,source) vào {shown}; "
                              f"cần cho {'; '.join(needs_vi)}",
                    detail_en=f"add the period {ctx.period} (period,vnd_per_usd,source) to {shown}; "
                              f"needed for {'; '.join(needs_en)}")]


def claim_cells(findings: pd.DataFrame, letters: dict) -> pd.DataFrame:
    """A claim's findings point at the cell where its figure is written (the 'value' column)."""
    value_letter = {(file, sheet): letter for (file, sheet, column), letter in letters.items() if column == "value"}
    cells = [None if pd.isna(row) else (f"{value_letter[(file, sheet)]}{int(row)}" if (file, sheet) in value_letter
                                         else None)
             for file, sheet, row in zip(findings["source_file"], findings["source_sheet"], findings["source_row"])]
    return findings.assign(cell=findings["cell"].fillna(pd.Series(cells, index=findings.index, dtype="string")))


def publishable(assessment: Assessment, name: str) -> pd.Series:
    """Which of a table's typed rows no error holds back."""
    findings = assessment.findings
    typed = assessment.tables[name].typed
    return ~typed["row_id"].isin(error_row_ids(findings[findings["table"] == name], typed))


def check_month_on_month(assessment: Assessment, ctx: RunContext) -> Assessment:
    """Every publishable enterprise row against last month's publication ([plausibility] in heza.toml),
    each flagged value scored by what its correction would do to the release figures; a month whose
    previous month has no publication says so once, and only that is skipped."""
    last = ctx.last
    if not last.exists:
        return replace(assessment, findings=findings_frame([assessment.findings, no_previous(last, ctx.settings.processed)]))
    enterprises, zones = assessment.tables["enterprises"], assessment.tables["zones"]
    position = match(enterprises.typed["tax_code"], last.enterprises["tax_code"])  # every row read, once
    keep = publishable(assessment, "enterprises").to_numpy()
    rows = enterprises.typed[keep]
    found = suspects(rows, position[keep], last.enterprises, ctx.settings.plausibility, ctx.rate)
    published = {name: split.published for name, split in assessment.splits.items()}
    moves = release_moves(found, rows.set_index("row_id").loc[found["row_id"]].reset_index(), assessment.claims,
                          ctx.catalogue, published, ctx.rate)
    findings = findings_frame([
        assessment.findings, change_findings(found, enterprises.column_letters, ctx.rate),
        membership_findings(rows, position[keep], position, last.enterprises, ctx.whole_period, ctx.registry),
        zone_total_findings(zones.typed[publishable(assessment, "zones")], last.zones,
                            float(ctx.settings.plausibility["zone_total_share"]), zones.column_letters)])
    calls = call_list(found, moves, published.get("enterprises", rows))
    return replace(assessment, findings=findings, month_on_month=MonthOnMonth(found, moves, calls))


STAGES = (validate_rows, correct_rows, reconcile_period, split_period, check_period_claims, check_month_on_month)


def assess_period(parts: list, ctx: RunContext) -> Assessment:
    """The reduce step: join every file's result and run the period's stages in order."""
    assessment = join_files(parts, ctx)
    for stage in STAGES:
        assessment = stage(assessment, ctx)
    return assessment


def assess_paths(paths, ctx: RunContext, root: Path | None = None) -> Assessment:
    """The whole check in this process, without publishing: what `heza validate` runs."""
    return assess_period([assess_file(path, ctx, root) for path in paths], ctx)


def failed_file(path: Path, error: str, ctx: RunContext) -> FileAssessment:
    """A file whose map step crashed or timed out (a worker lost, memory exhausted): that file's
    error, so the period goes on and the file is named as unreadable."""
    path = Path(path)
    reason = ReadError("failed", f"Đọc tệp thất bại hoặc quá thời gian: {error}",
                       f"Reading the file failed or timed out: {error}")
    read = FileRead(file=path.name, path=path, size=path.stat().st_size if path.exists() else 0, sha256="",
                    format=path.suffix.lstrip("."), error=reason)
    return FileAssessment(read, normalise_file(read, ctx.registry, ctx.rate))
