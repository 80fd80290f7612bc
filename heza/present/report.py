"""What people read about a run: report.html (Vietnamese by default), its plain-text twin for
e-mail, a markdown summary for Prefect, and the charts they embed.

Everything is built from report.json's content, so the JSON and the page never disagree.
"""

from __future__ import annotations

import base64
import io
import math
from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from heza.claims import in_claim_scale
from heza.ledger import KIND_WORDS
from heza.numbers import format_number

TEMPLATES = Path(__file__).with_name("templates")
FIRST_ROWS = 8

STATUS_WORDS = {
    "published": ("Đã công bố", "Published"),
    "published_with_errors": ("Đã công bố, một số dòng bị giữ lại", "Published, some rows held back"),
    "not_published": ("Không công bố", "Not published"),
}
CLAIM_STATUS_WORDS = {
    "pass": ("Khớp dữ liệu", "Matches data"), "fail": ("Sai", "Wrong"),
    "consistent": ("Khớp số liệu khác", "Consistent"), "not_checkable": ("Chưa kiểm được", "Not checkable"),
}
CLAIM_ORDER = {"fail": 0, "not_checkable": 1, "consistent": 2, "pass": 3}
SEVERITY_WORDS = {"error": ("Lỗi", "Error"), "warning": ("Cảnh báo", "Warning"), "critical": ("Nghiêm trọng", "Critical")}
TEXT = {
    "vi": {
        "authority": "Ban Quản lý Khu kinh tế Hải Phòng", "title": "Kiểm tra dữ liệu tháng",
        "claims": "Số liệu dự kiến công bố",
        "claims_help": "Mỗi số liệu được tính lại từ dữ liệu đã kiểm tra; khoảng chấp nhận suy ra từ cách viết "
                       "(7,5% nghĩa là 7,45–7,55%; “hơn”, “xấp xỉ” theo quy ước).",
        "claims_head": ["Chỉ tiêu", "Công bố", "Tính lại", "Khoảng chấp nhận", "Kết quả", "Định nghĩa đã dùng"],
        "counts": "Số dòng theo bảng", "counts_head": ["Bảng", "Đọc", "Công bố", "Giữ lại"],
        "findings": "Các dòng cần sửa", "findings_head": ["Tệp", "Trang", "Dòng", "Ô", "Cột", "Giá trị"],
        "no_findings": "Không có phát hiện nào.", "times": "lần", "more_rows": "dòng nữa trong report.json",
        "suggested": "Gợi ý", "completeness": "Khu chưa báo cáo",
        "missing_help": "Các khu đang hoạt động trong kỳ nhưng chưa có báo cáo được công bố:",
        "all_reported": "Tất cả các khu đang hoạt động đã báo cáo.", "files": "Tệp và trang không đọc",
        "where": "Kết quả công bố", "run": "Lần chạy", "rate": "Tỷ giá tham chiếu",
        "chart_zones": "Số phát hiện theo khu", "chart_claims": "Số công bố so với số tính lại",
        "boxes": ["Lỗi", "Cảnh báo", "Số liệu sai", "Khu chưa báo cáo"],
        "publishable": "Có thể công bố", "not_publishable": "Không thể công bố",
        "held_back": "{n} dòng bị giữ lại do lỗi; các dòng còn lại đã được công bố.",
        "clean": "Mọi dòng đều đạt; đã công bố.", "claims_failed": "{n} số liệu dự kiến công bố bị sai.",
        "nothing": "Không có gì được công bố; bản công bố trước (nếu có) giữ nguyên.",
        "ledger": "Mọi dòng trong tệp nộp", "ledger_head": ["Tệp", "Trang", "Dòng", "Loại", "Nội dung", "Lý do"],
        "ledger_line": "{seen} dòng có nội dung = {published} công bố + {quarantined} giữ lại + {figures} số liệu "
                       "dự kiến công bố + {non_data} dòng không phải dữ liệu (liệt kê dưới đây)",
        "ledger_broken": "Sổ dòng KHÔNG cân: có dòng không được tính; không công bố.",
        "rows_word": "dòng",
    },
    "en": {
        "authority": "Hai Phong Economic Zone Authority", "title": "Data validation, month",
        "claims": "Figures to be published",
        "claims_help": "Each figure is recomputed from the checked data; the accepted interval follows from how it "
                       "is written (7.5% means 7.45–7.55%; “over”, “about” by convention).",
        "claims_head": ["Indicator", "Reported", "Recomputed", "Accepted", "Result", "Definition used"],
        "counts": "Rows per table", "counts_head": ["Table", "Read", "Published", "Quarantined"],
        "findings": "Rows to fix", "findings_head": ["File", "Sheet", "Row", "Cell", "Column", "Value"],
        "no_findings": "No findings.", "times": "times", "more_rows": "more rows in report.json",
        "suggested": "Suggested", "completeness": "Zones that did not report",
        "missing_help": "Zones active in the period without a published report:",
        "all_reported": "Every active zone reported.", "files": "Files and sheets not read",
        "where": "Published output", "run": "Run", "rate": "Reference rate",
        "chart_zones": "Findings per zone", "chart_claims": "Reported against recomputed",
        "boxes": ["Errors", "Warnings", "Wrong figures", "Zones missing"],
        "publishable": "Publishable", "not_publishable": "Not publishable",
        "held_back": "{n} rows held back for errors; the rest is published.",
        "clean": "Every row passed; published.", "claims_failed": "{n} figures to be published are wrong.",
        "nothing": "Nothing was published; the previous publication (if any) stands.",
        "ledger": "Every row of the submitted files", "ledger_head": ["File", "Sheet", "Row", "Kind", "Text", "Why"],
        "ledger_line": "{seen} rows with content = {published} published + {quarantined} held back + {figures} "
                       "release figures + {non_data} non-data rows (listed below)",
        "ledger_broken": "The row ledger does NOT balance: some rows are unaccounted for; nothing published.",
        "rows_word": "rows",
    },
}


def _pick(lang: str, pair) -> str:
    return pair[1] if lang == "en" else pair[0]


def period_label(period: str) -> str:
    return f"{period[5:]}/{period[:4]}"


def held_back(report: dict) -> int:
    return sum(c["rows_quarantined"] for c in report["counts"].values())


def failed_claims(report: dict) -> int:
    return sum(1 for c in report["claims"] if c["status"] == "fail")


# -- charts ----------------------------------------------------------------------------------------

MAX_BARS = 25  # a chart shows this many bars at most; the rest are summed as "khác / other"
MAX_LABEL = 40  # characters of a label shown on a chart


def _pyplot():
    """pyplot with our text never read as markup: no mathtext ($...$), no TeX."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.usetex"] = False
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib import pyplot

    return pyplot


def chart_label(text) -> str:
    """A submitted name as a chart label: one line, at most MAX_LABEL characters, shown literally."""
    label = " ".join(str(text).split())
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def chart_findings_per_zone(report: dict, lang: str) -> bytes | None:
    """Stacked bars: errors and warnings per zone (or file, where no zone is known); the
    MAX_BARS places with the most findings, the others summed in one bar."""
    counts: dict = {}
    for item in report["findings"]:
        if item["rule"] == "PERIOD_ZONE_MISSING":
            continue
        where = item.get("zone") or item.get("source_file") or "–"
        counts.setdefault(where, Counter())[item["severity"]] += 1
    if not counts:
        return None
    pyplot = _pyplot()

    ranked = sorted(counts, key=lambda k: (-counts[k]["error"], -counts[k]["warning"], str(k)))
    if len(ranked) > MAX_BARS:
        other = Counter()
        for name in ranked[MAX_BARS - 1:]:
            other.update(counts[name])
        rest = len(ranked) - MAX_BARS + 1
        shown = {chart_label(name): counts[name] for name in ranked[:MAX_BARS - 1]}
        shown[_pick(lang, (f"khác ({rest})", f"other ({rest})"))] = other
    else:
        shown = {}
        for name in ranked:
            label = chart_label(name)
            while label in shown:  # two long names cut to the same label stay two bars
                label += " "
            shown[label] = counts[name]
    names = list(reversed(shown))
    errors = [shown[n]["error"] for n in names]
    warnings = [shown[n]["warning"] for n in names]
    figure, axis = pyplot.subplots(figsize=(8, 0.32 * len(names) + 1.2))
    axis.barh(range(len(names)), errors, color="#c53030", label=_pick(lang, SEVERITY_WORDS["error"]))
    axis.barh(range(len(names)), warnings, left=errors, color="#d69e2e", label=_pick(lang, SEVERITY_WORDS["warning"]))
    axis.set_yticks(range(len(names)), names)
    axis.set_title(TEXT[lang]["chart_zones"], loc="left", fontsize=11)
    axis.legend(loc="lower right", fontsize=9, frameon=False)
    axis.spines[["top", "right"]].set_visible(False)
    axis.xaxis.get_major_locator().set_params(integer=True)
    data = _png(figure)
    pyplot.close(figure)
    return data


def chart_claims(report: dict, lang: str) -> bytes | None:
    """Each recomputable claim: its accepted interval and the recomputed figure, as % of the reported."""
    rows = [c for c in report["claims"] if c.get("recomputed") is not None and c.get("reported_value")]
    if not rows:
        return None
    rows = sorted(rows, key=lambda c: c["status"] != "fail")[:MAX_BARS]  # wrong figures first
    pyplot = _pyplot()

    figure, axis = pyplot.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    for position, claim in enumerate(rows):
        base = claim["reported_value"]
        low = 100 * ((claim["lower"] if claim["lower"] is not None else -math.inf) / base - 1)
        high = 100 * ((claim["upper"] if claim["upper"] is not None else math.inf) / base - 1)
        low, high = max(low, -12), min(high, 12)
        axis.plot([low, high], [position, position], color="#9aa5b1", linewidth=6, solid_capstyle="butt")
        value = max(min(100 * (claim["recomputed"] / base - 1), 12), -12)
        axis.plot(value, position, "o", color="#c53030" if claim["status"] == "fail" else "#2f855a")
    axis.axvline(0, color="#52606d", linewidth=0.8)
    axis.set_yticks(range(len(rows)), [chart_label(c["indicator"]) for c in rows], fontsize=8)
    axis.set_xlabel("% " + _pick(lang, ("so với số công bố", "against the reported figure")), fontsize=9)
    axis.set_title(TEXT[lang]["chart_claims"], loc="left", fontsize=11)
    axis.spines[["top", "right"]].set_visible(False)
    data = _png(figure)
    pyplot.close(figure)
    return data


def charts(report: dict, lang: str) -> dict:
    """{name: PNG bytes} for the charts this report has."""
    made = {"zones": chart_findings_per_zone(report, lang), "claims": chart_claims(report, lang)}
    return {name: data for name, data in made.items() if data}


# -- the page --------------------------------------------------------------------------------------

def _claim_view(claim: dict, lang: str) -> dict:
    shape = {"scale": claim.get("scale") or 1.0, "unit": claim.get("unit"), "decimals": claim.get("decimals") or 0,
             "qualifier": claim.get("qualifier")}
    definition = claim.get(f"definition_short_{lang}") or claim.get(f"definition_{lang}") or ""
    label, _, formula = definition.partition(": ")
    lower = "−∞" if claim["lower"] is None else in_claim_scale(claim["lower"], shape, lang, bound=True)
    upper = "∞" if claim["upper"] is None else in_claim_scale(claim["upper"], shape, lang, bound=True)
    return {
        "indicator": claim["indicator"], "scope": claim["scope"], "label": label or claim["indicator"],
        "reported": claim["reported"], "recomputed": in_claim_scale(claim["recomputed"], shape, lang),
        "interval": f"{lower} … {upper}" if claim["reported_value"] is not None else "–",
        "status": claim["status"], "status_label": _pick(lang, CLAIM_STATUS_WORDS[claim["status"]]),
        "definition": formula or definition, "implied": claim.get(f"implied_{lang}"),
    }


def _rule_views(report: dict, lang: str) -> list:
    grouped: dict = {}
    for item in report["findings"]:
        grouped.setdefault((item["severity"], item["rule"]), []).append(item)
    views = []
    for (severity, rule), items in sorted(grouped.items(), key=lambda kv: ({"error": 0, "warning": 1}.get(kv[0][0], 2),
                                                                           -len(kv[1]), kv[0][1])):
        message = items[0]["message_en" if lang == "en" else "message_vi"]
        views.append({
            "rule": rule, "severity": severity, "severity_label": _pick(lang, SEVERITY_WORDS[severity]),
            "message": message.split(": ")[0], "count": format_number(len(items), lang),
            "rows": [{"file": i["source_file"] or "", "sheet": i["source_sheet"] or "", "row": i["source_row"] or "",
                      "cell": i["cell"] or "", "column": i["column"] or "",
                      "value": _finding_value(i, lang), "suggested": i.get("suggested")}
                     for i in items[:FIRST_ROWS]],
            "more": format_number(len(items) - FIRST_ROWS, lang) if len(items) > FIRST_ROWS else None,
        })
    return views


def _finding_value(item: dict, lang: str) -> str:
    """The value, plus what the message adds after its rule sentence (the numbers)."""
    message = item["message_en" if lang == "en" else "message_vi"]
    _, _, detail = message.partition(": ")
    value = item["value"] or ""
    return f"{value} — {detail}" if detail and value else (detail or value)


def banner(report: dict, lang: str) -> dict:
    t = TEXT[lang]
    if report["status"] == "not_published":
        return {"headline": t["not_publishable"], "detail": t["nothing"], "color": "#c53030", "background": "#fff5f5"}
    details = []
    if held_back(report):
        details.append(t["held_back"].format(n=format_number(held_back(report), lang)))
    if failed_claims(report):
        details.append(t["claims_failed"].format(n=format_number(failed_claims(report), lang)))
    if not details:
        return {"headline": t["publishable"], "detail": t["clean"], "color": "#2f855a", "background": "#f0fff4"}
    return {"headline": t["publishable"], "detail": " ".join(details), "color": "#b7791f", "background": "#fffaf0"}


_LEDGER_ORDER = {"hidden": 0, "sheet_not_read": 1, "total": 2, "subheading": 3, "note": 4, "title": 5, "header": 6}


def ledger_view(report: dict, lang: str) -> dict:
    """The source ledger for people: the balance in one sentence, then every non-data row, the ones
    that could hide data (hidden rows, sheets not read, totals) first."""
    ledger = report.get("ledger") or {}
    if not ledger:
        return {}
    n = (lambda v: format_number(v, lang))
    line = TEXT[lang]["ledger_line"].format(
        seen=n(ledger["rows_with_content"]), published=n(ledger["published"]), quarantined=n(ledger["quarantined"]),
        figures=n(ledger["release_figures"]), non_data=n(ledger["non_data_rows"]))
    entries = sorted(ledger["non_data"], key=lambda e: (_LEDGER_ORDER.get(e["kind"], 9), e["file"], e["sheet"],
                                                         e["row"] or 0))
    rows = [{"file": e["file"], "sheet": e["sheet"],
             "row": n(e["row"]) if e["row"] else f"{n(e.get('rows', 0))} {TEXT[lang]['rows_word']}",
             "kind": _pick(lang, KIND_WORDS[e["kind"]]), "text": e["text"],
             "reason": e["reason_en" if lang == "en" else "reason_vi"]} for e in entries]
    return {"line": line, "balanced": ledger["balanced"], "rows": rows}


def render_html(report: dict, folder, lang: str = "vi", images: dict | None = None) -> str:
    """report.html; `images` maps chart names to the src to use (data: URI in the file, cid: in mail)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    t = TEXT[lang]
    missing = [f"{i['value']}: {i['message_en' if lang == 'en' else 'message_vi'].partition(': ')[2]}"
               for i in report["findings"] if i["rule"] == "PERIOD_ZONE_MISSING"]
    boxes = [(report["summary"]["error"], "#c53030"), (report["summary"]["warning"], "#b7791f"),
             (failed_claims(report), "#c53030"), (len(missing), "#52606d")]
    return environment.get_template("report.html.j2").render(
        lang=lang, t=t, period_label=period_label(report["period"]), banner=banner(report, lang),
        critical=[reason[lang] for reason in report["critical"]],
        boxes=[{"value": format_number(v, lang), "label": label, "color": color if v else "#2f855a"}
               for (v, color), label in zip(boxes, t["boxes"])],
        filters=report.get("filters", {}),
        claims=[_claim_view(c, lang) for c in sorted(report["claims"], key=lambda c: CLAIM_ORDER[c["status"]])],
        counts=[{"table": name, "read": format_number(c["rows_read"], lang),
                 "published": format_number(c["rows_published"], lang),
                 "quarantined": format_number(c["rows_quarantined"], lang)} for name, c in report["counts"].items()],
        rules=[r for r in _rule_views(report, lang) if r["rule"] != "PERIOD_ZONE_MISSING"],
        missing=missing,
        unreadable=[{"file": f["file"], "message": f["error"]["message_en" if lang == "en" else "message_vi"]}
                    for f in report["files"] if f["error"]],
        skipped=[{"file": s["file"], "sheet": s["sheet"], "reason": s["reason_en" if lang == "en" else "reason_vi"]}
                 for s in report["skipped"]],
        charts=images or {}, folder=str(folder), run_id=report["run_id"], ledger=ledger_view(report, lang),
        rate=(f"{format_number(report['exchange_rate']['vnd_per_usd'], lang)} VND/USD "
              f"({report['exchange_rate']['source']})") if report["exchange_rate"]["vnd_per_usd"] else "–",
    )


def data_uris(pngs: dict) -> dict:
    return {name: "data:image/png;base64," + base64.b64encode(data).decode("ascii") for name, data in pngs.items()}


def render_text(report: dict, folder, lang: str = "vi") -> str:
    """The plain-text alternative of the e-mail: status, counts, failed claims, rules."""
    t = TEXT[lang]
    head = banner(report, lang)
    lines = [f"{t['title']} {period_label(report['period'])}: {head['headline']}", head["detail"], ""]
    lines += [f"! {reason[lang]}" for reason in report["critical"]]
    for name, c in report["counts"].items():
        lines.append(f"{name}: {t['counts_head'][1].lower()} {format_number(c['rows_read'], lang)}, "
                     f"{t['counts_head'][2].lower()} {format_number(c['rows_published'], lang)}, "
                     f"{t['counts_head'][3].lower()} {format_number(c['rows_quarantined'], lang)}")
    ledger = ledger_view(report, lang)
    if ledger:
        lines.append(ledger["line"] if ledger["balanced"] else t["ledger_broken"])
    wrong = [c for c in report["claims"] if c["status"] == "fail"]
    if wrong:
        lines += ["", t["claims"] + ":"]
        lines += [f"- {view['label']}: {view['reported']} → {view['recomputed']} ({view['status_label']})"
                  for view in (_claim_view(c, lang) for c in wrong)]
    lines += ["", t["findings"] + ":"]
    lines += [f"- [{r['severity_label']}] {r['rule']} ({r['count']}): {r['message']}" for r in _rule_views(report, lang)]
    lines += ["", f"{t['where']}: {folder}"]
    return "\n".join(lines) + "\n"


def summary_markdown(report: dict, folder: Path, lang: str = "vi") -> str:
    """Status, counts per table, findings per rule: what staff need in one screen (Prefect artifact)."""
    n = (lambda v: format_number(v, lang))
    lines = [f"# HEZA {report['period']}: {_pick(lang, STATUS_WORDS[report['status']])}", ""]
    for reason in report["critical"]:
        lines.append(f"- **{reason[lang]}**")
    lines += ["", _pick(lang, ("| Bảng | Đọc | Công bố | Giữ lại |", "| Table | Read | Published | Quarantined |")),
              "|---|---:|---:|---:|"]
    for table, counts in report["counts"].items():
        lines.append(f"| {table} | {n(counts['rows_read'])} | {n(counts['rows_published'])} | "
                     f"{n(counts['rows_quarantined'])} |")
    lines += ["", _pick(lang, ("| Mức | Quy tắc | Số lần | Nội dung |", "| Severity | Rule | Count | Message |")),
              "|---|---|---:|---|"]
    for view in _rule_views(report, lang):
        lines.append(f"| {view['severity']} | {view['rule']} | {view['count']} | {view['message']} |")
    lines += ["", f"{_pick(lang, ('Thư mục kết quả', 'Output folder'))}: `{folder}`"]
    return "\n".join(lines) + "\n"


def write_report_html(report: dict, folder: Path, shown_folder, lang: str = "vi") -> dict:
    """Write report.html (charts inline as data: URIs) and the charts as charts/<name>.png, which the
    e-mail reuses; returns the charts' PNG bytes."""
    pngs = charts(report, lang)
    (Path(folder) / "report.html").write_text(render_html(report, shown_folder, lang, data_uris(pngs)),
                                              encoding="utf-8")
    if pngs:
        (Path(folder) / "charts").mkdir(exist_ok=True)
        for name, data in pngs.items():
            (Path(folder) / "charts" / f"{name}.png").write_bytes(data)
    return pngs


def saved_charts(folder: Path) -> dict:
    """The charts a publication wrote (charts/<name>.png), by name."""
    return {path.stem: path.read_bytes() for path in sorted((Path(folder) / "charts").glob("*.png"))}
