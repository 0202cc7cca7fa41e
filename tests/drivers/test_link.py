"""The link layer end to end: echo device over sim://, a real pty, spy:// and socket://, including a
vanished port and its recovery, garbage on the wire, and the codec contract."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
import serial

import drivers.sim
from drivers.contract import OFFLINE, OK, HealthChanged
from drivers.echo.driver import EchoDevice
from drivers.echo.protocol import Echo, Echoed, EchoProtocol
from drivers.echo.simulator import EchoSimulator
from drivers.errors import DeviceTimeout, DeviceUnavailable, RemoteProtocolError
from drivers.link import Link, LinkDown, LinkUp
from drivers.sim.pty import PtyServer


@pytest.fixture
def pty_echo(tmp_path: Path):
    sim = EchoSimulator()
    server = PtyServer(sim, link=tmp_path / "echo")
    yield sim, server, str(tmp_path / "echo")
    server.close()
    sim.close()


def test_echo_over_sim_url() -> None:
    device = EchoDevice("sim://echo/a").start(wait=2.0)
    try:
        assert device.echo(b"hello") == b"hello"
        assert device.echo("出入境".encode()) == "出入境".encode()
    finally:
        device.stop()
    assert bytes(drivers.sim.instance("sim://echo/a").received).count(b"hello") == 1


def test_echo_over_pty(pty_echo) -> None:
    _, server, path = pty_echo
    assert server.path.startswith("/dev/pts/")
    device = EchoDevice(path).start(wait=2.0)
    try:
        assert device.echo(b"\x00\x02\x03binary\xff") == b"\x00\x02\x03binary\xff"
        assert device.echo(b"x" * 3000) == b"x" * 3000  # larger than one pty buffer read
    finally:
        device.stop()


def test_echo_over_spy_url_on_a_pty(pty_echo) -> None:
    _, server, _ = pty_echo
    device = EchoDevice(f"spy://{server.path}?file=/dev/null").start(wait=2.0)
    try:
        assert device.echo(b"spied") == b"spied"
    finally:
        device.stop()


def test_echo_over_socket_url() -> None:
    """A TCP-to-serial bridge (socket://) is just another URL."""
    sim = EchoSimulator()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def bridge() -> None:
        conn, _ = listener.accept()
        sim.connect(conn.sendall)
        with conn:
            while data := conn.recv(4096):
                sim.receive(data)

    thread = threading.Thread(target=bridge, daemon=True)
    thread.start()
    device = EchoDevice(f"socket://127.0.0.1:{port}").start(wait=2.0)
    try:
        assert device.echo(b"over tcp") == b"over tcp"
    finally:
        device.stop()
        listener.close()
        sim.close()


@pytest.mark.parametrize("transport", ["sim", "pty"])
def test_vanished_port_is_reported_and_recovered(transport: str, pty_echo, recorder) -> None:
    if transport == "sim":
        sim, url = drivers.sim.instance("sim://echo/unplug"), "sim://echo/unplug"
    else:
        sim, _, url = pty_echo
    link = Link(url, EchoProtocol(), recorder, name="echo")
    link.start(wait=3)
    recorder.wait_for(LinkUp)
    link.send(Echo(b"before"))
    assert recorder.wait_for(Echoed).payload == b"before"

    sim.unplug()
    down = recorder.wait_for(LinkDown)
    assert down.url == url and down.reason
    assert not link.connected
    with pytest.raises(DeviceUnavailable):
        link.send(Echo(b"while unplugged"))

    sim.replug()
    recorder.wait_for(LinkUp)
    link.send(Echo(b"after"))
    assert recorder.wait_for(Echoed).payload == b"after"
    assert link.opened == 2
    link.close()


def test_an_unplugged_pty_takes_its_link_away_and_replugging_brings_a_new_one(tmp_path: Path) -> None:
    """The kernel reuses a freed /dev/pts/N for the next pty anyone opens: a link left pointing at
    it after unplugging would connect the host to a stranger (seen as a flaky crash test under load)."""
    sim = EchoSimulator()
    link = tmp_path / "echo"
    with PtyServer(sim, link=link) as server:
        first = server.path
        assert link.resolve() == Path(first)
        sim.unplug()
        assert not link.exists() and not link.is_symlink()
        sim.replug()
        assert link.is_symlink() and link.resolve() == Path(server.path)
        serial.Serial(str(link), timeout=0).close()  # the host can open it again
    sim.close()


def test_port_missing_at_start_is_retried_until_it_appears(tmp_path: Path, recorder) -> None:
    path = tmp_path / "late"
    link = Link(str(path), EchoProtocol(), recorder, name="late", reconnect_max=0.1)
    link.start()
    assert "late" in recorder.wait_for(LinkDown).reason  # names the missing path
    sim = EchoSimulator()
    with PtyServer(sim, link=path):
        recorder.wait_for(LinkUp)
        link.send(Echo(b"hi"))
        assert recorder.wait_for(Echoed).payload == b"hi"
        link.close()
    sim.close()


def test_start_with_wait_raises_when_the_port_never_opens(tmp_path: Path) -> None:
    link = Link(str(tmp_path / "absent"), EchoProtocol(), name="absent")
    with pytest.raises(DeviceUnavailable, match="absent"):
        link.start(wait=0.2)
    link.close()


def test_garbage_becomes_an_error_event_and_the_link_recovers() -> None:
    device = EchoDevice("sim://echo/garbage", timeout=1.0).start(wait=2.0)
    sim = drivers.sim.instance("sim://echo/garbage")
    try:
        sim.corrupt_next = True
        with pytest.raises(RemoteProtocolError, match="LRC"):
            device.echo(b"damaged")
        assert device.echo(b"fine again") == b"fine again"
    finally:
        device.stop()


def test_silent_device_times_out() -> None:
    device = EchoDevice("sim://echo/slow?delay=5", timeout=0.2).start(wait=2.0)
    try:
        with pytest.raises(DeviceTimeout):
            device.echo(b"anyone?")
    finally:
        device.stop()


def test_a_failing_event_callback_does_not_kill_the_reader(recorder) -> None:
    calls = []

    def flaky(event):
        calls.append(event)
        if isinstance(event, Echoed) and event.payload == b"boom":
            raise RuntimeError("handler bug")
        recorder(event)

    link = Link("sim://echo/flaky", EchoProtocol(), flaky).start(wait=2)
    link.send(Echo(b"boom"))
    link.send(Echo(b"still alive"))
    assert recorder.wait_for(Echoed).payload == b"still alive"
    link.close()


def test_endless_codec_errors_are_bounded() -> None:
    class AlwaysBroken:
        resets = 0

        def receive_data(self, data: bytes) -> None:
            pass

        def next_event(self):
            raise RemoteProtocolError("broken")

        def reset(self) -> None:
            self.resets += 1

    codec = AlwaysBroken()
    link = Link("sim://echo/broken", codec).start(wait=2)
    assert isinstance(link.next_event(2), LinkUp)
    link.write(b"x")
    assert isinstance(link.next_event(2), RemoteProtocolError)
    link.close()
    assert codec.resets >= 2  # once at open, once when the error bound was hit


def test_the_echo_driver_announces_its_health(recorder) -> None:
    """drivers/echo is the smallest complete driver: it follows the contract too."""
    device = EchoDevice("sim://echo/health")
    device.listen(recorder)
    assert device.health() == OFFLINE                      # not started
    device.start(wait=2.0)
    try:
        assert recorder.wait_for(HealthChanged).health == OK == device.health()
        sim = drivers.sim.instance("sim://echo/health")
        sim.unplug()
        assert recorder.wait_for(HealthChanged).health == OFFLINE
        sim.replug()
        assert recorder.wait_for(HealthChanged).health == OK
        assert device.echo(b"back") == b"back"
    finally:
        device.stop()
