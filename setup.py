import re
from pathlib import Path

from setuptools import find_packages, setup

# Read the version as text: importing the package would fail under pip's isolated build.
_init = (Path(__file__).parent / "property_crm" / "__init__.py").read_text(encoding="utf-8")
version = re.search(r'^__version__\s*=\s*"([^"]+)"', _init, re.M).group(1)

setup(
	name="property_crm",
	version=version,
	description="Customer management for property-management companies (物业客户管理) on ERPNext",
	author="Property CRM developers",
	author_email="dev@property-crm.invalid",
	license="MIT",
	python_requires=">=3.10",
	packages=find_packages(include=["property_crm", "property_crm.*"]),
	include_package_data=True,
	zip_safe=False,
	# the payment platforms' official SDKs (WeChat Pay API v3, Alipay OpenAPI); Frappe and ERPNext come from the bench
	install_requires=["wechatpayv3>=2.0,<3", "python-alipay-sdk>=3.3,<4"],
	extras_require={"test": ["pytest>=7", "hypothesis>=6", "ruff>=0.4", "pillow>=10"]},
)
