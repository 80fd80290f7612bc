"""Write the bundled sample months (data/raw/2024-01, 2024-02) as real submissions would look:
the data come from heza/samples/haiphong.py, the files are written by heza/samples/workbooks.py.
Sample writers never replace files silently.
"""

from __future__ import annotations

import random
from pathlib import Path

from heza.ingest.reference import load_zone_registry, reference_rate
from heza.samples.haiphong import CLAIMS_2024_02, PERIODS, SEED, month_enterprises, month_zones
from heza.samples.workbooks import (
    write_claims_workbook, write_enterprise_csv, write_enterprise_workbook, write_zone_workbook,
)


class WouldOverwriteError(FileExistsError):
    """Raised, before anything is written, when a target folder already holds files."""


def refuse_to_overwrite(folders, force: bool = False) -> None:
    """Sample writers never replace files silently (a staff edit in data/raw was once lost that way):
    a folder that already holds files is refused, naming it and its files, unless `force`."""
    if force:
        return
    taken = [(Path(folder), sorted(p.name for p in Path(folder).iterdir()))
             for folder in folders if Path(folder).is_dir() and any(Path(folder).iterdir())]
    if taken:
        listing = "; ".join(f"{folder} ({len(names)}: {', '.join(names[:3])}{', …' if len(names) > 3 else ''})"
                            for folder, names in taken)
        raise WouldOverwriteError(
            f"Không ghi đè: thư mục đã có tệp: {listing}. Hãy chọn thư mục khác hoặc dùng --force để thay / "
            f"not overwriting: the folder already holds files: {listing}. Choose another folder or "
            f"use --force to replace them")


def generate(raw_dir: Path, reference_dir: Path, seed: int = SEED, force: bool = False) -> list:
    """Write both sample months into folders that hold no files yet (or replace them with `force`);
    returns the files written."""
    refuse_to_overwrite([Path(raw_dir) / period for period in PERIODS], force)
    registry = load_zone_registry(reference_dir)
    rate, _ = reference_rate(reference_dir, "2024-02")  # January's planted VND slip is at February's rate
    written = []
    for period in PERIODS:
        rng = random.Random(seed)  # the same firms and zone shares in both months
        codes = registry.active_in(period)
        folder = Path(raw_dir) / period
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.is_file() and old.suffix in {".xlsx", ".csv"}:
                old.unlink()
        rows = month_enterprises(rng, codes, period, rate)
        zones = month_zones(seed, codes, rows, registry, period)
        written += write_month(folder, period, codes, rows, zones, {code: registry.name_of(code) for code in codes})
    return written


def write_month(folder: Path, period: str, codes: list, rows: list, zones: dict, zone_names: dict) -> list:
    """One sample month's files: an enterprise list per zone (TIENTHANH's as a CSV export, every
    third workbook with the other header style), each zone's report, and in 2024-02 the figures of
    the draft release; returns them in that order."""
    written = []
    for i, code in enumerate(codes):
        mine = [r for r in rows if r.zone == code]
        if code == codes[-1]:  # rows whose zone is not in the registry go in the last workbook
            mine += [r for r in rows if r.zone not in zone_names]
        if code == "TIENTHANH":
            path = folder / f"doanh_nghiep_{code}_{period}.csv"
            write_enterprise_csv(path, mine, zone_names)
        else:
            path = folder / f"doanh_nghiep_{code}_{period}.xlsx"
            offset = {"workers_female": 100} if code == "TRANGDUE" and period == "2024-02" else None
            write_enterprise_workbook(path, mine, code, zone_names, period, "names" if i % 3 == 1 else "codes", offset)
        written.append(path)
        zone_path = folder / f"bao_cao_khu_{code}_{period}.xlsx"
        write_zone_workbook(zone_path, zones[code], period)
        written.append(zone_path)
    if period == "2024-02":
        written.append(write_claims_workbook(folder / "chi_tieu_2024-02.xlsx", CLAIMS_2024_02, period))
    return written
