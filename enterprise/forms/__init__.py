"""The enterprise forms by page group: ``orders``, ``levels``, ``queries``, ``users``."""
