"""Shared helpers under every app: es-EC formatting, money input, safe spreadsheets, PDF
rendering, the period filters, the pager and the one refusal error. This package imports no
project app (``lint-imports`` holds it to that)."""
