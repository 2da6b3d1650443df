"""What the outcomes area writes to the audit trail (see civic.core.audit), and the labels for it."""

from __future__ import annotations

from civic.core import audit
from civic.core.messages import lazy_gettext as _l

audit.register_actions({
    "outcome.saved": _l("Saved an outcome"),
    "outcome.update_posted": _l("Posted a progress update on an outcome"),
    "outcome.updates_imported": _l("Imported outcome updates from a CSV file"),
    "outcome.created_from_budget": _l("Turned the winning projects of a budget into outcomes"),
    "outcome.created_from_action": _l("Turned a workplan action into an outcome"),
})
audit.register_subject_types({"outcome": _l("outcome"), "budget": _l("participatory budget")})
