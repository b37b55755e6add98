"""Service payments: see payments/models.py."""
