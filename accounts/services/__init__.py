"""The accounts app's rules, one module per topic (``ledger``, ``backoffice``, ``products``,
``documents``, ``exports``, ``integrity``): callers import the topic module, never this package."""
