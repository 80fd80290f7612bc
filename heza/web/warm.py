"""What the fork server of the checking processes (heza.web.check) loads once, so that each check
forked from it starts warm: the checking modules, and the rule-set check `prepare` runs once per
process (cached, so a forked check inherits it). An infeasible rule set is left for the check
itself to report, with its message."""

from heza.assess.rulecheck import RuleSetError, startup_check
from heza.web import check  # noqa: F401 - loaded here for the forked checks

try:
    startup_check()
except RuleSetError:
    pass
