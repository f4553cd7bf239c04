import json

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.property_surveys import surveys
from property_crm.tests.factories import make_place
from property_crm.tests.records import linked_doctypes
from property_crm.tests.survey_factories import make_campaign

# our tests make their own records (factories): no test-record walk into ERPNext
test_ignore = linked_doctypes("Survey Response")


class TestSurveyResponse(FrappeTestCase):
	def test_answers_cannot_be_changed_afterwards(self):
		campaign = make_campaign()
		_estate, unit, resident = make_place()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		name = surveys.submit(invitation, json.dumps({"overall": "4"}), "Portal")
		doc = frappe.get_doc("Survey Response", name)
		doc.answers[0].value = "1"
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		self.assertEqual(frappe.db.get_value("Survey Response", name, "overall_score"), 75.0)
