from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connections, router

from .models import Member, SignIn, User

SESSION_KEY = "previous_sign_in"


@dataclass(frozen=True)
class PreviousSignIn:
    at: datetime
    device: str
    ip: str | None


def previous_sign_in(*, user: User) -> PreviousSignIn | None:
    """The latest recorded sign-in: what "Última conexión" shows."""
    last = SignIn.objects.filter(user=user).order_by("-at", "-id").first()
    return PreviousSignIn(last.at, last.device, last.ip) if last else None


def remember_previous_sign_in(*, request, user: User) -> None:
    """Called at sign-in, before this one is recorded: the session keeps the previous one, so
    no page needs a query to show it."""
    previous = previous_sign_in(user=user)
    request.session[SESSION_KEY] = (
        {"at": previous.at.isoformat(), "device": previous.device, "ip": previous.ip}
        if previous
        else None
    )


def previous_sign_in_for_request(request) -> PreviousSignIn | None:
    stored = request.session.get(SESSION_KEY, False)
    if stored is False:  # a session from before this was kept
        return previous_sign_in(user=request.user)
    if not stored:
        return None
    return PreviousSignIn(datetime.fromisoformat(stored["at"]), stored["device"], stored["ip"])


@cache
def _user_with_customer_plan(alias: str):
    """The SQL and per-column converters for ``user_with_customer``, built once per database
    from the models' own fields, so a new field is picked up without touching this code. (The
    backends' converters only reshape values and take the connection as an argument, so one
    plan serves every thread's connection.)"""
    connection = connections[alias]
    quote = connection.ops.quote_name
    plan = []
    columns = []
    for model, table_alias in ((User, "u"), (Member, "m")):
        fields = model._meta.concrete_fields
        for field in fields:
            columns.append(f"{table_alias}.{quote(field.column)}")
        converters = []
        for field in fields:
            col = field.get_col(table_alias)
            converters.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
        plan.append((model, [f.attname for f in fields], converters))
    # Only quoted identifiers from the models are interpolated; the id is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u"  # noqa: S608
        f" LEFT JOIN {quote(Member._meta.db_table)} m ON m.{quote('id')} = u.{quote('customer_id')}"
        f" WHERE u.{quote('id')} = %s"
    )
    return sql, plan


def _load(model, alias, attnames, converters, values, connection):
    converted = []
    for value, (col, field_converters) in zip(values, converters, strict=True):
        for converter in field_converters:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(alias, attnames, converted)


def user_with_customer(*, user_id) -> User | None:
    """``User.objects.select_related("customer").get(pk=user_id)`` without the ORM's per-call
    SQL compilation, which on PostgreSQL cost four times the query itself. Models are built with
    Django's own ``from_db`` and field converters, exactly as a queryset would build them."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, ((user_model, user_names, user_conv), (member_model, member_names, member_conv)) = (
        _user_with_customer_plan(alias)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(user_names)
    user = _load(user_model, alias, user_names, user_conv, row[:split], connection)
    member_values = row[split:]
    if member_values[0] is not None:
        user.customer = _load(
            member_model, alias, member_names, member_conv, member_values, connection
        )
    return user
