"""The demo's ledger at scale: Sales Invoices, Payment Entries and their ledger rows written in bulk, row for
row as ERPNext writes them.

Two years of monthly bills for 20,000 units is some 450,000 submitted invoices and as many payments; through
ERPNext's API (about 5 a second here) that is more than a day. So the demo lets ERPNext make one invoice and
one payment itself, reads back every row they wrote (the document, its child rows, its GL Entries and Payment
Ledger Entries) and writes each further bill and payment as a copy of those rows with its own customer,
dates, lines and amounts, computed as ERPNext computes them (`property_fees.rules.ledger`, `frappe.utils.flt`). Balances,
outstanding amounts, statuses, ERPNext's Accounts Receivable and our Arrears Ageing then read them as they
read ERPNext's own (`test_demo_ledger` proves it row by row against an invoice and payment made by ERPNext,
and pays and cancels a bulk invoice through ERPNext).

Demo data only: nothing else in the app writes documents this way.
"""

import time
from collections import defaultdict
from datetime import date

import frappe
from frappe import _
from frappe.utils import flt, money_in_words, now_datetime

from property_crm.property_fees.rules import fees
from property_crm.property_fees.rules import ledger as rules

INVOICE, PAYMENT = "Sales Invoice", "Payment Entry"
# header fields that belong to the template's customer, not to the copy's
PARTY_FIELDS = (
	"contact_person",
	"contact_display",
	"contact_phone",
	"contact_mobile",
	"contact_email",
	"customer_address",
	"address_display",
	"shipping_address_name",
	"shipping_address",
	"dispatch_address_name",
	"dispatch_address",
	"_seen",
	"_comments",
	"_assign",
	"_liked_by",
	"_user_tags",
	"tax_id",
)


def _rows(doctype: str, **where) -> list[dict]:
	table = frappe.qb.DocType(doctype)
	query = frappe.qb.from_(table).select("*")
	for field, value in where.items():
		query = query.where(table[field] == value)
	return query.orderby(table.creation).run(as_dict=True)


def insert(doctype: str, fields: list[str], rows: list[dict], chunk: int = 1000) -> None:
	"""Rows into a table in multi-row INSERTs: Frappe's `bulk_insert` builds each one with pypika, which
	costs more than the database does at this width. Column names come from the table's own rows; the
	values are parameters."""
	columns = ", ".join(f"`{field}`" for field in fields)
	holders = "(" + ", ".join(["%s"] * len(fields)) + ")"
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		values = [row.get(field) for row in part for field in fields]
		frappe.db.sql(
			f"INSERT INTO `tab{doctype}` ({columns}) VALUES {', '.join([holders] * len(part))}", values
		)


def side(name: str, amount: float) -> dict:
	"""A GL Entry's debit or credit, in the company's, the account's and the transaction's currency (one
	currency here)."""
	return {name: amount, f"{name}_in_account_currency": amount, f"{name}_in_transaction_currency": amount}


class Template:
	"""A document ERPNext made, as rows: the document, its child rows by field, its GL and Payment Ledger."""

	def __init__(self, doctype: str, name: str):
		self.doctype = doctype
		self.doc = _rows(doctype, name=name)[0]
		self.children = {
			df.fieldname: (
				df.options,
				_rows(df.options, parent=name, parenttype=doctype, parentfield=df.fieldname),
			)
			for df in frappe.get_meta(doctype).get_table_fields()
		}
		self.gl = _rows("GL Entry", voucher_type=doctype, voucher_no=name, is_cancelled=0)
		self.ple = _rows("Payment Ledger Entry", voucher_type=doctype, voucher_no=name, delinked=0)
		self.blank = {f: None for f in PARTY_FIELDS if f in self.doc}  # the template's party's own fields
		self.party_gl = next(row for row in self.gl if row.party)
		self.other_gl = [row for row in self.gl if not row.party]

	def child(self, field: str) -> dict:
		return self.children[field][1][0]

	def check(self, tables: tuple[str, ...]) -> None:
		"""The copies carry the child tables named, nothing else: a template with other rows (taxes, a
		sales team…) would be copied wrongly, so it is refused."""
		extra = [f for f, (_dt, rows) in self.children.items() if rows and f not in tables]
		if extra or len(self.other_gl) != 1 or len(self.ple) != 1:
			frappe.throw(
				f"{self.doctype} {self.doc.name} cannot serve as a template ({extra}, {len(self.gl)} GL)"
			)


class Series:
	"""A naming series used in bulk: numbers are taken in memory, the Series row is set on flush."""

	def __init__(self, prefix: str, digits: int):
		self.prefix, self.digits = prefix, digits
		series = frappe.qb.DocType("Series")
		row = frappe.qb.from_(series).select(series.current).where(series.name == prefix).for_update().run()
		if not row:
			frappe.qb.into(series).insert(prefix, 0).run()
		self.current = int(row[0][0] or 0) if row else 0

	@classmethod
	def of(cls, name: str) -> "Series":
		prefix = name.rstrip("0123456789")
		return cls(prefix, len(name) - len(prefix))

	def next(self) -> str:
		self.current += 1
		return rules.series_name(self.prefix, self.current, self.digits)

	def save(self) -> None:
		series = frappe.qb.DocType("Series")
		frappe.qb.update(series).set(series.current, self.current).where(series.name == self.prefix).run()


class Ledger:
	"""Bills and payments as copies of a template invoice and payment ERPNext made; `flush` writes them."""

	def __init__(self, invoice: str, payment: str):
		self.si = Template(INVOICE, invoice)
		self.pe = Template(PAYMENT, payment)
		self.si.check(("items", "payment_schedule"))
		self.pe.check(("references",))
		self.currency = self.si.doc.currency
		self.now, self.user = now_datetime(), frappe.session.user
		self.names = rules.row_names(rules.base36(int(time.time() * 10))[-7:])  # a writer's own names
		self.invoices = Series.of(invoice)
		self.payments = Series.of(payment)
		self.late_fees = Series(frappe.model.naming.parse_naming_series("LF-.YYYY.-"), 5)
		self.rows: dict[str, list[dict]] = defaultdict(list)
		self.fiscal_years: dict[int, str] = {}
		unit = frappe.qb.DocType("Property Unit")
		self.buildings = dict(frappe.qb.from_(unit).select(unit.name, unit.building).run())

	# ------------------------------------------------------------ helpers
	def _stamp(self, row: dict, **values) -> dict:
		out = dict(row)
		out.update(
			name=next(self.names),
			creation=self.now,
			modified=self.now,
			owner=self.user,
			modified_by=self.user,
		)
		out.update(values)
		return out

	def _fiscal_year(self, day: date) -> str:
		if day.year not in self.fiscal_years:
			from erpnext.accounts.utils import get_fiscal_year

			self.fiscal_years[day.year] = get_fiscal_year(day, company=self.si.doc.company)[0]
		return self.fiscal_years[day.year]

	# ------------------------------------------------------------ an invoice
	@staticmethod
	def total_of(lines: list[dict]) -> float:
		"""What `invoice` will bill for `lines`: each line's quantity × rate to the fen, as ERPNext sums them."""
		total = 0.0
		for line in lines:
			total = flt(total + flt(flt(line["qty"]) * flt(line["rate"]), 2), 2)
		return total

	def invoice(
		self,
		customer: dict,
		posting: date,
		due: date,
		lines: list[dict],
		today: date,
		paid: list[tuple[date, float]] = (),
		**header,
	) -> dict:
		"""A submitted Sales Invoice to `customer` (name, customer_name, customer_group, territory) with
		`lines` (item_code, item_name, uom, qty, rate, description and the line's own fields), already paid
		`paid` (dates and amounts: the payments are added with `payment`). Returns the invoice's row."""
		name = self.invoices.next()
		items, total, total_qty, commission = [], 0.0, 0.0, 0.0
		template = self.si.child("items")
		for idx, line in enumerate(lines, start=1):
			line = dict(line)
			qty, rate = flt(line.pop("qty")), flt(line.pop("rate"))
			amount = flt(qty * rate, 2)
			uom = line.pop("uom")
			row = self._stamp(
				template,
				parent=name,
				idx=idx,
				qty=qty,
				stock_qty=qty,
				rate=rate,
				base_rate=rate,
				net_rate=rate,
				base_net_rate=rate,
				stock_uom_rate=rate,
				amount=amount,
				base_amount=amount,
				net_amount=amount,
				base_net_amount=amount,
				uom=uom,
				stock_uom=uom,
				**line,
			)
			items.append(row)
			total = flt(total + amount, 2)
			total_qty += qty
			commission += amount if row.get("grant_commission") else 0
		outstanding = flt(total - sum(amount for _on, amount in paid), 2)
		units = [line.get("property_unit") for line in lines]
		words = money_in_words(total, self.currency)
		doc = self._stamp(
			self.si.doc,
			name=name,
			title=customer["customer_name"],
			customer=customer["name"],
			customer_name=customer["customer_name"],
			customer_group=customer["customer_group"],
			territory=customer["territory"],
			posting_date=posting,
			due_date=due,
			total_qty=flt(total_qty, 3),
			total=total,
			base_total=total,
			net_total=total,
			base_net_total=total,
			grand_total=total,
			base_grand_total=total,
			rounded_total=total,
			base_rounded_total=total,
			in_words=words,
			base_in_words=words,
			outstanding_amount=outstanding,
			amount_eligible_for_commission=flt(commission, 2),
			status=rules.invoice_status(outstanding, total, due, today),
			property_estate=None,
			property_billing_period=None,
			property_billing_run=None,
			property_late_fee_of=None,
			# as property_fees.billing.set_invoice_unit sets them
			property_unit=fees.sole(units),
			property_building=fees.sole([self.buildings.get(u) for u in units]),
			**self.si.blank,
		)
		doc.update(header)
		self.rows[INVOICE].append(doc)
		self.rows["Sales Invoice Item"].extend(items)
		schedule = self.si.child("payment_schedule")
		self.rows["Payment Schedule"].append(
			self._stamp(
				schedule,
				parent=name,
				due_date=due,
				payment_amount=total,
				base_payment_amount=total,
				outstanding=total,
			)
		)
		fiscal_year = self._fiscal_year(posting)
		self.rows["GL Entry"].append(
			self._stamp(
				self.si.party_gl,
				posting_date=posting,
				fiscal_year=fiscal_year,
				due_date=due,
				party=customer["name"],
				voucher_no=name,
				against_voucher=name,
				**side("debit", total),
			)
		)
		self.rows["GL Entry"].append(
			self._stamp(
				self.si.other_gl[0],
				posting_date=posting,
				fiscal_year=fiscal_year,
				against=customer["name"],
				voucher_no=name,
				**side("credit", total),
			)
		)
		self.rows["Payment Ledger Entry"].append(
			self._stamp(
				self.si.ple[0],
				posting_date=posting,
				due_date=due,
				party=customer["name"],
				voucher_no=name,
				against_voucher_no=name,
				amount=total,
				amount_in_account_currency=total,
			)
		)
		return doc

	# ------------------------------------------------------------ a payment
	def payment(
		self,
		invoice: dict,
		amount: float,
		on: date,
		outstanding_before: float,
		reference_no: str | None = None,
	) -> str:
		"""A submitted Payment Entry of `amount` received on `on` against `invoice`."""
		name = self.payments.next()
		party, account = invoice["customer"], self.pe.doc.paid_from
		reference_no = reference_no or f"DEMO-{invoice['name']}-{on:%m%d}"
		currency = _(self.pe.doc.paid_from_account_currency)
		remarks = "\n".join(
			(
				_("Amount {0} {1} {2} {3}").format(currency, amount, _("received from"), party),
				_("Transaction reference no {0} dated {1}").format(reference_no, on),
				_("Amount {0} {1} against {2} {3}").format(currency, amount, INVOICE, invoice["name"]),
			)
		)
		words = money_in_words(amount, self.currency)
		amounts = dict.fromkeys(
			(
				"paid_amount",
				"paid_amount_after_tax",
				"base_paid_amount",
				"base_paid_amount_after_tax",
				"received_amount",
				"received_amount_after_tax",
				"base_received_amount",
				"base_received_amount_after_tax",
				"total_allocated_amount",
				"base_total_allocated_amount",
			),
			amount,
		)
		self.rows[PAYMENT].append(
			self._stamp(
				self.pe.doc,
				name=name,
				title=invoice["customer_name"],
				posting_date=on,
				party=party,
				party_name=invoice["customer_name"],
				party_balance=0,
				paid_from_account_balance=0,
				paid_to_account_balance=0,
				unallocated_amount=0,
				difference_amount=0,
				reference_no=reference_no,
				reference_date=on,
				remarks=remarks,
				in_words=words,
				base_in_words=words,
				**self.pe.blank,
				**amounts,
			)
		)
		self.rows["Payment Entry Reference"].append(
			self._stamp(
				self.pe.child("references"),
				parent=name,
				reference_name=invoice["name"],
				due_date=invoice["due_date"],
				total_amount=invoice["grand_total"],
				outstanding_amount=flt(outstanding_before - amount, 2),  # ERPNext keeps what is left
				allocated_amount=amount,
				account=account,
			)
		)
		fiscal_year = self._fiscal_year(on)
		common = dict(posting_date=on, fiscal_year=fiscal_year, voucher_no=name, remarks=remarks)
		self.rows["GL Entry"].append(
			self._stamp(
				self.pe.party_gl,
				party=party,
				against_voucher=invoice["name"],
				**side("credit", amount),
				**common,
			)
		)
		self.rows["GL Entry"].append(
			self._stamp(
				self.pe.other_gl[0],
				against=party,
				**side("debit", amount),
				**common,
			)
		)
		self.rows["Payment Ledger Entry"].append(
			self._stamp(
				self.pe.ple[0],
				posting_date=on,
				party=party,
				voucher_no=name,
				against_voucher_no=invoice["name"],
				amount=-amount,
				amount_in_account_currency=-amount,
				remarks=remarks,
			)
		)
		return name

	# ------------------------------------------------------------ other rows
	def row(self, doctype: str, **values) -> dict:
		"""A row of our own (Property Fee Charge, Property Late Fee…), stamped like the others."""
		row = self._stamp({"docstatus": 0}, **values)
		self.rows[doctype].append(row)
		return row

	def late_fee_name(self) -> str:
		return self.late_fees.next()

	def flush(self) -> dict[str, int]:
		"""Write what was made since the last flush (in this transaction) and move the series on."""
		started = time.monotonic()
		counts = {}
		for doctype, rows in self.rows.items():
			if rows:
				insert(doctype, list(rows[0]), rows)
				counts[doctype] = len(rows)
		for series in (self.invoices, self.payments, self.late_fees):
			series.save()
		self.rows.clear()
		counts["seconds"] = round(time.monotonic() - started, 1)
		return counts
