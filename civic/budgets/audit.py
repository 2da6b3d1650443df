"""What the budgets area writes to the audit trail (see civic.core.audit), and the labels for it.

Verifications and assisted ballots are recorded where they happen (eligibility, desk); never a
ballot's contents or a document number.
"""

from __future__ import annotations

from civic.core import audit
from civic.core.messages import lazy_gettext as _l

audit.register_actions({
    "budget.saved": _l("Saved a participatory budget"),
    "budget.closed": _l("Closed a vote and opened its sealed ballots for counting"),
    "budget.published": _l("Published the results of a vote"),
    "budget.imported": _l("Imported a budget and its ballots from a Pabulib file"),
    "project.saved": _l("Saved a budget project"),
    "project.removed": _l("Removed a budget project"),
    "eligibility.imported": _l("Imported the list of residents who can vote"),
    "voter.earlier_ballots_handed_over": _l("Handed a document's earlier ballots over to the account of the "
                                            "person who showed it"),
})
audit.register_subject_types({"project": _l("budget project"), "eligibility_list": _l("list of residents who can vote")})
