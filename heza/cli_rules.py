"""`heza rules check`: the rule catalogue checked on its own, before any data is read (an
infeasible rule set, a redundant rule, a rule that can never fail), each with the rules involved."""

from __future__ import annotations

import sys

import click

from heza.present.words import RULES_CHECK_KIND, RULES_CHECK_OK, pick, table_label


@click.group()
def rules():
    """Bộ quy tắc (schemas/rules.toml)."""


@rules.command()
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi")
def check(lang):
    """Kiểm tra bộ quy tắc: mâu thuẫn, thừa, không bao giờ sai; mã thoát 1 nếu không dòng nào có thể qua."""
    from heza.assess.rulecheck import check_rules, problem_text

    problems = check_rules()
    for problem in problems:
        click.echo(f"{pick(lang, RULES_CHECK_KIND[problem.kind]):12} {table_label(problem.table, lang)}: {problem_text(problem, lang)}")
    if not problems:
        click.echo(pick(lang, RULES_CHECK_OK))
    sys.exit(1 if any(p.kind == "infeasible" for p in problems) else 0)
