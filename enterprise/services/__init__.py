"""The enterprise rules and state changes, one module per topic: the approval engine
(``approvals``), company limits (``limits``), signature levels and bands (``levels``), payees
(``payees``), user management (``users``), how the app plugs into ``accounts.registries``
(``operations``) and the Consultas downloads (``exports``). Callers import the topic module."""
