"""The table both bare baselines of figure 3 render: ten account rows, no database."""

from decimal import Decimal

TEMPLATE_SOURCE = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><h1>{{ title }}</h1>
<table><thead><tr><th>N.º Cta.</th><th>Tipo de cuenta</th><th>Saldo disponible</th>
<th>Saldo contable</th><th>Estado</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.product }}</td>
<td>{{ row.available|floatformat:2 }}</td><td>{{ row.balance|floatformat:2 }}</td>
<td>{{ row.status }}</td></tr>{% endfor %}</tbody></table></body></html>"""

ROWS = [
    {
        "number": f"41010000{i:04d}",
        "product": "CUENTA DE AHORROS",
        "available": Decimal(1000 + 37 * i),
        "balance": Decimal(1200 + 41 * i),
        "status": "ACTIVA",
    }
    for i in range(10)
]
CONTEXT = {"title": "Posición consolidada", "rows": ROWS}
