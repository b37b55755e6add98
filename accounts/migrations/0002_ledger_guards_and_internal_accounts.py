"""What the database itself enforces about the ledger, and the cooperative's internal accounts."""

from django.db import migrations

PG_GUARDS = """
CREATE OR REPLACE FUNCTION accounts_entry_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'accounts_entry is append-only: entries are never updated or deleted'
    USING ERRCODE = '23514';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_entry_append_only
  BEFORE UPDATE OR DELETE ON accounts_entry
  FOR EACH ROW EXECUTE FUNCTION accounts_entry_append_only();

CREATE OR REPLACE FUNCTION accounts_transaction_balanced() RETURNS trigger AS $$
DECLARE total numeric;
BEGIN
  SELECT COALESCE(SUM(amount), 0) INTO total FROM accounts_entry
   WHERE transaction_id = NEW.transaction_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'transaction % does not balance: entries sum to %', NEW.transaction_id, total
      USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER accounts_entry_balanced
  AFTER INSERT ON accounts_entry
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION accounts_transaction_balanced();
"""

PG_GUARDS_DROP = """
DROP TRIGGER IF EXISTS accounts_entry_balanced ON accounts_entry;
DROP FUNCTION IF EXISTS accounts_transaction_balanced();
DROP TRIGGER IF EXISTS accounts_entry_append_only ON accounts_entry;
DROP FUNCTION IF EXISTS accounts_entry_append_only();
"""

# SQLite cannot defer a check to commit; it still refuses edits. Deletes stay possible at the
# SQL level only so the test runner can empty tables (the model refuses them).
SQLITE_GUARDS = """
CREATE TRIGGER accounts_entry_append_only BEFORE UPDATE ON accounts_entry
BEGIN SELECT RAISE(ABORT, 'accounts_entry is append-only'); END;
"""
SQLITE_GUARDS_DROP = "DROP TRIGGER IF EXISTS accounts_entry_append_only;"

INTERNAL_ACCOUNTS = [
    ("9900000001", "CASH"),
    ("9900000002", "INTERBANK_CLEARING"),
    ("9900000003", "FEE_INCOME"),
    ("9900000004", "VAT_PAYABLE"),
    ("9900000005", "BILLER_SETTLEMENT"),
    ("9900000006", "LOAN_PORTFOLIO"),
    ("9900000007", "CARD_PORTFOLIO"),
    ("9900000008", "INTEREST_EXPENSE"),
    ("9900000009", "PAYROLL_CLEARING"),
]


def install_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_GUARDS, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARDS)


def remove_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_GUARDS_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARDS_DROP)


def create_internal_accounts(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    for number, code in INTERNAL_ACCOUNTS:
        Account.objects.get_or_create(
            internal_code=code, defaults={"number": number, "product": "INTERNA", "status": "ACTIVA"}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(install_guards, remove_guards),
        migrations.RunPython(create_internal_accounts, migrations.RunPython.noop),
    ]
