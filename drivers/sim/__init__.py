"""Simulated devices, reachable by URL exactly like real ports.

* In process: ``sim://<device>[/<instance>][?key=value&...]`` is a pyserial URL handler (this
  package is appended to ``serial.protocol_handler_packages`` on import). The first open of a URL
  creates the simulator with ``drivers.<device>.simulator.create_simulator(**params)``; later opens of
  the same device/instance (a reconnect) reach the same object, so tests script faults on it with
  :func:`instance`.
* Over a real pseudo-terminal: ``kiosk-sim <device> --pty`` (see ``drivers/sim/__main__.py``).

Each device adds its simulator by providing ``drivers/<device>/simulator.py`` with a
``create_simulator(**params: str) -> Simulator`` function; nothing here needs editing.
"""

from __future__ import annotations

import importlib
import threading
from urllib.parse import parse_qsl, urlsplit

import serial

from drivers.sim.base import Simulator

__all__ = ["Simulator", "attach", "create", "forget_all", "instance", "parse_sim_url"]

if "drivers.sim" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("drivers.sim")

_instances: dict[str, Simulator] = {}
_lock = threading.Lock()


def parse_sim_url(url: str) -> tuple[str, str, dict[str, str]]:
    """``sim://idcard/k1?slow=1`` -> ``("idcard", "idcard/k1", {"slow": "1"})``.

    The key (second item) names the simulator instance; without an instance part it is the device.
    """
    parts = urlsplit(url)
    if parts.scheme != "sim" or not parts.netloc:
        raise ValueError(f"expected sim://<device>[/<instance>][?params], got {url!r}")
    device = parts.netloc
    if not device.replace("_", "").isalnum():
        raise ValueError(f"bad simulated device name {device!r} in {url!r}")
    instance_name = parts.path.strip("/")
    key = f"{device}/{instance_name}" if instance_name else device
    return device, key, dict(parse_qsl(parts.query))


def create(device: str, **params: str) -> Simulator:
    """A new simulator for ``device`` (from ``drivers.<device>.simulator.create_simulator``)."""
    try:
        module = importlib.import_module(f"drivers.{device}.simulator")
    except ModuleNotFoundError as exc:
        if exc.name in (f"drivers.{device}", f"drivers.{device}.simulator"):
            raise ValueError(f"no simulator for device {device!r}") from exc
        raise
    return module.create_simulator(**params)


def instance(url_or_key: str) -> Simulator:
    """The simulator behind a ``sim://`` URL (or its key), creating it if nobody opened it yet."""
    if url_or_key.startswith("sim://"):
        device, key, params = parse_sim_url(url_or_key)
    else:
        key = url_or_key
        device, params = key.split("/", 1)[0], {}
    with _lock:
        sim = _instances.get(key)
        if sim is None:
            sim = create(device, **params)
            _instances[key] = sim
        return sim


def attach(url_or_key: str, sim: Simulator) -> None:
    """Make ``sim`` the simulator that opening ``url_or_key`` reaches (for tests and the demo)."""
    key = parse_sim_url(url_or_key)[1] if url_or_key.startswith("sim://") else url_or_key
    with _lock:
        _instances[key] = sim


def forget_all() -> None:
    """Close and forget every in-process simulator (test isolation)."""
    with _lock:
        sims = list(_instances.values())
        _instances.clear()
    for sim in sims:
        sim.close()
