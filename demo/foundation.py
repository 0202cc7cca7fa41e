"""Demo step: the configuration checks out and the link layer talks to a simulator on a real pty."""

from __future__ import annotations

import time

from drivers.echo.driver import EchoDevice
from drivers.echo.simulator import EchoSimulator
from drivers.sim.pty import PtyServer
from kiosk.config import config_files, load_config


def run(ctx) -> None:
    config = load_config(config_files(simulated=True))
    ctx.note(f"configuration OK from {', '.join(p.name for p in config.sources)}; kiosk {config.kiosk.id}")
    sim = EchoSimulator()
    with PtyServer(sim, link=ctx.out / "echo.pty", pace_baud=115200) as server:
        device = EchoDevice(str(ctx.out / "echo.pty")).start(wait=2.0)
        try:
            payload = "出入境 echo".encode()
            started = time.monotonic()
            answer = device.echo(payload)
            elapsed = (time.monotonic() - started) * 1000
            assert answer == payload, answer
            ctx.note(f"echo device over pty {server.path}: {len(payload)} bytes round trip in {elapsed:.1f} ms")
        finally:
            device.stop()
    sim.close()
