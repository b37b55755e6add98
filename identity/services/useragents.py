"""What a User-Agent says about the device, in the words the manuals' screens use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext
from ua_parser import parse


@dataclass(frozen=True)
class DeviceInfo:
    browser: str
    device_type: str
    os_name: str
    os_version: str

    @property
    def label(self) -> str:
        """ "Microsoft Edge - WEB", as the header's "Dispositivo" shows it."""
        return f"{self.browser} - {self.device_type}"


_BROWSER_NAMES = {"Edge": "Microsoft Edge", "Chrome": "Google Chrome", "Chrome Mobile": "Chrome"}


@lru_cache(maxsize=512)
def device_info(user_agent: str) -> DeviceInfo:
    result = parse(user_agent or "")
    family = result.user_agent.family if result.user_agent else ""
    browser = _BROWSER_NAMES.get(family, family) or gettext("Navegador")
    os_name = result.os.family if result.os else ""
    os_version = ".".join(p for p in (result.os.major, result.os.minor) if p) if result.os else ""
    mobile = os_name in {"Android", "iOS"} or "Mobile" in (user_agent or "")
    return DeviceInfo(
        browser=browser[:60],
        device_type="MÓVIL" if mobile else "WEB",
        os_name=(os_name or "")[:60],
        os_version=os_version[:30],
    )
