"""Complaints on ERPNext's Service Level Agreement engine, through the service module's agreements: the
severity sets the priority, Resolved/Closed/Withdrawn fulfil it, and a Complaint Category with its own
targets gets its own agreement (the severities keep the standard's proportions, `rules.complaint.targets_for`)."""

from property_crm.property_complaints.rules import complaint
from property_crm.property_service.service_levels import find_agreement, has_own_targets, make_agreement

COMPLAINT = "Complaint"
DEFAULT_COMPLAINT_SLA = "Complaint Standard"
STATES = (complaint.PAUSED_STATES, complaint.FULFILLED_STATES)


def install_defaults() -> None:
	if not find_agreement(DEFAULT_COMPLAINT_SLA, COMPLAINT):
		make_agreement(
			DEFAULT_COMPLAINT_SLA, complaint.targets_for(), default=True, doctype=COMPLAINT, states=STATES
		)


def sync_complaint_category_agreement(category) -> str | None:
	"""A complaint category with its own targets gets an SLA whose condition matches the category."""
	if not has_own_targets(category):
		return None
	targets = complaint.targets_for(category.response_hours, category.resolution_hours)
	condition = f"doc.complaint_category == {category.name!r}"
	return make_agreement(
		f"Complaint - {category.name}", targets, condition=condition, doctype=COMPLAINT, states=STATES
	)
