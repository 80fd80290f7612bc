"""The charts of the report (PNG): findings per zone and the release figures against their recomputed
values. Submitted names are drawn literally (no math markup) and cut to one short line; a chart
shows at most MAX_BARS bars.
"""

from __future__ import annotations

import io
import math
from collections import Counter

from heza.present.rule_summary import history_series
from heza.present.words import (
    CHART_AGAINST_REPORTED, CHART_OTHER, RULE_SUMMARY_TEXT, SEVERITY_WORDS, field, in_lang, pick, report_text,
)

MAX_BARS = 25  # a chart shows this many bars at most; the rest are summed as "khác / other"
MAX_LABEL = 40  # characters of a label shown on a chart


def load_pyplot():
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
        where = item.get("zone_name") or item.get("zone") or item.get("source_file") or "–"
        counts.setdefault(where, Counter())[item["severity"]] += 1
    if not counts:
        return None
    pyplot = load_pyplot()

    ranked = sorted(counts, key=lambda k: (-counts[k]["error"], -counts[k]["warning"], str(k)))
    if len(ranked) > MAX_BARS:
        other = Counter()
        for name in ranked[MAX_BARS - 1:]:
            other.update(counts[name])
        rest = len(ranked) - MAX_BARS + 1
        shown = {chart_label(name): counts[name] for name in ranked[:MAX_BARS - 1]}
        shown[pick(lang, CHART_OTHER).format(n=rest)] = other
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
    axis.barh(range(len(names)), errors, color="#c53030", label=pick(lang, SEVERITY_WORDS["error"]))
    axis.barh(range(len(names)), warnings, left=errors, color="#d69e2e", label=pick(lang, SEVERITY_WORDS["warning"]))
    axis.set_yticks(range(len(names)), names)
    axis.set_title(report_text(lang)["chart_zones"], loc="left", fontsize=11)
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
    pyplot = load_pyplot()

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
    axis.set_yticks(range(len(rows)), [chart_label(c.get(field("label", lang)) or c["indicator"]) for c in rows],
                    fontsize=8)
    axis.set_xlabel("% " + pick(lang, CHART_AGAINST_REPORTED), fontsize=9)
    axis.set_title(report_text(lang)["chart_claims"], loc="left", fontsize=11)
    axis.spines[["top", "right"]].set_visible(False)
    data = _png(figure)
    pyplot.close(figure)
    return data


def chart_rule_history(report: dict, lang: str) -> bytes | None:
    """Failed units per month over the months kept in the history, stacked by rule (the rules that
    failed most, each named in words); none when no rule failed in any of them."""
    months, series = history_series(report, lang)
    if not series:
        return None
    pyplot = load_pyplot()
    words = in_lang(RULE_SUMMARY_TEXT, lang)
    figure, axis = pyplot.subplots(figsize=(8, 2.8 + 0.2 * len(series)))
    base = [0] * len(months)
    colours = pyplot.get_cmap("tab10").colors
    for index, (label, values) in enumerate(series.items()):
        axis.bar(range(len(months)), values, bottom=base, width=0.6, color=colours[index % len(colours)],
                 label=label)
        base = [b + v for b, v in zip(base, values)]
    axis.set_xticks(range(len(months)), months)
    axis.set_xlabel(words["chart_month"], fontsize=9)
    axis.set_ylabel(words["chart_axis"], fontsize=9)
    axis.set_title(words["chart"], loc="left", fontsize=11)
    axis.yaxis.get_major_locator().set_params(integer=True)
    axis.spines[["top", "right"]].set_visible(False)
    axis.legend(loc="upper left", bbox_to_anchor=(0, -0.2), fontsize=8, frameon=False)
    data = _png(figure)
    pyplot.close(figure)
    return data


def charts(report: dict, lang: str) -> dict:
    """{name: PNG bytes} for the charts this report has."""
    made = {"zones": chart_findings_per_zone(report, lang), "claims": chart_claims(report, lang),
            "rules": chart_rule_history(report, lang)}
    return {name: data for name, data in made.items() if data}
