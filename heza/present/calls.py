"""The call list in words: which enterprises to ring first, what looks wrong against last month,
and how far each release figure could move if the value were corrected (report.json's "calls")."""

from __future__ import annotations

from heza.assess.claim_text import in_claim_scale
from heza.ingest.numbers import format_number
from heza.present.words import CLAIM_STATUS_WORDS, CALL_TEXT, column_label, field, in_lang, pick

FIRST_CALLS = 10


def _amount(value, lang: str) -> str:
    """A value as people write it: whole numbers without decimals, small amounts with two."""
    return "–" if value is None else format_number(value, lang, 0 if abs(value) >= 100 or float(value).is_integer() else 2)


def problem_text(problem: dict, lang: str) -> str:
    """'Vốn đăng ký (USD): tháng trước 671.010, tháng này 671.010.000 (gấp 1.000 lần): …'."""
    words = in_lang(CALL_TEXT, lang)
    template = words["slip"] if problem["factor"] is not None else words["change"]
    return template.format(
        label=column_label(problem["variable"], lang), previous=_amount(problem["previous"], lang),
        current=_amount(problem["current"], lang), ratio=_amount(problem["ratio"], lang),
        median=format_number(problem["median_ratio"], lang, 2), corrected=_amount(problem["corrected"], lang))


def move_text(move: dict, lang: str) -> dict:
    """One release figure's move: its label, the figure as written, recomputed now and after the
    correction (written the way the figure is written), and its result now and after."""
    words = in_lang(CALL_TEXT, lang)
    label = move.get(field("label", lang)) or move["indicator"]
    shape = {k: move.get(k) for k in ("unit", "scale", "decimals", "qualifier")}
    shape["decimals"] = (shape["decimals"] or 0) + 1  # one digit more than written: 'hơn 10,2' is 10,23
    text = words["move"].format(label=label, reported=move["reported"],
                                recomputed=in_claim_scale(move["recomputed"], shape, lang),
                                moved_to=in_claim_scale(move["moved_to"], shape, lang))
    flips = move["status"] != move["status_if_corrected"]
    result = words["flip"].format(before=pick(lang, CLAIM_STATUS_WORDS[move["status"]]),
                                  after=pick(lang, CLAIM_STATUS_WORDS[move["status_if_corrected"]]))
    return {"text": text, "flips": flips, "result": result if flips else ""}


def call_views(report: dict, lang: str, limit: int = FIRST_CALLS) -> dict:
    """The call list's first rows for the page and the text twin; empty when there is none."""
    calls = report.get("calls") or []
    if not calls:
        return {}
    words = in_lang(CALL_TEXT, lang)
    rows = [{
        "rank": call["rank"], "zone": call["zone_name"] or call["zone_code"], "enterprise": call["enterprise_name"],
        "tax_code": call["tax_code"], "where": words["row"].format(file=call["source_file"], row=call["source_row"]),
        "problems": [problem_text(p, lang) for p in call["problems"]],
        "moves": sorted((move_text(m, lang) for m in call["moves"]), key=lambda m: not m["flips"]),
        "flips": call["flips"] > 0,
    } for call in calls[:limit]]
    more = len(calls) - limit
    return {"words": words, "rows": rows, "more": words["more"].format(n=format_number(more, lang)) if more > 0 else ""}


def call_lines(report: dict, lang: str) -> list:
    """The call list for the plain-text e-mail: one block per enterprise."""
    view = call_views(report, lang)
    if not view:
        return []
    lines = ["", view["words"]["title"] + ":"]
    for row in view["rows"]:
        lines.append(f"{row['rank']}. {row['zone']} · {row['enterprise']} ({row['tax_code']})")
        lines += [f"   - {text}" for text in row["problems"]]
        lines += [f"   → {m['text']}" + (f" [{m['result']}]" if m["flips"] else "") for m in row["moves"]] \
            or [f"   → {view['words']['no_move']}"]
    if view["more"]:
        lines.append(view["more"])
    return lines
