"""Dimension score rows saved before they carried their response's time and place get them (the Satisfaction
Summary aggregates those rows without a join)."""

import frappe


def execute():
	frappe.db.sql(
		"""update `tabSurvey Response Dimension` d join `tabSurvey Response` r on r.name = d.parent
		set d.submitted_on = r.submitted_on, d.estate = r.estate, d.building = r.building,
			d.campaign = r.campaign, d.category = r.category, d.technician = r.technician
		where d.parenttype = 'Survey Response' and d.submitted_on is null"""
	)
