"""Online bill payment (WeChat Pay, Alipay) — issue 21.

- ``platforms``: the interface every platform implements (Notice, Launch, RefundResult, StatementLine,
  Platform, get_platform, enabled_platforms, log_request).
- ``wechat_pay`` / ``alipay``: the platforms, on the official SDKs, reached only through their configured
  base URL.
- ``orders``: payable bills, a payment order per attempt, fulfilment exactly once (one ERPNext Payment Entry
  per platform transaction), advances for bills settled meanwhile, Mode of Payment set-up.
- ``notify``: the platforms' notification endpoints (guest, POST).
- ``api``: the whitelisted methods the resident portal calls.
- ``pending``: the scheduled query/close of orders still pending.
- ``refunds`` / ``reconciliation``: refunds by an accountant, the daily statement reconciliation.
- ``portal``: the portal pages (pay, order status, receipts).
"""
