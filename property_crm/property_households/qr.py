"""QR codes with PyQRCode (a Frappe dependency), as SVG data URIs for print formats."""

import base64
import io
from urllib.parse import quote

import pyqrcode

from frappe.utils import get_url


def request_url(unit: str) -> str:
	return get_url(f"/property/requests/new?unit={quote(unit)}")


def qr_svg_data_uri(text: str, scale: int = 4) -> str:
	buffer = io.BytesIO()
	pyqrcode.create(text, error="M").svg(buffer, scale=scale, xmldecl=False, svgns=True, omithw=False)
	return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
