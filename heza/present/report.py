"""What people read about a run: report.html (Vietnamese by default), its plain-text twin for
e-mail, a markdown summary for Prefect; the charts they embed are drawn by heza/present/charts.py,
their words come from heza/present/words.py.

Everything is built from report.json's content, so the JSON and the page never disagree.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from heza.assess.claim_text import in_claim_scale
from heza.ingest.numbers import format_number
from heza.present.calls import call_lines, call_views
from heza.present.charts import charts
from heza.present.finding_text import also_words, column_words, report_headers, subject_words, value_words
from heza.present.rule_summary import rule_summary_lines, rule_summary_view
from heza.present.words import (
    CLAIM_STATUS_WORDS, COUNT_WORDS, KIND_WORDS, OUTPUT_FOLDER, RULE_TABLE_HEAD, SEVERITY_WORDS, UNREADABLE_FILE,
    column_label, count_line, field, in_lang, pick, report_headline, report_text, suggestion, table_head, table_label,
    tally_line, ZONE_LETTER_STATUS, ZONE_LETTERS_TITLE,
)

TEMPLATES = Path(__file__).with_name("templates")
FIRST_ROWS = 8

_BREAK_AFTER = re.compile(r"([_;=…]|,(?!\d))")  # never inside a figure: 13,475 stays whole


def breakable(text) -> Markup:
    """Long identifiers (file names, lists of columns, value lists) with a line-break opportunity
    (<wbr>) after each _ ; = … and each comma that is not a decimal one, so that narrow columns
    wrap them there and not mid-word; the text people copy is unchanged."""
    parts = _BREAK_AFTER.split("" if text is None else str(text))  # text, mark, text, mark, …, text
    return Markup("".join(str(escape(part)) + ("<wbr>" if i % 2 else "") for i, part in enumerate(parts)))


CLAIM_ORDER = {"fail": 0, "not_checkable": 1, "consistent": 2, "pass": 3}


def period_label(period: str) -> str:
    return f"{period[5:]}/{period[:4]}"


def held_back(report: dict) -> int:
    return sum(c["rows_quarantined"] for c in report["counts"].values())


def failed_claims(report: dict) -> int:
    return sum(1 for c in report["claims"] if c["status"] == "fail")


# -- the page --------------------------------------------------------------------------------------

def _claim_view(claim: dict, lang: str) -> dict:
    shape = {"scale": claim.get("scale") or 1.0, "unit": claim.get("unit"), "decimals": claim.get("decimals") or 0,
             "qualifier": claim.get("qualifier")}
    lower = "−∞" if claim["lower"] is None else in_claim_scale(claim["lower"], shape, lang, bound=True)
    upper = "∞" if claim["upper"] is None else in_claim_scale(claim["upper"], shape, lang, bound=True)
    return {
        "indicator": claim["indicator"], "scope": claim["scope"], "label": claim.get(field("label", lang)) or "",
        "reported": claim["reported"], "recomputed": in_claim_scale(claim["recomputed"], shape, lang),
        "interval": f"{lower} … {upper}" if claim["reported_value"] is not None else "–",
        "status": claim["status"], "status_label": pick(lang, CLAIM_STATUS_WORDS[claim["status"]]),
        "definition": claim.get(field("sentence", lang)) or "", "implied": claim.get(field("implied", lang)),
    }


def _row_key(item: dict) -> tuple:
    return item["table"], item["source_file"], item["source_sheet"], item["source_row"]


def _folded(findings: list) -> tuple[list, dict]:
    """(findings to list, warnings by row): a warning on a row held back (or a wrong figure) is said
    in that row's entry, not listed again on its own."""
    failing = {_row_key(i) for i in findings if i["severity"] != "warning" and i["source_row"] is not None}
    folded: dict = {}
    for item in findings:
        if item["severity"] == "warning" and _row_key(item) in failing:
            folded.setdefault(_row_key(item), []).append(item)
    return [i for i in findings if not (i["severity"] == "warning" and _row_key(i) in failing)], folded


def _row_view(item: dict, headers: dict, folded: dict, lang: str) -> dict:
    """One finding's line: where, whose, which column (the submitter's header), the value in words."""
    also = [f"{i[field('message', lang)]} ({value_words(i, headers, lang)})" for i in folded.pop(_row_key(item), [])]
    return {"file": item["source_file"] or "", "sheet": item["source_sheet"] or "", "row": item["source_row"] or "",
            "cell": item["cell"] or "", "column": column_words(item, headers, lang),
            "subject": subject_words(item, lang), "value": _finding_value(item, headers, lang),
            "also": also_words(item, lang), "same_row": also,
            "suggested": suggestion(item.get("suggested"), item.get(field("reason", lang)))}


def _rule_views(report: dict, lang: str) -> list:
    headers = report_headers(report)
    listed, folded = _folded(report["findings"])
    grouped: dict = {}
    for item in listed:
        grouped.setdefault((item["severity"], item["rule"]), []).append(item)
    views = []
    for (severity, rule), items in sorted(grouped.items(), key=lambda kv: ({"error": 0, "warning": 1}.get(kv[0][0], 2),
                                                                           -len(kv[1]), kv[0][1])):
        message = items[0][field("message", lang)]
        views.append({
            "rule": rule, "severity": severity, "severity_label": pick(lang, SEVERITY_WORDS[severity]),
            "message": message.split(": ")[0], "count": format_number(len(items), lang),
            "rows": [_row_view(i, headers, folded, lang) for i in items[:FIRST_ROWS]],
            "more": format_number(len(items) - FIRST_ROWS, lang) if len(items) > FIRST_ROWS else None,
        })
    return views


def _finding_value(item: dict, headers: dict, lang: str) -> str:
    """The value in words, plus what the message adds after its rule sentence (the numbers)."""
    message = item[field("message", lang)]
    _, _, detail = message.partition(": ")
    value = value_words(item, headers, lang)
    return f"{value} — {detail}" if detail and value else (detail or value)


RED, AMBER, GREEN = ("#c53030", "#fff5f5"), ("#b7791f", "#fffaf0"), ("#2f855a", "#f0fff4")


def unreadable_files(report: dict, lang: str) -> list:
    """'Không đọc được tệp doanh_nghiep_DOSON_2024-02.xlsx: …' for each file that could not be read:
    shown under the headline, since its rows are missing from every total."""
    return [pick(lang, UNREADABLE_FILE).format(file=f["file"], message=f["error"][field("message", lang)])
            for f in report["files"] if f["error"]]


def banner(report: dict, lang: str) -> dict:
    """The headline (the run status in words, as the command and the e-mail subject say it), what
    it means, and its colour: red when nothing or not everything was published, or a figure is wrong."""
    t = report_text(lang)
    headline = report_headline(report, lang)
    status = report["status"]
    if status == "not_published":
        color = RED
        details = [t["nothing"]]
    else:
        details = [t["incomplete"]] if status == "published_incomplete" else []
        if held_back(report):
            details.append(t["held_back"].format(n=format_number(held_back(report), lang)))
        corrected = report["tally"].get("rows_corrected", 0)
        if corrected:
            details.append(t["corrected"].format(n=format_number(corrected, lang)))
        if failed_claims(report):
            details.append(t["claims_failed"].format(n=format_number(failed_claims(report), lang)))
        if not details:
            details.append(t["clean"])
        color = RED if status == "published_incomplete" or failed_claims(report) \
            else AMBER if status == "published_with_errors" else GREEN
    return {"headline": headline, "detail": " ".join(details), "color": color[0], "background": color[1],
            "files": unreadable_files(report, lang)}


_LEDGER_ORDER = {"hidden": 0, "sheet_not_read": 1, "total": 2, "subheading": 3, "note": 4, "title": 5, "header": 6}


def zones_held_lines(report: dict, lang: str) -> list:
    """One line per zone whose published sums are short of its report by rows held back."""
    words, n = report_text(lang), lambda value: "–" if value is None else format_number(value, lang)
    lines = []
    for zone in report.get("held_back_by_zone", []):
        line = words["zone_held_line"].format(
            zone=zone["zone_name"], reported=n(zone["reported"]), submitted=n(zone["submitted"]),
            published=n(zone["published"]), held=n(zone["submitted"] - zone["published"]))
        if zone["not_compared"]:
            columns = ", ".join(column_label(c, lang).lower() for c in zone["not_compared"])
            line += words["zone_held_unchecked"].format(columns=columns)
        lines.append(line)
    return lines


def ledger_view(report: dict, lang: str) -> dict:
    """The source ledger for people: the balance in one sentence, then every non-data row, the ones
    that could hide data (hidden rows, sheets not read, totals) first."""
    ledger = report.get("ledger") or {}
    if not ledger:
        return {}
    n = (lambda v: format_number(v, lang))
    line = report_text(lang)["ledger_line"].format(
        seen=n(ledger["rows_with_content"]), published=n(ledger["published"]), quarantined=n(ledger["quarantined"]),
        figures=n(ledger["release_figures"]), non_data=n(ledger["non_data_rows"]))
    entries = sorted(ledger["non_data"], key=lambda e: (_LEDGER_ORDER.get(e["kind"], 9), e["file"], e["sheet"],
                                                         e["row"] or 0))
    rows = [{"file": e["file"], "sheet": e["sheet"],
             "row": n(e["row"]) if e["row"] else f"{n(e.get('rows', 0))} {report_text(lang)['rows_word']}",
             "kind": pick(lang, KIND_WORDS[e["kind"]]), "text": e["text"],
             "reason": e[field("reason", lang)]} for e in entries]
    return {"line": line, "balanced": ledger["balanced"], "rows": rows}


def render_html(report: dict, folder, lang: str = "vi", images: dict | None = None) -> str:
    """report.html; `images` maps chart names to the src to use (data: URI in the file, cid: in mail)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    environment.filters["breakable"] = breakable
    t = report_text(lang)
    missing = [f"{i['value']}: {i[field('message', lang)].partition(': ')[2]}"
               for i in report["findings"] if i["rule"] == "PERIOD_ZONE_MISSING"]
    listed = {i["value"] for i in report["findings"] if i["rule"] == "PERIOD_ZONE_MISSING"}
    missing += [f"{z['zone_code']}: {z['zone_name']} ({t['no_rows']})" for z in report.get("missing_zones", [])
                if z["zone_code"] not in listed]
    no_rows = len(report.get("missing_zones", []))
    counted = report["tally"]
    boxes = [(counted["rows_held_back"], "#c53030"), (counted["figures_wrong"], "#c53030"),
             (counted["rows_with_warnings"], "#b7791f"), (len(missing), "#c53030" if no_rows else "#52606d")]
    return environment.get_template("report.html.j2").render(
        lang=lang, t=t, period_label=period_label(report["period"]), banner=banner(report, lang),
        critical=[in_lang(reason, lang) for reason in report["critical"]],
        boxes=[{"value": format_number(v, lang), "label": label, "color": color if v else "#2f855a"}
               for (v, color), label in zip(boxes, t["boxes"])],
        calls=call_views(report, lang),
        claims=[_claim_view(c, lang) for c in sorted(report["claims"], key=lambda c: CLAIM_ORDER[c["status"]])],
        counts=[{"table": table_label(name, lang), "read": format_number(c["rows_read"], lang),
                 "published": format_number(c["rows_published"], lang),
                 "quarantined": format_number(c["rows_quarantined"], lang)} for name, c in report["counts"].items()],
        rules=[r for r in _rule_views(report, lang) if r["rule"] != "PERIOD_ZONE_MISSING"],
        missing=missing, zones_held=zones_held_lines(report, lang),
        unreadable=[{"file": f["file"], "message": f["error"][field("message", lang)]}
                    for f in report["files"] if f["error"]],
        skipped=[{"file": s["file"], "sheet": s["sheet"], "reason": s[field("reason", lang)]}
                 for s in report["skipped"]],
        charts=images or {}, folder=str(folder), run_id=report["run_id"], ledger=ledger_view(report, lang),
        rule_summary=rule_summary_view(report, lang),
        letters_title=pick(lang, ZONE_LETTERS_TITLE), letters=letters_lines(report.get("letters") or [], lang),
        rate=(f"{format_number(report['exchange_rate']['vnd_per_usd'], lang)} VND/USD "
              f"({report['exchange_rate']['source']})") if report["exchange_rate"]["vnd_per_usd"] else "–",
    )


def data_uris(pngs: dict) -> dict:
    return {name: "data:image/png;base64," + base64.b64encode(data).decode("ascii") for name, data in pngs.items()}


def render_text(report: dict, folder, lang: str = "vi") -> str:
    """The plain-text alternative of the e-mail: status, counts, failed claims, rules."""
    t = report_text(lang)
    head = banner(report, lang)
    lines = [f"{t['title']} {period_label(report['period'])}: {head['headline']}", head["detail"],
             tally_line(lang, report["tally"]), *[f"! {line}" for line in head["files"]], ""]
    lines += [f"! {in_lang(reason, lang)}" for reason in report["critical"]]
    lines += call_lines(report, lang)
    for name, c in report["counts"].items():
        lines.append(count_line(lang, table_label(name, lang), format_number(c["rows_read"], lang),
                                format_number(c["rows_published"], lang), format_number(c["rows_quarantined"], lang)))
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
    lines += rule_summary_lines(report, lang)
    if report.get("letters"):
        lines += ["", pick(lang, ZONE_LETTERS_TITLE) + ":", *[f"- {line}" for line in letters_lines(report["letters"], lang)]]
    lines += ["", f"{t['where']}: {folder}"]
    return "\n".join(lines) + "\n"


def summary_markdown(report: dict, folder: Path, lang: str = "vi") -> str:
    """Status, counts per table, findings per rule: what staff need in one screen (Prefect artifact)."""
    n = (lambda v: format_number(v, lang))
    lines = [f"# HEZA {report['period']}: {report_headline(report, lang)}", ""]
    for reason in report["critical"]:
        lines.append(f"- **{in_lang(reason, lang)}**")
    lines += ["", table_head(in_lang(COUNT_WORDS, lang)),
              "|---|---:|---:|---:|"]
    for table, counts in report["counts"].items():
        lines.append(f"| {table_label(table, lang)} | {n(counts['rows_read'])} | {n(counts['rows_published'])} | "
                     f"{n(counts['rows_quarantined'])} |")
    lines += ["", table_head(in_lang(RULE_TABLE_HEAD, lang)),
              "|---|---|---:|---|"]
    for view in _rule_views(report, lang):
        lines.append(f"| {view['severity_label']} | {view['rule']} | {view['count']} | {view['message']} |")
    lines += ["", f"{pick(lang, OUTPUT_FOLDER)}: `{folder}`"]
    return "\n".join(lines) + "\n"


def letters_lines(plan: list, lang: str) -> list:
    """The staff's list (report.json's letters): 'KCN Nomura - Hải Phòng (NOMURA) → a@x.vn:
    x_kiem_tra.xlsx: đã gửi'."""
    lines = []
    for entry in plan:
        who = f"{entry['zone_name']} ({entry['zone']})" if entry["zone"] else "—"
        to = f" → {', '.join(entry['to'])}" if entry["to"] else ""
        files = ", ".join(Path(f).name for f in entry["files"])
        status = pick(lang, ZONE_LETTER_STATUS[entry["status"]]).format(zones=", ".join(entry.get("zones", [])))
        lines.append(f"{who}{to}: {files}: {status}")
    return lines


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
