"""What people read about a run: a short summary (Prefect artifact, console) in Vietnamese or English."""

from __future__ import annotations

from pathlib import Path

from heza.numbers import format_number

STATUS_WORDS = {
    "published": ("Đã công bố", "Published"),
    "published_with_errors": ("Đã công bố, một số dòng bị giữ lại", "Published, some rows held back"),
    "not_published": ("Không công bố", "Not published"),
}


def _pick(lang: str, pair) -> str:
    return pair[1] if lang == "en" else pair[0]


def summary_markdown(report: dict, folder: Path, lang: str = "vi") -> str:
    """Status, counts per table, findings per rule: what staff need in one screen."""
    n = (lambda v: format_number(v, lang))
    lines = [f"# HEZA {report['period']}: {_pick(lang, STATUS_WORDS[report['status']])}", ""]
    for reason in report["critical"]:
        lines.append(f"- **{reason[lang]}**")
    lines += ["", _pick(lang, ("| Bảng | Đọc | Công bố | Giữ lại |", "| Table | Read | Published | Quarantined |")),
              "|---|---:|---:|---:|"]
    for table, counts in report["counts"].items():
        lines.append(f"| {table} | {n(counts['rows_read'])} | {n(counts['rows_published'])} | "
                     f"{n(counts['rows_quarantined'])} |")
    by_rule: dict = {}
    for item in report["findings"]:
        key = (item["severity"], item["rule"])
        by_rule.setdefault(key, [0, item["message_en" if lang == "en" else "message_vi"]])[0] += 1
    lines += ["", _pick(lang, ("| Mức | Quy tắc | Số lần | Nội dung |", "| Severity | Rule | Count | Message |")),
              "|---|---|---:|---|"]
    for (severity, rule), (count, message) in sorted(by_rule.items()):
        lines.append(f"| {severity} | {rule} | {n(count)} | {message.split(': ')[0]} |")
    lines += ["", f"{_pick(lang, ('Thư mục kết quả', 'Output folder'))}: `{folder}`"]
    return "\n".join(lines) + "\n"
