"""``kiosk-outreach``: set up and close an outreach station from a terminal (the screens do the day).

    kiosk-outreach station-key [--public-key-file PATH]      the key to register (kiosk-central add-station)
    kiosk-outreach add-officer ID --name NAME [--role supervisor] [--pin-stdin] [--replace]
    kiosk-outreach batches                                   every batch with its counts
    kiosk-outreach roster BATCH                              who is done, pending, refused and why
    kiosk-outreach seal BATCH --supervisor ID [--pin-stdin]  the signed, encrypted batch file
    kiosk-outreach export BATCH DIRECTORY                    copy it to a USB stick
    kiosk-outreach sync BATCH [--limit N]                    send it to the central service
    kiosk-outreach group-list BATCH [--pdf PATH] [--print]   the organiser's list

Every command takes ``--config FILE`` (repeatable; default: the ``KIOSK_CONFIG`` files) and
``--simulated`` (devices on their simulators, data under var/demo).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kiosk.config import ConfigError, config_files, load_config


def _config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    return load_config(config_files(args.config, simulated=args.simulated))


def _pin(args: argparse.Namespace, prompt: str, *, twice: bool = False) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    pin = getpass.getpass(prompt)
    if twice and getpass.getpass("again: ") != pin:
        raise SystemExit("kiosk-outreach: the PINs differ")
    return pin


def _station(args: argparse.Namespace, *, payments: bool = False):  # type: ignore[no-untyped-def]
    from kiosk.outreach.service import OutreachStation, open_store, payments_from_config

    config = _config(args)
    store = open_store(config)
    return OutreachStation.from_config(config, store=store,
                                       payments=payments_from_config(config, store) if payments else None)


def cmd_station_key(args: argparse.Namespace) -> int:
    from wire.outreach_keys import key_id, load_or_create_signing_key, public_bytes, write_key_file

    config = _config(args)
    public = public_bytes(load_or_create_signing_key(config.resolve(config.outreach.signing_key_file)))
    if args.public_key_file:
        write_key_file(Path(args.public_key_file), public, private=False)
    print(f"station {config.outreach.station_id}, signing key {key_id(public)}; register it with:")
    print(f"  kiosk-central add-station {config.outreach.station_id} --public-key {public.hex()} "
          "--secret-file STATION_SECRET_FILE")
    return 0


def cmd_add_officer(args: argparse.Namespace) -> int:
    from kiosk.outreach.officers import create_officer
    from kiosk.outreach.service import open_store
    from kiosk.outreach.store import StoreError

    store = open_store(_config(args))
    try:
        create_officer(store, args.officer_id, args.name, args.role, _pin(args, f"PIN for {args.officer_id}: ",
                                                                          twice=True), replace=args.replace)
    except (ValueError, StoreError) as exc:
        print(f"add-officer: {exc}", file=sys.stderr)
        return 2
    print(f"{args.role} {args.officer_id.upper()} can sign in at the station")
    return 0


def cmd_batches(args: argparse.Namespace) -> int:
    station = _station(args)
    for batch in station.store.batches():
        counts = station.roster_view(batch.batch_id).counts
        name = batch.details.name if batch.details else "(handed over)"
        print(f"{batch.batch_id}  {batch.state:<7} {name}  filed {counts['filed']}, awaiting payment "
              f"{counts['awaiting_payment']}, refused {counts['refused']}, pending {counts['pending']}")
    return 0


def cmd_roster(args: argparse.Namespace) -> int:
    from kiosk.outreach.group_list import mask_id

    station = _station(args)
    for row in station.roster_view(args.batch).rows:
        print(f"{row.position:>4}  {row.state:<16} {row.name:<10} {mask_id(row.id_number)}  "
              f"{row.application_no or ''} {row.reason or ''}")
    return 0


def cmd_seal(args: argparse.Namespace) -> int:
    from kiosk.outreach.errors import OutreachError

    station = _station(args)
    try:
        sealed = station.seal(args.batch, args.supervisor, _pin(args, f"PIN for {args.supervisor}: "))
    except OutreachError as exc:
        print(f"seal: {exc}", file=sys.stderr)
        return 2
    print(f"batch {sealed.batch_id} sealed: {sealed.filed} filed, {sealed.refused} refused, {sealed.not_served} "
          f"not served; {sealed.path} ({sealed.size} bytes, SHA-256 {sealed.sha256})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk.outreach.errors import OutreachError

    station = _station(args)
    officer = station.store.batch(args.batch)
    try:
        path = station.export(_officer_for_tools(station, officer.created_by if officer else ""), args.batch,
                              Path(args.directory))
    except OutreachError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    print(f"batch {args.batch} written to {path}")
    return 0


def _officer_for_tools(station, officer_id: str):  # type: ignore[no-untyped-def]
    """Commands run by an administrator at a terminal are recorded under the batch's officer."""
    from kiosk.outreach.store import Officer

    return station.store.officer(officer_id) or Officer(officer_id or "ADMIN", "", "officer", "")


def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.outreach.errors import OutreachError
    from kiosk.services.api import ApiClient, read_secret

    config = _config(args)
    station = _station(args)
    api = ApiClient(config.central.url, config.outreach.station_id,
                    read_secret(config.resolve(config.outreach.secret_file)),
                    connect_timeout=config.central.connect_timeout, read_timeout=config.central.read_timeout)
    try:
        report = station.sync(api, args.batch, limit=args.limit)
    except OutreachError as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return 2
    print(f"batch {report.batch_id}: {report.sent} sent, {report.already_received} already held, "
          f"{report.remaining} to send{'; complete' if report.complete else ''}"
          f"{'; stopped: ' + report.error if report.error else ''}")
    return 0 if report.error is None else 1


def cmd_group_list(args: argparse.Namespace) -> int:
    from kiosk.outreach.group_list import group_list_commands, write_group_list_pdf

    config = _config(args)
    station = _station(args)
    group = station.group_list(args.batch)
    if args.pdf:
        print(f"PDF written to {write_group_list_pdf(group, Path(args.pdf), font=config.ui.font)}")
    if args.print:
        from drivers.printer.driver import ReceiptPrinter

        printer = ReceiptPrinter(config.devices.printer.port, baudrate=config.devices.printer.baudrate)
        printer.start(wait=5)
        try:
            result = printer.print(group_list_commands(group, paper_width_dots=config.devices.printer.paper_width_dots))
        finally:
            printer.stop()
        print(f"printed: {result.outcome}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", action="append", metavar="FILE", help="site configuration (repeatable)")
    common.add_argument("--simulated", action="store_true", help="layer config/simulated.ini")
    parser = argparse.ArgumentParser(prog="kiosk-outreach", description="Set up and close an outreach station")
    commands = parser.add_subparsers(dest="command", required=True)

    key = commands.add_parser("station-key", parents=[common], help="show (and create once) the signing key")
    key.add_argument("--public-key-file")
    key.set_defaults(func=cmd_station_key)
    officer = commands.add_parser("add-officer", parents=[common], help="create an officer account")
    officer.add_argument("officer_id")
    officer.add_argument("--name", required=True)
    officer.add_argument("--role", choices=["officer", "supervisor"], default="officer")
    officer.add_argument("--pin-stdin", action="store_true")
    officer.add_argument("--replace", action="store_true", help="reset an existing officer's PIN")
    officer.set_defaults(func=cmd_add_officer)
    commands.add_parser("batches", parents=[common], help="list batches").set_defaults(func=cmd_batches)
    roster = commands.add_parser("roster", parents=[common], help="a batch's roster")
    roster.add_argument("batch")
    roster.set_defaults(func=cmd_roster)
    seal = commands.add_parser("seal", parents=[common], help="seal a batch (supervisor)")
    seal.add_argument("batch")
    seal.add_argument("--supervisor", required=True)
    seal.add_argument("--pin-stdin", action="store_true")
    seal.set_defaults(func=cmd_seal)
    export = commands.add_parser("export", parents=[common], help="copy a sealed batch file to a directory")
    export.add_argument("batch")
    export.add_argument("directory")
    export.set_defaults(func=cmd_export)
    sync = commands.add_parser("sync", parents=[common], help="send a sealed batch to the central service")
    sync.add_argument("batch")
    sync.add_argument("--limit", type=int)
    sync.set_defaults(func=cmd_sync)
    group = commands.add_parser("group-list", parents=[common], help="the organiser's list")
    group.add_argument("batch")
    group.add_argument("--pdf")
    group.add_argument("--print", action="store_true", help="on the receipt printer")
    group.set_defaults(func=cmd_group_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"kiosk-outreach: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
