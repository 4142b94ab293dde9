"""Writes to the microwork app, one module per area: work (claim, submit), projects (create, upload, publish,
fair pay), review (QA, payment, appeals), results (aggregation, exports, webhooks)."""
