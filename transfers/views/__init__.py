"""Transfers' pages by group: ``orders`` (the three transfers, their code and receipt),
``beneficiaries`` (Administrar beneficiarios), ``limits`` (Personalización de cupos)."""
