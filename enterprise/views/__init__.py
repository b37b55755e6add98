"""The enterprise pages by group: Autorizar and an order's page (``orders``), Niveles de firma
(``levels``), Consultas (``queries``), Gestión de usuarios and Auditoría (``users``), on the
administrators' code-confirmed base (``operation``)."""
