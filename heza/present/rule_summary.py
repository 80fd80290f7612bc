"""The rule summary as people read it: every rule in words (its message from rules.toml), the units
it checked, passed and failed, and the change since last month, failing rules first; the lines of
the plain-text twin; and the failed units per month that the history chart draws.

Built from report.json's `rule_summary` and `rule_history` (heza.release.rule_history)."""

from __future__ import annotations

import textwrap

from heza.ingest.numbers import format_number
from heza.present.words import CHART_OTHER, RULE_SUMMARY_TEXT, UNIT_WORDS, in_lang, pick
from schemas import RULES

_SEVERITY_ORDER = {"error": 0, "warning": 1}
_ORDER = {code: position for position, code in enumerate(RULES)}
MAX_RULES = 8  # rules drawn on their own on the history chart: the ones that failed most


def rule_words(code: str, lang: str) -> str:
    """A rule in words: its message's first clause ("Mã số thuế trùng trong kỳ (…)")."""
    rule = RULES.get(code)
    if rule is None:
        return code
    return pick(lang, (rule.message_vi, rule.message_en)).split(";")[0].strip()


def unit_words(unit: str, lang: str) -> str:
    return pick(lang, UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit


def _change(item: dict, has_previous: bool, lang: str) -> tuple[str, str]:
    """(text, colour) of the change in failed units: ▲ 3 / ▼ 2 / = / mới / –."""
    words = in_lang(RULE_SUMMARY_TEXT, lang)
    if not item["applied"] or not has_previous:
        return "–", "#7b8794"
    if item["change"] is None:
        return words["new"], "#52606d"
    if item["change"] > 0:
        return f"▲ {format_number(item['change'], lang)}", "#c53030"
    if item["change"] < 0:
        return f"▼ {format_number(-item['change'], lang)}", "#2f855a"
    return words["same"], "#52606d"


def _sort_key(item: dict) -> tuple:
    """Failing rules first (errors, then warnings, most failures first), then rules that passed,
    then rules that did not apply; catalogue order within each."""
    group = 0 if item["failed"] else 1 if item["applied"] else 2
    return group, _SEVERITY_ORDER.get(item["severity"], 2), -item["failed"], _ORDER.get(item["rule"], len(_ORDER))


def rule_summary_view(report: dict, lang: str) -> dict:
    """The table's rows in words and numbers in the reader's language (empty when report.json has none)."""
    section = report.get("rule_summary") or {}
    if not section.get("rules"):
        return {}
    words = in_lang(RULE_SUMMARY_TEXT, lang)
    previous = section.get("previous_period")
    n = (lambda v: format_number(v, lang))
    rows = []
    for item in sorted(section["rules"], key=_sort_key):
        change, colour = _change(item, previous is not None, lang)
        rows.append({
            "rule": item["rule"], "words": rule_words(item["rule"], lang), "unit": unit_words(item["unit"], lang),
            "applied": item["applied"], "checked": n(item["checked"]), "passed": n(item["passed"]),
            "failed": n(item["failed"]), "failing": item["failed"] > 0, "severity": item["severity"],
            "change": change, "change_colour": colour,
        })
    help_text = words["help"].format(previous=f"{previous[5:]}/{previous[:4]}") if previous else words["no_previous"]
    return {"words": words, "help": help_text, "rows": rows}


def rule_summary_lines(report: dict, lang: str) -> list:
    """The plain-text twin's lines: each rule that failed or whose failures changed, each rule that
    did not apply, then how many other rules passed throughout."""
    view = rule_summary_view(report, lang)
    if not view:
        return []
    words = view["words"]
    lines, rest = ["", words["title"] + ":"], 0
    for row in view["rows"]:
        if not row["applied"]:
            lines.append(words["line_not_applied"].format(rule=row["words"], unit=row["unit"]))
        elif row["failing"] or row["change"] not in {"–", words["same"]}:
            lines.append(words["line"].format(rule=row["words"], unit=row["unit"], checked=row["checked"],
                                              passed=row["passed"], failed=row["failed"], change=row["change"]))
        else:
            rest += 1
    if rest:
        lines.append(words["rest_passed"].format(n=format_number(rest, lang)))
    return lines


def history_series(report: dict, lang: str) -> tuple[list, dict]:
    """(months as 'MM/YYYY', {rule in words (unit): failed units per month}) for the MAX_RULES rules
    with the most failed units over the months kept, the other rules summed in one "khác (n)"."""
    lines = report.get("rule_history") or []
    months = sorted({line["period"] for line in lines})
    failed: dict = {}
    for line in lines:
        failed.setdefault(line["rule"], {})[line["period"]] = line["failed"] or 0
    failing = sorted((c for c, by_month in failed.items() if sum(by_month.values())),
                     key=lambda c: (-sum(failed[c].values()), _ORDER.get(c, 0)))
    units = {line["rule"]: line["unit"] for line in lines}
    series = {f"{textwrap.shorten(rule_words(c, lang), 60, placeholder='…')} ({unit_words(units[c], lang)})":
              [failed[c].get(m, 0) for m in months]
              for c in failing[:MAX_RULES]}
    rest = failing[MAX_RULES:]
    if rest:
        series[pick(lang, CHART_OTHER).format(n=len(rest))] = [sum(failed[c].get(m, 0) for c in rest) for m in months]
    return [f"{m[5:]}/{m[:4]}" for m in months], series
