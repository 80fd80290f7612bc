"""Our error localiser against Statistics Canada's Banff (`errorloc` then `deterministic`) on the
same rows with planted slips (heza/samples/planted.py), enterprise rows and zone-report rows.

Banff 3.1.3 needs pandas < 3, so it runs in .venv-banff and the two sides exchange CSV files in
one folder (`make banff` runs the three steps):

    .venv/bin/python -m benchmarks.banff_localise plant data/banff_localise
    .venv-banff/bin/python benchmarks/banff_localise.py banff data/banff_localise
    .venv/bin/python -m benchmarks.banff_localise compare data/banff_localise

`plant` writes the written rows, the truth and the edits in Banff's syntax (from rules.toml: the
edits of the planted fields; Banff has no conditional edits and assumes every variable >= 0).
`banff` writes, per row, the fields errorloc selects (FTI) and the values deterministic deduces
(IDE). `compare` runs our localiser on the same rows, scores both (`planted.score`) and writes the
table to benchmarks/results/banff_localise.{md,json} and into the README.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

TABLES = ("enterprises", "zones")
ROWS = 1800  # per table: 200 per slip kind
SEED = 13  # for the planted rows and for Banff's random choice among tied fixes
ANSWER_COLUMNS = ["row_id", "blamed", "value", "sure_cell", "sure_value", "explained_value"]
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "banff_localise"
README_START, README_END = "<!-- banff-localise:start -->", "<!-- banff-localise:end -->"


def banff_edits(table: str) -> str:
    """The table's unconditional edits on the planted fields, as Banff reads them."""
    from heza.samples.planted import PLANTED_FIELDS
    from schemas.catalogue import table_edits

    def term(column: str, coefficient: float) -> str:
        number = "" if abs(coefficient) == 1 else f"{abs(coefficient):g} * "
        return f"{'-' if coefficient < 0 else '+'} {number}{column}"

    lines = []
    for edit in table_edits(table):
        if edit.when is None and set(edit.columns) <= set(PLANTED_FIELDS[table]):
            text = " ".join(term(c, a) for c, a in edit.coefficients).removeprefix("+ ")
            lines.append(f"{text} {'=' if edit.op == '==' else '<='} {edit.rhs + 0.0:g};")
    return "\n".join(lines)


def plant(folder: Path) -> None:
    from heza.samples.planted import PLANTED_FIELDS, planted_rows

    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        written, truth = planted_rows(table, ROWS, SEED)
        written[["row_id", *PLANTED_FIELDS[table]]].to_csv(folder / f"rows_{table}.csv", index=False)
        truth.to_csv(folder / f"truth_{table}.csv", index=False)
        (folder / f"edits_{table}.txt").write_text(banff_edits(table), encoding="utf-8")


def _table(frame) -> pd.DataFrame:
    return frame.to_pandas() if hasattr(frame, "to_pandas") else frame


def run_banff(folder: Path) -> None:
    """errorloc (Fellegi–Holt, one of the tied fixes at random) then deterministic, per table."""
    import banff

    for table in TABLES:
        rows = pd.read_csv(folder / f"rows_{table}.csv").astype({"row_id": str})
        edits = (folder / f"edits_{table}.txt").read_text(encoding="utf-8").replace("\n", " ")
        located = _table(banff.errorloc(indata=rows, edits=edits, unit_id="row_id", seed=SEED, trace=False).outstatus)
        deduced = _table(banff.deterministic(indata=rows, instatus=located, edits=edits, unit_id="row_id",
                                             trace=False).outstatus)
        blamed = located.groupby("row_id")["FIELDID"].agg(lambda fields: ",".join(sorted(fields)))
        answers = pd.DataFrame({"row_id": blamed.index.astype(int), "blamed": blamed.to_numpy()})
        single = deduced[deduced["STATUS"] == "IDE"].assign(row_id=lambda d: d["row_id"].astype(int))
        single = single.groupby("row_id").filter(lambda d: len(d) == 1).set_index("row_id")
        imputed = answers["row_id"].map(single["VALUE"])
        answers = answers.assign(value=imputed, sure_cell=False, sure_value=imputed.notna(), explained_value=False)
        answers[ANSWER_COLUMNS].to_csv(folder / f"banff_{table}.csv", index=False)


def compare(folder: Path) -> pd.DataFrame:
    """Both tools scored on both tables, side by side per slip kind."""
    from heza.assess.blame import localise_table
    from heza.samples.planted import PLANTED_FIELDS, our_answers, rates, score

    ours, theirs = [], []
    for table in TABLES:
        truth = pd.read_csv(folder / f"truth_{table}.csv")
        rows = pd.read_csv(folder / f"rows_{table}.csv").astype({c: "Int64" for c in PLANTED_FIELDS[table]})
        ours.append(score(truth, our_answers(localise_table(table, rows))))
        theirs.append(score(truth, pd.read_csv(folder / f"banff_{table}.csv", keep_default_na=False,
                                                na_values=[""]).fillna({"blamed": ""})))
    columns = {"detected": "flags the row %", "blamed_right": "blames the planted cell %",
               "value_right": "suggests the planted value %", "wrong_with_confidence": "wrong with confidence"}
    side = [rates(pd.concat(outcomes)).rename(columns=columns) for outcomes in (ours, theirs)]
    joined = pd.concat({"heza": side[0], "Banff": side[1].drop(columns="planted")}, axis=1)
    return joined.rename(columns={"planted": "planted rows"})


def markdown(table: pd.DataFrame) -> str:
    header = ["slip planted", *(f"{tool}: {what}" if tool != "heza" or what != "planted rows" else what
                                for tool, what in table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(table.columns)]
    for kind, row in table.iterrows():
        cells = [f"{v:g}".replace(".", ",") for v in row]
        lines.append(f"| {kind.replace('_', ' ')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(table: pd.DataFrame) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    text = markdown(table)
    RESULTS.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    records = {f"{tool}: {what}": table[(tool, what)].to_dict() for tool, what in table.columns}
    RESULTS.with_suffix(".json").write_text(json.dumps({"rows_per_table": ROWS, "seed": SEED, "tables": TABLES,
                                                        "columns": records}, indent=2) + "\n", encoding="utf-8")
    readme = ROOT / "README.md"
    head, _, rest = readme.read_text(encoding="utf-8").partition(README_START)
    _, _, tail = rest.partition(README_END)
    readme.write_text(f"{head}{README_START}\n{text}\n{README_END}{tail}", encoding="utf-8")


def main(argv: list) -> int:
    step, folder = argv[1], Path(argv[2])
    if step == "plant":
        plant(folder)
    elif step == "banff":
        run_banff(folder)
    else:
        table = compare(folder)
        write_results(table)
        print(markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
