"""``kiosk-sim <device> --pty`` in its own process, scripted over its control channel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from drivers.echo.driver import EchoDevice
from drivers.echo.protocol import Echo, Echoed, EchoProtocol
from drivers.link import Link, LinkDown, LinkUp


def _call(proc: subprocess.Popen, call: str) -> dict:
    proc.stdin.write(json.dumps({"call": call}) + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def test_pty_simulator_process(tmp_path: Path, recorder) -> None:
    link_path = tmp_path / "echo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "drivers.sim", "echo", "--pty", "--control", "--link", str(link_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/pts/")
        device = EchoDevice(path).start(wait=2.0)
        assert device.echo(b"from another process") == b"from another process"
        device.stop()

        link = Link(str(link_path), EchoProtocol(), recorder, reconnect_max=0.1).start(wait=3)
        recorder.wait_for(LinkUp)
        assert _call(proc, "unplug")["ok"]
        recorder.wait_for(LinkDown)
        assert _call(proc, "replug")["ok"]
        recorder.wait_for(LinkUp)
        link.send(Echo(b"back"))
        assert recorder.wait_for(Echoed).payload == b"back"
        link.close()

        bad = _call(proc, "no_such_method")
        assert not bad["ok"] and "AttributeError" in bad["error"]
    finally:
        proc.stdin.close()  # EOF on the control channel stops the simulator
        assert proc.wait(timeout=10) == 0
    assert not link_path.exists()


def test_unknown_device_is_a_clear_error() -> None:
    result = subprocess.run([sys.executable, "-m", "drivers.sim", "toaster", "--pty"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "no simulator for device 'toaster'" in result.stderr
