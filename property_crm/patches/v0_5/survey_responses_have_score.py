"""Survey responses saved before `has_score` existed: scored when one of their answers is of a scored type."""

import frappe


def execute():
	frappe.db.sql(
		"""update `tabSurvey Response` r set r.has_score = 1
		where r.has_score = 0 and exists (select 1 from `tabSurvey Answer` a where a.parent = r.name
			and a.parenttype = 'Survey Response' and a.question_type in ('Rating 1-5', 'NPS 0-10', 'Yes/No'))"""
	)
