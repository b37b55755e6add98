"""The load run's users (locust), each doing what a person does through the portal's pages:

* ``Member``: signs in (password, the device step the first time, the e-mailed code), then for
  a session of 8 to 16 actions looks at the position and movements, the transfers and payees
  pages, downloads last month's statement (PDF) or the movements (XLSX), transfers to a saved
  payee (confirmed with an e-mailed code) or between their own accounts (no code), and signs
  out; the next session is another member's.
* ``Company``: a company's ingresador registers transfers to the company's approved payee
  (each confirmed with a code; each becomes an order waiting for one A signature) and its
  autorizador signs the waiting ones together ("Autorización masiva", one code); both browse.
* ``Trivial``: ``GET /healthz``, the baseline of the saturation phase (see run.py);
  ``SignedInTrivial``: ``GET /sesion/aviso/`` by signed-in members, a second one for the record.

Every step checks what it got (status, where it redirects, a text the page must show, a PDF's or
XLSX's first bytes); anything else is a failure on that step's line, and the person starts over
with a new sign-in. URLs with ids are grouped under one name ("/transferencias/[id]/").

``configure`` (called by run.py) hands over the dataset, the mailbox and the think time.
"""

from __future__ import annotations

import functools
import os
import random
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookiejar import Cookie
from urllib.parse import urlencode

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser

from tests.load.mailbox import Mailbox

SESSION_ACTIONS = (8, 16)  # actions per sign-in
CODE_WAIT = 60.0  # seconds a person waits for an e-mailed code before giving up (an error)
# A login's codes an hour, as the portal counts them (settings OTP_*_CODES_PER_HOUR). The run
# seeds enough logins to stay under them; a login whose budget is spent is not used again.
SIGN_IN_CODES = int(os.environ.get("OTP_SIGN_IN_CODES_PER_HOUR", "5"))
OPERATION_CODES = int(os.environ.get("OTP_OPERATION_CODES_PER_HOUR", "10"))
THINK = between(1, 5)  # seconds between a person's actions in the phase "with think time"

CSRF_COOKIE = "csrftoken"
DEVICE_COOKIE = "dispositivo"
STEP_RE = re.compile(r"^/ingresar/([a-z]+)/$")
FORM_KEY_RE = re.compile(r'name="key" value="([0-9a-f-]{36})"')
CHALLENGE_RE = re.compile(r'name="otp_challenge" value="(\d+)"')
RECEIPT_RE = re.compile(r"^/transferencias/(\d+)/$")
ORDER_RE = re.compile(r"^/empresa/ordenes/(\d+)/$")


class StepFailed(Exception):
    """A step got something other than what a person expects; already counted as a failure."""


# --- who signs in ------------------------------------------------------------------------------


@dataclass
class Login:
    username: str
    email: str
    sign_in_codes: int = 0
    operation_codes: int = 0
    device: Cookie | None = None  # the registered-device cookie, kept as the browser keeps it

    def may_sign_in(self) -> bool:
        return self.sign_in_codes < SIGN_IN_CODES

    def may_confirm(self) -> bool:
        return self.operation_codes < OPERATION_CODES


@dataclass
class MemberData:
    login: Login
    savings: dict
    shares: dict
    beneficiaries: list[int]


@dataclass
class CompanyData:
    maker: Login
    approver: Login
    checking: dict
    beneficiary: int


class Pool:
    """Logins handed out in turn, one person at a time, the least used first."""

    def __init__(self, items: list):
        self.items = items
        self.free = deque(items)

    def take(self, usable):
        for _ in range(len(self.free)):
            item = self.free.popleft()
            if usable(item):
                return item
            self.free.append(item)
        raise RuntimeError("no login left with codes to spare this hour: seed more (dataset.py)")

    def give_back(self, item) -> None:
        if item is not None and item not in self.free:
            self.free.append(item)

    def reclaim(self) -> None:
        """Between phases: the stopped users' logins are free again."""
        self.free = deque(self.items)


@dataclass
class Shared:
    members: Pool
    companies: Pool
    mailbox: Mailbox
    statement_month: str
    password: str
    think: bool = True
    notes: Counter = field(default_factory=Counter)


SHARED: Shared | None = None


def configure(data: dict, mailbox: Mailbox) -> Shared:
    global SHARED
    members = [
        MemberData(
            login=Login(m["username"], m["email"]),
            savings=m["savings"],
            shares=m["shares"],
            beneficiaries=m["beneficiaries"],
        )
        for m in data["members"]
    ]
    companies = [
        CompanyData(
            maker=Login(c["maker"]["username"], c["maker"]["email"]),
            approver=Login(c["approver"]["username"], c["approver"]["email"]),
            checking=c["checking"],
            beneficiary=c["beneficiary"],
        )
        for c in data["companies"]
    ]
    SHARED = Shared(
        members=Pool(members),
        companies=Pool(companies),
        mailbox=mailbox,
        statement_month=data["statement_month"],
        password=data["password"],
    )
    return SHARED


def think_time(user) -> float:
    return THINK(user) if SHARED.think else 0.0


# --- one browser -------------------------------------------------------------------------------


class Browser:
    """A person's browser on one FastHttpSession: cookies, the CSRF token, checked steps."""

    def __init__(self, session: FastHttpSession, events):
        self.session = session
        self.events = events

    def get(self, url: str, name: str, **checks) -> object:
        return self.request("GET", url, name, **checks)

    def post(self, url: str, name: str, fields: dict | None = None, **checks) -> object:
        token = self.cookie(CSRF_COOKIE)
        body = urlencode({**(fields or {}), "csrfmiddlewaretoken": token or ""}, doseq=True)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", url, name, data=body, headers=headers, **checks)

    def request(
        self,
        method: str,
        url: str,
        name: str,
        *,
        status: int = 200,
        location: re.Pattern | str | None = None,
        contains: tuple[str, ...] = (),
        starts: bytes = b"",
        **kwargs,
    ):
        with self.session.request(
            method, url, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            problem = _problem(response, status, location, contains, starts)
            if problem:
                response.failure(problem)
            else:
                response.success()
        if problem:
            raise StepFailed(problem)
        return response

    def cookie(self, name: str) -> str | None:
        for cookie in self.session.cookiejar:
            if cookie.name == name:
                return cookie.value
        return None

    def device_cookie(self) -> Cookie | None:
        return next((c for c in self.session.cookiejar if c.name == DEVICE_COOKIE), None)

    def wait_code(self, login: Login, *, after: int, about: str, label: str) -> str:
        """The code from the inbox, the wait reported as its own line (type CORREO)."""
        started = time.perf_counter()
        code = SHARED.mailbox.wait(login.email, after=after, about=about, timeout=CODE_WAIT)
        waited = (time.perf_counter() - started) * 1000
        error = None if code else StepFailed(f"no llegó el código a {login.email} en {CODE_WAIT}s")
        self.events.request.fire(
            request_type="CORREO",
            name=label,
            response_time=waited,
            response_length=0,
            exception=error,
            context={},
        )
        if error:
            raise error
        return code.code

    # --- the sign-in, as tests/auth.py walks it ------------------------------------------------

    def sign_in(self, login: Login, password: str, *, device_alias: str) -> None:
        self.session.cookiejar.clear()
        if login.device is not None:
            self.session.cookiejar.set_cookie(login.device)
        self.get("/ingresar/", "/ingresar/", contains=('name="password"',))
        before = SHARED.mailbox.count(login.email)
        response = self.post(
            "/ingresar/",
            "/ingresar/",
            {"username": login.username, "password": password},
            status=302,
            location=STEP_RE,
        )
        step = STEP_RE.match(response.headers["Location"]).group(1)
        if step == "dispositivo":
            self.get("/ingresar/dispositivo/", "/ingresar/dispositivo/", contains=('"register"',))
            self.post(
                "/ingresar/dispositivo/",
                "/ingresar/dispositivo/",
                {"register": "si", "alias": device_alias},
                status=302,
                location="/ingresar/codigo/",
            )
        elif step != "codigo":
            raise StepFailed(f"paso de ingreso inesperado: {step}")
        login.sign_in_codes += 1  # sent on the POST that led to the code step
        self.get("/ingresar/codigo/", "/ingresar/codigo/", contains=('name="otp_digit"',))
        code = self.wait_code(
            login, after=before, about="ingresar a Cooprogreso", label="código de ingreso"
        )
        self.post(
            "/ingresar/codigo/",
            "/ingresar/codigo/",
            {"otp_step": "verify", "otp_code": code},
            status=302,
            location="/",
        )
        login.device = self.device_cookie() or login.device

    def sign_out(self) -> None:
        self.post("/salir/", "/salir/", status=302)
        self.session.cookiejar.clear()

    def confirm_with_code(
        self, url: str, name: str, fields: dict, login: Login, *, about: str, **checks
    ):
        """A confirm button that opens the code dialog, then the code from the inbox."""
        before = SHARED.mailbox.count(login.email)
        dialog = self.post(url, name, fields, contains=('name="otp_digit"',))
        login.operation_codes += 1
        challenge = CHALLENGE_RE.search(dialog.text).group(1)
        code = self.wait_code(login, after=before, about=about, label="código de operación")
        verify = {**fields, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code}
        return self.post(url, name, verify, status=302, **checks)


def _problem(response, status, location, contains, starts) -> str:
    if response.status_code != status:
        return f"HTTP {response.status_code} (se esperaba {status})"
    if location is not None:
        where = response.headers.get("Location") or ""
        matched = location.match(where) if isinstance(location, re.Pattern) else where == location
        if not matched:
            return f"redirige a {where!r}"
    content = response.content or b""
    if starts and not content.startswith(starts):
        return f"no empieza con {starts!r}"
    if contains:
        text = content.decode("utf-8", "replace")
        missing = [c for c in contains if c not in text]
        if missing:
            return f"falta {missing[0]!r}"
    return ""


def form_key(page) -> str:
    return FORM_KEY_RE.search(page.text).group(1)


def amount(low: int = 100, high: int = 999) -> str:
    return f"{Decimal(random.randint(low, high)).scaleb(-2):.2f}"


def action(weight: int):
    """A task that runs inside a signed-in session; a failed step ends the session."""

    def decorate(method):
        @functools.wraps(method)
        def run(self):
            try:
                self.session_ready()
                method(self)
                self.actions_left -= 1
            except StepFailed:
                self.session_drop()
            except Exception:
                self.session_drop()
                raise  # locust counts it (run.py adds it to the errors)

        return task(weight)(run)

    return decorate


# --- the users ---------------------------------------------------------------------------------


class Member(FastHttpUser):
    wait_time = think_time

    def on_start(self):
        self.browser = Browser(self.client, self.environment.events)
        self.data: MemberData | None = None
        self.actions_left = 0

    def on_stop(self):
        SHARED.members.give_back(self.data)

    def session_ready(self) -> None:
        if self.data is not None and self.actions_left > 0:
            return
        if self.data is not None:
            self.browser.sign_out()
            self.session_drop()
        self.data = SHARED.members.take(lambda m: m.login.may_sign_in())
        self.actions_left = random.randint(*SESSION_ACTIONS)
        self.browser.sign_in(self.data.login, SHARED.password, device_alias="Navegador de carga")
        self.browser.get("/", "/", contains=(self.data.savings["number"][-4:],))

    def session_drop(self) -> None:
        SHARED.members.give_back(self.data)
        self.data = None
        self.actions_left = 0

    @action(6)
    def position(self):
        self.browser.get("/", "/", contains=(self.data.savings["number"][-4:],))

    @action(4)
    def movements(self):
        number = self.data.savings["number"]
        self.browser.get(
            f"/cuentas/{number}/movimientos/?periodo=mes_anterior",
            "/cuentas/[número]/movimientos/?periodo=mes_anterior",
            contains=("DEPÓSITO AHORROS",),  # the month's opening deposit
        )

    @action(1)
    def transfers_and_payees(self):
        self.browser.get("/transferencias/", "/transferencias/")
        self.browser.get("/beneficiarios/", "/beneficiarios/", contains=("Socio carga",))

    @action(1)
    def statement_pdf(self):
        self.browser.get("/estado-de-cuenta/", "/estado-de-cuenta/")
        number, month = self.data.savings["number"], SHARED.statement_month
        self.browser.get(
            f"/estado-de-cuenta/?cuenta={number}&mes={month}",
            "/estado-de-cuenta/?cuenta=[número]&mes=[mes] (PDF)",
            starts=b"%PDF",
        )

    @action(1)
    def movements_xlsx(self):
        number = self.data.savings["number"]
        self.browser.get(
            f"/cuentas/{number}/movimientos/descargar.xlsx?periodo=mes_anterior",
            "/cuentas/[número]/movimientos/descargar.xlsx?periodo=mes_anterior",
            starts=b"PK",
        )

    @action(2)
    def transfer_to_payee(self):
        if not self.data.login.may_confirm():
            SHARED.notes["transferencias a terceros cambiadas por propias (códigos agotados)"] += 1
            return self.own_transfer_steps()
        url = "/transferencias/cooprogreso/"
        payee = random.choice(self.data.beneficiaries)
        page = self.browser.get(f"{url}?beneficiario={payee}", f"{url}?beneficiario=[id]")
        fields = {
            "beneficiary": payee,
            "origin": self.data.savings["pk"],
            "amount": amount(),
            "memo": "Carga",
            "key": form_key(page),
        }
        self.browser.post(url, url, fields, contains=("Verifica que todos los datos",))
        done = self.browser.confirm_with_code(
            f"{url}confirmar/",
            f"{url}confirmar/",
            fields,
            self.data.login,
            about=f"transferir $ {fields['amount']}",
            location=RECEIPT_RE,
        )
        self.receipt(done.headers["Location"])

    @action(1)
    def own_transfer(self):
        self.own_transfer_steps()

    def own_transfer_steps(self):
        url = "/transferencias/mis-cuentas/"
        page = self.browser.get(url, url)
        fields = {
            "origin": self.data.savings["pk"],
            "destination": self.data.shares["pk"],
            "amount": amount(),
            "memo": "Ahorro",
            "key": form_key(page),
        }
        self.browser.post(url, url, fields, contains=("Verifica que todos los datos",))
        done = self.browser.post(
            url, url, {**fields, "step": "confirm"}, status=302, location=RECEIPT_RE
        )
        self.receipt(done.headers["Location"])

    def receipt(self, url: str) -> None:
        self.browser.get(url, "/transferencias/[id]/", contains=("¡Transferencia exitosa!",))


class Company(FastHttpUser):
    """One company's two people, in two browsers: the ingresador and the autorizador."""

    wait_time = think_time

    def on_start(self):
        self.maker = Browser(self.client, self.environment.events)
        approver = FastHttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self
        )
        self.approver = Browser(approver, self.environment.events)
        self.data: CompanyData | None = None
        self.actions_left = 0
        self.waiting: list[int] = []  # orders the ingresador registered, not yet signed

    def on_stop(self):
        SHARED.companies.give_back(self.data)

    def session_ready(self) -> None:
        if self.data is not None and self.actions_left > 0:
            return
        if self.data is not None:
            if self.waiting:
                self.sign_waiting()  # nothing is left waiting when the two leave
            self.maker.sign_out()
            self.approver.sign_out()
            self.session_drop()
        self.data = SHARED.companies.take(
            lambda c: (
                c.maker.may_sign_in()
                and c.approver.may_sign_in()
                and c.maker.may_confirm()
                and c.approver.may_confirm()
            )
        )
        self.actions_left = random.randint(*SESSION_ACTIONS)
        self.waiting = []
        for browser, login in ((self.maker, self.data.maker), (self.approver, self.data.approver)):
            browser.sign_in(login, SHARED.password, device_alias="Oficina")
            browser.get("/", "/ (empresa)")

    def session_drop(self) -> None:
        SHARED.companies.give_back(self.data)
        self.data = None
        self.actions_left = 0

    @action(3)
    def order(self):
        # The autorizador needs one code left to sign what this one registers.
        if not self.data.maker.may_confirm():
            self.actions_left = 1  # hand the company over after this action
            return self.sign_waiting() if self.waiting else None
        url = "/transferencias/cooprogreso/"
        payee = self.data.beneficiary
        page = self.maker.get(f"{url}?beneficiario={payee}", f"{url}?beneficiario=[id] (empresa)")
        fields = {
            "beneficiary": payee,
            "origin": self.data.checking["pk"],
            "amount": amount(1000, 9999),
            "memo": "Pago proveedor",
            "key": form_key(page),
        }
        self.maker.post(url, f"{url} (empresa)", fields, contains=("Verifica que todos los datos",))
        done = self.maker.confirm_with_code(
            f"{url}confirmar/",
            f"{url}confirmar/ (empresa)",
            fields,
            self.data.maker,
            about="registrar la orden",
            location=ORDER_RE,
        )
        order_url = done.headers["Location"]
        self.maker.get(
            order_url,
            "/empresa/ordenes/[id]/",
            contains=('data-testid="order-status">Pendiente<',),
        )
        self.waiting.append(int(ORDER_RE.match(order_url).group(1)))

    @action(2)
    def approve(self):
        if self.waiting:
            self.sign_waiting()
        else:
            self.approver.get("/empresa/autorizar/", "/empresa/autorizar/")

    @action(2)
    def browse(self):
        self.maker.get("/", "/ (empresa)")
        self.approver.get("/empresa/consultas/", "/empresa/consultas/")

    def sign_waiting(self) -> None:
        """The autorizador ticks the waiting orders and signs them with one code."""
        url = "/empresa/autorizar/"
        rows = tuple(f'name="orders" value="{pk}"' for pk in self.waiting)
        self.approver.get(url, url, contains=rows)
        n = len(self.waiting)
        self.approver.confirm_with_code(
            url,
            url,
            {"orders": self.waiting},
            self.data.approver,
            about=f"autorizar {n} operaci",
            location=url,
        )
        done = "1 orden ejecutada" if n == 1 else f"{n} órdenes ejecutadas"
        self.approver.get(url, url, contains=(f"Autorización masiva: {done}.",))
        self.approver.get(
            f"/empresa/ordenes/{self.waiting[-1]}/",
            "/empresa/ordenes/[id]/",
            contains=('data-testid="order-status">Aprobada<',),
        )
        self.waiting = []


class Trivial(FastHttpUser):
    """The baseline: the portal's liveness view (one ``SELECT 1``) through the same gunicorn,
    middleware and load generator as the member mix."""

    wait_time = constant(0)

    @task
    def healthz(self):
        with self.client.get("/healthz", catch_response=True) as response:
            if response.status_code != 200 or b'"ok"' not in (response.content or b""):
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()


class SignedInTrivial(FastHttpUser):
    """A second baseline, for the record: ``GET /sesion/aviso/`` (the idle dialog: a signed-in
    member's session and user loaded, a ten-line template, the session not saved) by members
    who signed in before the timing starts (``signed_in`` counts them)."""

    wait_time = constant(0)
    signed_in = 0

    def on_start(self):
        self.browser = Browser(self.client, self.environment.events)
        self.data = None

    def on_stop(self):
        SHARED.members.give_back(self.data)

    @task
    def idle_dialog(self):
        try:
            if self.data is None:
                self.data = SHARED.members.take(lambda m: m.login.may_sign_in())
                self.browser.sign_in(self.data.login, SHARED.password, device_alias="Carga")
                SignedInTrivial.signed_in += 1
            self.browser.get("/sesion/aviso/", "/sesion/aviso/", contains=("¿Sigues ahí?",))
        except StepFailed:
            SHARED.members.give_back(self.data)
            self.data = None
