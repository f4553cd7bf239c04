import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.property_surveys.surveys import DEFAULT_DIMENSIONS
from property_crm.tests.records import linked_doctypes
from property_crm.tests.survey_factories import make_template

# our tests make their own records (factories): no test-record walk into ERPNext
test_ignore = linked_doctypes("Survey Template")


class TestSurveyTemplate(FrappeTestCase):
	def test_default_dimensions_installed(self):
		self.assertEqual(
			set(frappe.get_all("Survey Dimension", pluck="name")) & set(DEFAULT_DIMENSIONS),
			set(DEFAULT_DIMENSIONS),
		)

	def test_choice_question_needs_options_and_keys_are_unique(self):
		with self.assertRaises(frappe.ValidationError):
			make_template(
				[
					{
						"question_key": "a",
						"text_zh": "甲",
						"question_type": "Single Choice",
						"options": "只有一个",
					}
				]
			)
		with self.assertRaises(frappe.ValidationError):
			make_template(
				[
					{"question_key": "a", "text_zh": "甲", "question_type": "Rating 1-5"},
					{"question_key": "a", "text_zh": "乙", "question_type": "Rating 1-5"},
				]
			)
		template = make_template()
		self.assertEqual((template.version, template.is_latest, template.family), (1, 1, template.name))
