"""Transfers' rules, one module per topic: ``orders`` (the three kinds, posted under the
member's lock), ``beneficiaries``, ``holders``, ``settlement`` (the interbank files and the
central bank's answers), ``gateway``, ``calendar`` (business days), ``reference``."""
