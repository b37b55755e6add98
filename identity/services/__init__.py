"""Identity's rules and integrations, one module per topic: callers import the topic module
(``identity.services.otp``, ``identity.services.notifications`` …), never this package."""
