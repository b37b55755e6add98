"""Reference data the portal starts with: the SPI institutions and the cooperative's maximum
limits. The back office edits both afterwards; this only fills empty tables (a fresh database,
or one a test emptied)."""

from decimal import Decimal

# SPI codes here are the portal's own references (the central bank's codes are not public);
# the back office edits the list. Immediate ones settle one by one up to their cap.
INSTITUTIONS = [
    ("0001", "COOP A.Y.C. COOPROGRESO LTDA.", "COOPERATIVA", "LOTE", None, True),
    ("0010", "BANCO PICHINCHA C.A.", "BANCO", "INMEDIATA", "470.00", False),
    ("0017", "BANCO GUAYAQUIL S.A.", "BANCO", "INMEDIATA", "470.00", False),
    ("0030", "BANCO DEL PACIFICO S.A.", "BANCO", "INMEDIATA", "470.00", False),
    ("0036", "BANCO PRODUBANCO S.A.", "BANCO", "INMEDIATA", "470.00", False),
    ("0032", "BANCO INTERNACIONAL S.A.", "BANCO", "LOTE", None, False),
    ("0037", "BANCO BOLIVARIANO C.A.", "BANCO", "LOTE", None, False),
    ("0035", "BANCO DEL AUSTRO S.A.", "BANCO", "LOTE", None, False),
    ("0024", "BANCO DE MACHALA S.A.", "BANCO", "LOTE", None, False),
    ("0029", "BANCO DE LOJA S.A.", "BANCO", "LOTE", None, False),
    ("0042", "BANCO GENERAL RUMIÑAHUI S.A.", "BANCO", "LOTE", None, False),
    ("0059", "BANCO SOLIDARIO S.A.", "BANCO", "LOTE", None, False),
    ("0060", "BANCO PROCREDIT S.A.", "BANCO", "LOTE", None, False),
    ("0066", "BANECUADOR B.P.", "BANCO", "LOTE", None, False),
    ("0067", "BANCO DEL INSTITUTO ECUATORIANO DE SEGURIDAD SOCIAL", "BANCO", "LOTE", None, False),
    ("0081", "BANCO AMAZONAS S.A.", "BANCO", "LOTE", None, False),
    ("0082", "BANCO CODESARROLLO S.A.", "BANCO", "LOTE", None, False),
    ("0201", "MUTUALISTA PICHINCHA", "MUTUALISTA", "LOTE", None, False),
    (
        "0301",
        "COOP. DE AHORRO Y CREDITO JUVENTUD ECUATORIANA PROGRESISTA LTDA.",
        "COOPERATIVA",
        "LOTE",
        None,
        False,
    ),
    ("0302", "COOP. DE AHORRO Y CREDITO JARDIN AZUAYO LTDA.", "COOPERATIVA", "LOTE", None, False),
    ("0303", "COOP. DE AHORRO Y CREDITO 29 DE OCTUBRE LTDA.", "COOPERATIVA", "LOTE", None, False),
    (
        "0304",
        "COOP. DE AHORRO Y CREDITO POLICIA NACIONAL LTDA.",
        "COOPERATIVA",
        "LOTE",
        None,
        False,
    ),
    (
        "0305",
        "COOP. DE AHORRO Y CREDITO ALIANZA DEL VALLE LTDA.",
        "COOPERATIVA",
        "LOTE",
        None,
        False,
    ),
    ("0306", "COOP. DE AHORRO Y CREDITO ANDALUCIA LTDA.", "COOPERATIVA", "LOTE", None, False),
    ("0307", "COOPERATIVA DE AHORRO Y CREDITO SUMAK SISA", "COOPERATIVA", "LOTE", None, False),
    ("0308", "COOP DE A.Y.C. WARMIKUINAPAK RINCHARI LTDA.", "COOPERATIVA", "LOTE", None, False),
    ("0309", "COOP DE A.Y.C. REY DAVID LTDA.", "COOPERATIVA", "LOTE", None, False),
    ("0310", "COAC KULLKI WASI LTDA.", "COOPERATIVA", "LOTE", None, False),
    ("0311", "COOP DE A.Y.C SANTA LUCIA LTDA.", "COOPERATIVA", "LOTE", None, False),
    ("0401", "CORPORACION FINANCIERA NACIONAL B.P.", "OTRA", "LOTE", None, False),
]

LIMITS = [
    ("COOPROGRESO", "5000.00", "15000.00", "30000.00"),
    ("INTERBANCARIA", "3000.00", "10000.00", "20000.00"),
]


def reference_ensure() -> None:
    from ..models import CooperativeLimit, Institution

    for code, name, kind, settlement, cap, is_self in INSTITUTIONS:
        Institution.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "settlement": settlement,
                "immediate_max_amount": Decimal(cap) if cap else None,
                "is_self": is_self,
            },
        )
    for category, daily, weekly, monthly in LIMITS:
        CooperativeLimit.objects.get_or_create(
            category=category,
            defaults={
                "daily": Decimal(daily),
                "weekly": Decimal(weekly),
                "monthly": Decimal(monthly),
            },
        )
