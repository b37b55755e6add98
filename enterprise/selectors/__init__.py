"""The enterprise reads, one module per topic: who reaches what (``access``), the Autorizar
page's orders and payees (``orders``), Consultas (``queries``), signature levels (``levels``),
company users (``users``) and Auditoría (``audit``). Callers import the topic module."""
