from tests.enterprise.conftest import company, payee_account, trusted_payee  # noqa: F401
