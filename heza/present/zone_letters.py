"""A letter to each zone: its own annotated workbook(s) and the findings in them, e-mailed to the
addresses in data/reference/submitters.csv when heza.toml [email] send_to_submitters = true.

A zone gets only the copies of files whose data rows are all its own (the manifest records each
copy's submitted file and zones): a file holding rows of several zones is sent to none of them and
is listed for staff to forward, as is a zone with no address. The same outbox, SMTP server and
retries as the staff report (heza/present/notify.py); the outcome of each letter is kept in the
release folder's report.json (as `letters`; it holds addresses: never in a published CSV) and
report.html, and so in the staff e-mail sent after them."""

from __future__ import annotations

import json
from dataclasses import replace
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pandas as pd

from heza.config import Settings
from heza.present.finding_text import report_headers, shown_value, subject_words
from heza.present.letter import reply_date
from heza.present.notify import XLSX, SmtpSettings, deliver, safe_filename, safe_header
from heza.present.report import period_label, write_report_html
from heza.present.words import ZONE_LETTER, field, in_lang
from heza.release.outputs import write_json


def letter_plan(outputs: list, submitters: pd.DataFrame, names: dict) -> list:
    """Who is to get which copies: one entry per zone with copies of its own files (its addresses,
    or status no_contact), one per copy that is no single zone's (status mixed or no_zone)."""
    copies = [o for o in outputs if str(o.get("file", "")).startswith("annotated/") and "source" in o]
    by_zone: dict = {}
    plan = []
    for copy in copies:
        if len(copy["zones"]) == 1:
            by_zone.setdefault(copy["zones"][0], []).append(copy)
        else:
            plan.append({"zone": None, "zones": copy["zones"], "to": [], "files": [copy["file"]],
                         "sources": [copy["source"]], "status": "mixed" if copy["zones"] else "no_zone"})
    for zone, own in sorted(by_zone.items()):
        to = submitters.loc[submitters["zone_code"] == zone, "email"].tolist()
        plan.append({"zone": zone, "zone_name": names.get(zone, zone), "to": to, "files": [o["file"] for o in own],
                     "sources": [o["source"] for o in own], "status": "pending" if to else "no_contact"})
    return sorted(plan, key=lambda entry: (entry["zone"] is None, entry["zone"] or "", entry["files"]))


def zone_findings(report: dict, sources: list) -> list:
    """The findings of the zone's own files that the copies mark (a row to look at)."""
    return [f for f in report["findings"] if f["source_file"] in sources and f.get("source_row") is not None]


def _finding_line(item: dict, headers: dict, lang: str) -> str:
    words = in_lang(ZONE_LETTER, lang)
    own = headers.get((item["source_file"], item["source_sheet"]), {})
    column = (item.get("column") or "").split(",")[0]
    place = words["at"].format(sheet=item["source_sheet"], cell=item.get("cell") or item["source_row"])
    what = ", ".join(p for p in (subject_words(item, lang), own.get(column)) if p)
    line = f"- {item['source_file']}, {place}" + (f" ({what})" if what else "") + f": {item[field('message', lang)]}"
    if item.get("suggested") is not None:
        blamed = (item.get("blamed") or column).split(",")[0]
        line += f" ({words['suggested']}: {shown_value(str(item['suggested']), blamed, lang)})"
    return line


def zone_message(entry: dict, report: dict, folder: Path, settings: Settings, sender: str) -> EmailMessage:
    """The zone's letter: Vietnamese first, then English; its copies attached, its findings listed."""
    findings = zone_findings(report, entry["sources"])
    headers = report_headers(report)
    period = period_label(report["period"])
    date = reply_date(report["period"], settings.letters["reply_by_day"]).strftime("%d/%m/%Y")
    errors = sum(1 for f in findings if f["severity"] == "error")
    vi, en = ZONE_LETTER["vi"], ZONE_LETTER["en"]
    subject = vi["subject"].format(prefix=settings.email.get("subject_prefix", ""), period=period,
                                   zone=entry["zone_name"], errors=errors, warnings=len(findings) - errors, date=date)
    parts = []
    for lang, words in (("vi", vi), ("en", en)):
        parts += [words["greeting"].format(zone=entry["zone_name"]), "", words["intro"].format(period=period), "",
                  words["list"], *[_finding_line(f, headers, lang) for f in findings], "",
                  words["ask"].format(date=date), words["footer"], "", "—", ""]
    message = EmailMessage()
    message["Subject"] = safe_header(subject)
    message["From"] = sender
    message["To"] = ", ".join(entry["to"])
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="heza.local")
    message.set_content("\n".join(parts[:-2]) + "\n")
    maintype, subtype = XLSX.split("/", 1)
    for name in entry["files"]:
        path = Path(folder) / name
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=safe_filename(path.name))
    return message


def send_zone_letters(report: dict, folder: Path, settings: Settings, submitters: pd.DataFrame, names: dict,
                      smtp: SmtpSettings | None, run_id: str, lang: str = "vi") -> dict:
    """Send (or leave in the outbox) each zone's letter; returns the report with `letters` (the plan
    with each letter's outcome), as rewritten into the folder's report.json and report.html."""
    outputs = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    plan = letter_plan(outputs, submitters, names)
    sender = smtp.sender if smtp else settings.email.get("from", "heza-pipeline@localhost")
    for entry in (e for e in plan if e["status"] == "pending"):
        message = zone_message(entry, report, folder, settings, sender)
        own = replace(smtp, recipients=tuple(entry["to"])) if smtp else None
        result = deliver(message, own, settings.outbox, f"heza-{report['period']}-{entry['zone']}-{run_id}")
        entry.update(status=result["status"], path=result["path"])
    report = {**report, "letters": plan}
    write_json(report, Path(folder) / "report.json")
    write_report_html(report, folder, folder, lang)
    return report

