"""Project paths and settings: heza.toml, overridden by HEZA_<SECTION>_<KEY> environment variables.

Every key is checked when the settings load, so an operator's mistake is one message naming the
file and the key, never a traceback later in the run:
- [paths] keys are required: a missing one is an error (a guessed folder could publish to the
  wrong place);
- a key missing from [limits], [tolerances], [email], [schedule], [prefect], [publish], [disclosure],
  [letters], [plausibility], [web] or [correct] (or the whole section) takes
  the built-in default below, the same value as the shipped heza.toml;
- a value of the wrong type ("50" or "50 MB" where a number belongs) is an error, as are a
  negative limit, an unknown time zone and a cron expression that is not five valid fields;
- a section or key the pipeline does not know (a misspelling) is an error naming the closest known one.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = Path(os.environ.get("HEZA_ROOT", PACKAGE_DIR.parent)).resolve()
PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

PATH_KEYS = ("raw", "processed", "reference", "outbox", "indicators")
# The built-in defaults: what a key missing from heza.toml means (paths have none: they are required).
DEFAULTS = {
    "limits": {
        "max_file_mb": 50, "max_uncompressed_mb": 300, "max_compression_ratio": 100,
        "max_rows_per_sheet": 1_100_000, "max_columns_per_sheet": 300, "header_search_rows": 30,
        "max_cell_chars": 2000, "max_read_seconds": 120, "lock_wait_seconds": 0,
        "vnd_per_usd_min": 10_000, "vnd_per_usd_max": 50_000,
        "max_grid_cells": 20_000_000, "stray_gap_rows": 10_000, "stray_gap_columns": 100,
        "annotated_whole_rows": 50_000,
    },
    "tolerances": {"about_relative": 0.05, "total_row_absolute": 0.5},
    "email": {
        "to": [], "from": "heza-pipeline@localhost", "smtp_host": "", "smtp_port": 587,
        "smtp_security": "starttls", "subject_prefix": "[KKT Hải Phòng]", "max_attachments_mb": 10,
        "retry_delays": [2, 10, 30], "timeout_seconds": 30, "include_restricted": False,
        "send_to_submitters": False,
    },
    # the letter each submitter gets back (heza/present/letter.py): reply by this day of the month after the period
    "letters": {"reply_by_day": 20},
    "schedule": {"cron": "0 7 5 * *", "timezone": "Asia/Ho_Chi_Minh"},
    "prefect": {"startup_timeout_seconds": 120},
    "publish": {"require_complete": False, "legacy_paths": True},
    "disclosure": {"min_contributors": 3, "dominance_top": 2, "dominance_share": 0.85, "protection": 0.1},
    # month-on-month edits (heza/assess/plausibility.py): Hidiroglou-Berthelot U, A, C per variable
    "plausibility": {
        "min_zone_enterprises": 20,
        "workers_total_u": 0.5, "workers_total_a": 0.05, "workers_total_c": 7,
        "capital_usd_u": 0.5, "capital_usd_a": 0.05, "capital_usd_c": 7,
        "export_usd_u": 0.5, "export_usd_a": 0.05, "export_usd_c": 7,
        "import_usd_u": 0.5, "import_usd_a": 0.05, "import_usd_c": 7,
        "unit_slip_tolerance": 0.1, "zone_total_share": 0.2,
    },
    # `heza web`: the zones' check-and-submit page; state_dir (relative to heza.toml) keeps the access
    # codes, the session secret, checked uploads and the receipts; secret empty: generated into state_dir
    "web": {"host": "127.0.0.1", "port": 8080, "state_dir": "data/web", "secret": "", "session_hours": 8,
            "preview_rows": 15},
    # optional correction of localised values (heza/assess/correct.py): never by default
    "correct": {"apply": "none"},
}
CORRECT_APPLY = ("none", "determined", "explained")  # [correct] apply: which value grades are applied
_TYPE_WORDS = {"flag": ("true hoặc false", "true or false"), "number": ("một số", "a number"), "text": ("một chuỗi", "text"),
               "numbers": ("một danh sách số", "a list of numbers"), "texts": ("một danh sách chuỗi", "a list of text")}


class ConfigError(ValueError):
    """Raised when the configuration file or an override cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know that is not data."""

    root: Path
    raw: Path
    processed: Path
    reference: Path
    outbox: Path
    indicators: Path
    limits: dict = field(default_factory=dict)
    tolerances: dict = field(default_factory=dict)
    email: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)
    prefect: dict = field(default_factory=dict)
    publish: dict = field(default_factory=dict)
    plausibility: dict = field(default_factory=lambda: dict(DEFAULTS["plausibility"]))
    disclosure: dict = field(default_factory=dict)
    web: dict = field(default_factory=lambda: dict(DEFAULTS["web"]))
    letters: dict = field(default_factory=lambda: dict(DEFAULTS["letters"]))
    correct: dict = field(default_factory=lambda: dict(DEFAULTS["correct"]))


def _kind(default) -> str:
    if isinstance(default, bool):
        return "flag"
    if isinstance(default, list):
        return "texts" if not default or isinstance(default[0], str) else "numbers"
    return "number" if isinstance(default, (int, float)) and not isinstance(default, bool) else "text"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _from_environment(section: str, key: str, kind: str):
    """The environment's HEZA_<SECTION>_<KEY> as the key's kind, or None when unset."""
    name = f"HEZA_{section}_{key}".upper()
    raw = os.environ.get(name)
    if raw is None:
        return None
    try:
        if kind == "flag":
            flag = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(raw.strip().lower())
            if flag is None:
                raise ValueError(raw)
            return flag
        if kind == "number":
            return int(raw) if re.fullmatch(r"\s*[-+]?\d+\s*", raw) else float(raw)
        if kind in ("numbers", "texts"):
            items = [item.strip() for item in raw.split(",") if item.strip()]
            return [float(item) for item in items] if kind == "numbers" else items
    except ValueError as exc:
        vi, en = _TYPE_WORDS[kind]
        raise ConfigError(
            f"Biến môi trường {name} phải là {vi}, nhận được {raw!r} / "
            f"environment variable {name} must be {en}, got {raw!r}") from exc
    return raw


def _checked(path: Path, section: str, key: str, value, kind: str):
    """The value if it has the key's kind, else ConfigError naming the file and the key."""
    ok = {"flag": isinstance(value, bool), "number": _is_number(value) and value >= 0, "text": isinstance(value, str),
          "numbers": isinstance(value, list) and all(_is_number(v) and v >= 0 for v in value),
          "texts": isinstance(value, list) and all(isinstance(v, str) for v in value)}[kind]
    if not ok:
        vi, en = _TYPE_WORDS[kind]
        vi_extra, en_extra = (" không âm, không có đơn vị", ", not negative, without a unit") \
            if kind in ("number", "numbers") else ("", "")
        raise ConfigError(
            f"Cấu hình {path}: khóa [{section}] {key} phải là {vi}{vi_extra}, nhận được {value!r} / "
            f"config {path}: key [{section}] {key} must be {en}{en_extra}, got {value!r}")
    return value


def _read_config(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình / config file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"HEZA_CONFIG phải chỉ tới một tệp heza.toml, không phải thư mục: {path} / "
                          f"HEZA_CONFIG must point to a heza.toml file, not a folder: {path}") from exc
    except PermissionError as exc:
        raise ConfigError(f"Không có quyền đọc tệp cấu hình / the config file cannot be read: {path}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình không phải UTF-8 / the config file is not UTF-8: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình lỗi cú pháp / config file is not valid TOML: {path}: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"Không đọc được tệp cấu hình / the config file cannot be read: {path}: "
                          f"{exc.strerror or exc}") from exc


def _refuse_unknown_keys(path: Path, data: dict) -> None:
    """A misspelt key ("smtp_hots", "require_complet") would silently take the default, and the
    operator would believe the setting applied: it is an error naming the closest known key."""
    from difflib import get_close_matches

    known = {"paths": PATH_KEYS, **{section: tuple(keys) for section, keys in DEFAULTS.items()}}
    for section, values in data.items():
        if section not in known:
            close = get_close_matches(section, known, n=1)
            hint_vi, hint_en = (f" (có phải [{close[0]}]?)", f" (did you mean [{close[0]}]?)") if close else ("", "")
            raise ConfigError(f"Cấu hình {path}: không có mục [{section}]{hint_vi}; các mục: {', '.join(known)} / "
                              f"config {path}: there is no [{section}] section{hint_en}")
        for key in values:
            if key not in known[section]:
                close = get_close_matches(key, known[section], n=1)
                hint_vi, hint_en = (f" (có phải {close[0]}?)", f" (did you mean {close[0]}?)") if close else ("", "")
                raise ConfigError(f"Cấu hình {path}: mục [{section}] không có khóa {key}{hint_vi} / "
                                  f"config {path}: section [{section}] has no key {key}{hint_en}")


def load_settings(config_file: Path | None = None) -> Settings:
    """Read heza.toml (or HEZA_CONFIG), fill defaults, apply environment overrides, check every key."""
    path = Path(config_file or os.environ.get("HEZA_CONFIG", PROJECT_ROOT / "heza.toml"))
    data = _read_config(path)
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"Cấu hình {path}: {section} phải là một mục [{section}] / "
                              f"config {path}: {section} must be a [{section}] section")
    _refuse_unknown_keys(path, data)
    merged = {}
    for section, defaults in DEFAULTS.items():
        given = data.get(section, {})
        values = {**defaults, **given}
        for key, default in defaults.items():
            kind = _kind(default)
            override = _from_environment(section, key, kind)
            values[key] = _checked(path, section, key, values[key] if override is None else override, kind)
        merged[section] = values
    paths = {}
    for key in PATH_KEYS:
        value = _from_environment("paths", key, "text") or data.get("paths", {}).get(key)
        if value is None:
            raise ConfigError(
                f"Cấu hình {path}: thiếu khóa [paths] {key} (đường dẫn không có giá trị mặc định) / "
                f"config {path}: key [paths] {key} is missing (paths have no default)")
        paths[key] = _checked(path, "paths", key, value, "text")
    base = path.resolve().parent
    paths = {name: (base / value).resolve() for name, value in paths.items()}
    schedule = merged["schedule"]
    check_timezone(schedule["timezone"], path)
    check_cron(schedule["cron"], path)
    check_correct_apply(merged["correct"]["apply"], path)
    check_reply_day(merged["letters"]["reply_by_day"], path)
    return Settings(root=base, **paths, limits=merged["limits"], tolerances=merged["tolerances"],
                    email=merged["email"], schedule=schedule, prefect=merged["prefect"],
                    publish=merged["publish"], plausibility=merged["plausibility"],
                    disclosure=merged["disclosure"], letters=merged["letters"],
                    web=merged["web"], correct=merged["correct"])


def check_reply_day(day, path: Path | str = "heza.toml") -> int:
    """A day every month has (1 to 28), so the reply date of any period exists."""
    if not isinstance(day, int) or not 1 <= day <= 28:
        raise ConfigError(
            f"Cấu hình {path}: [letters] reply_by_day phải là một số nguyên từ 1 đến 28 (ngày của tháng sau kỳ), "
            f"nhận được {day!r} / config {path}: [letters] reply_by_day must be a whole number from 1 to 28 "
            f"(a day of the month after the period), got {day!r}")
    return day


def check_correct_apply(value: str, path: Path | str = "heza.toml") -> str:
    """[correct] apply is one of CORRECT_APPLY: a misspelt grade must not silently correct nothing (or more)."""
    if value not in CORRECT_APPLY:
        allowed = ", ".join(f'"{v}"' for v in CORRECT_APPLY)
        raise ConfigError(
            f"Cấu hình {path}: [correct] apply phải là một trong {allowed}, nhận được {value!r} / "
            f"config {path}: [correct] apply must be one of {allowed}, got {value!r}")
    return value


def check_timezone(name: str, path: Path | str = "heza.toml") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"Cấu hình {path}: [schedule] timezone {name!r} không phải múi giờ IANA (ví dụ Asia/Ho_Chi_Minh) / "
            f"config {path}: [schedule] timezone {name!r} is not an IANA time zone (e.g. Asia/Ho_Chi_Minh)") from exc


_CRON_FIELDS = (("phút", "minute", 0, 59), ("giờ", "hour", 0, 23), ("ngày", "day of month", 1, 31),
                ("tháng", "month", 1, 12), ("thứ", "day of week", 0, 7))
_CRON_NAMES = {3: "jan feb mar apr may jun jul aug sep oct nov dec".split(),
               4: "sun mon tue wed thu fri sat".split()}
_CRON_ITEM = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(\d+))?$")


def _cron_value(text: str, index: int) -> int | None:
    if text.isdigit():
        return int(text)
    names = _CRON_NAMES.get(index, [])
    return names.index(text) + (1 if index == 3 else 0) if text in names else None


def check_cron(expression: str, path: Path | str = "heza.toml") -> str:
    """Five fields (minute hour day month weekday), each a list of *, N, N-M, with /step: what
    Prefect's Cron accepts for a monthly run. Anything else is a ConfigError naming the field."""
    fields = expression.lower().split()
    problem = None
    if len(fields) != 5:
        problem = (f"cần 5 trường, có {len(fields)}", f"5 fields are needed, got {len(fields)}")
    else:
        for index, (text, (vi, en, low, high)) in enumerate(zip(fields, _CRON_FIELDS)):
            for item in text.split(","):
                match = _CRON_ITEM.match(item)
                bounds = [] if not match or match.group(1) == "*" else match.group(1).split("-")
                values = [_cron_value(b, index) for b in bounds]
                if not match or None in values or any(not low <= v <= high for v in values) \
                        or (match.group(2) is not None and int(match.group(2)) == 0):
                    problem = (f"trường {vi} {text!r} không hợp lệ ({low}-{high})",
                               f"the {en} field {text!r} is not valid ({low}-{high})")
                    break
            if problem:
                break
    if problem:
        raise ConfigError(
            f"Cấu hình {path}: [schedule] cron {expression!r}: {problem[0]} / "
            f"config {path}: [schedule] cron {expression!r}: {problem[1]}")
    return expression


def check_period(text: str) -> str:
    """Return a YYYY-MM period, or raise ConfigError: the period names a folder, so no '..' gets in."""
    if not isinstance(text, str) or not PERIOD_PATTERN.match(text):
        raise ConfigError(
            f"Kỳ báo cáo phải có dạng YYYY-MM (ví dụ 2024-02), nhận được {text!r} / "
            f"the period must look like YYYY-MM (e.g. 2024-02), got {text!r}"
        )
    return text


def previous_period(period: str) -> str:
    year, month = (int(part) for part in check_period(period).split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def default_period(timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """The month before today in Hai Phong: the month a run on the 5th reports on."""
    today = datetime.now(check_timezone(timezone))
    return previous_period(f"{today.year}-{today.month:02d}")
