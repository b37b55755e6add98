"""Bulk payments' rules, one module per topic: ``batches`` (upload, save, rename, delete, pay),
``sheets`` (the template and the secure reader), ``validation`` (every rule of a row),
``importer`` (an upload into its rows), ``execution`` (an approved payment paid row by row) and
``reports`` (what Consultas and the summaries show)."""
