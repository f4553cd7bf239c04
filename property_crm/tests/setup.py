"""`before_tests`: what ERPNext needs before Property CRM's tests run on a fresh site."""

import frappe

TEST_COMPANY = "Property CRM Test Co"


def before_tests():
	frappe.clear_cache()
	if not frappe.db.get_single_value("System Settings", "setup_complete"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		setup_complete(
			{
				"currency": "CNY",
				"full_name": "Test User",
				"company_name": TEST_COMPANY,
				"timezone": "Asia/Shanghai",
				"company_abbr": "PCT",
				"industry": "Real Estate",
				"country": "China",
				"fy_start_date": f"{frappe.utils.nowdate()[:4]}-01-01",
				"fy_end_date": f"{frappe.utils.nowdate()[:4]}-12-31",
				"language": "english",
				"company_tagline": "Testing",
				"email": "test@property-crm.invalid",
				"password": "test",
				"chart_of_accounts": "Standard",
			}
		)
	frappe.db.commit()
