"""``kiosk-central``: run and administer the reference central service.

    kiosk-central serve [--host H] [--port P] [--workers N]
    kiosk-central migrate
    kiosk-central add-kiosk KIOSK_ID [--secret-file PATH] [--rotate]
    kiosk-central add-staff USERNAME [--password-stdin]
    kiosk-central seed-demo [--config FILE ...]
    kiosk-central outreach-key [--public-key-file PATH]
    kiosk-central add-station STATION_ID --public-key HEX|FILE [--secret-file PATH] [--rotate]
    kiosk-central import-batch FILE

Every command takes ``--db URL`` (default: the ``KIOSK_CENTRAL_DB`` environment variable, else
SQLite in ``--data-dir``, default ``var/central``). ``serve`` migrates the schema first.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from central.settings import ENV_DATA_DIR, ENV_DB, CentralSettings


def _settings(args: argparse.Namespace) -> CentralSettings:
    env = dict(os.environ)
    if args.data_dir:
        env[ENV_DATA_DIR] = args.data_dir
    if args.db:
        env[ENV_DB] = args.db
    settings = CentralSettings.from_environment(env)
    if getattr(args, "catalogue", None):
        settings = replace(settings, catalogue_file=Path(args.catalogue))
    if getattr(args, "sms_sender", None):
        settings = replace(settings, sms_sender=args.sms_sender)
    if getattr(args, "gateway", None):
        settings = replace(settings, gateway_file=Path(args.gateway))
    return settings


def _database_and_sealer(settings: CentralSettings):  # type: ignore[no-untyped-def]
    from central.db import Database
    from central.migrate import upgrade
    from central.sealing import Sealer, load_or_create_key

    database = Database(settings.database_url)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines describe its plugins, not our schema
    upgrade(database)
    return database, Sealer(load_or_create_key(settings.key_file))


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central.app import create_app
    from privacy_log import configure_logging

    settings = _settings(args)
    log = configure_logging(args.log_level.upper(), program="kiosk-central")
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        log.warning("SQLite has one writer: with %d worker processes they wait on each other's locks "
                    "(slower, not faster). Use one worker, or PostgreSQL for several.", args.workers)
    database, _sealer = _database_and_sealer(settings)
    database.dispose()
    common = {"host": args.host, "port": args.port, "log_config": None, "access_log": not args.no_access_log,
              "timeout_graceful_shutdown": 5}
    if args.workers > 1:
        os.environ.update(settings.to_environment())
        uvicorn.run("central.app:app_from_environment", factory=True, workers=args.workers, **common)
    else:
        uvicorn.run(create_app(settings), **common)
    return 0


def cmd_code_payments(args: argparse.Namespace) -> int:
    """``sweep``: resolve code payments left unfinished; ``reconcile``: the day's three-way check."""
    from datetime import date, timedelta

    from central.code_reconciliation import reconcile_code_payments
    from central.context import Central

    settings = _settings(args)
    database, _ = _database_and_sealer(settings)
    central = Central.build(settings, database=database)
    if central.code_payments.gateway is None:
        print("no payment gateway configured (--gateway FILE or $KIOSK_CENTRAL_GATEWAY)", file=sys.stderr)
        return 2
    if args.action == "sweep":
        for payment in central.code_payments.sweep(stale_after=timedelta(minutes=args.stale_minutes)):
            print(f"{payment.reference} {payment.state}")
        return 0
    report = reconcile_code_payments(central, date.fromisoformat(args.day) if args.day else central.today())
    print(report.render_text())
    return 0 if report.ok else 1


def cmd_migrate(args: argparse.Namespace) -> int:
    from central.migrate import current_revision

    database, _ = _database_and_sealer(_settings(args))
    print(f"schema at revision {current_revision(database)}")
    return 0


def cmd_add_kiosk(args: argparse.Namespace) -> int:
    from central.context import utc_now
    from central.kiosks import KioskExists, add_kiosk, write_secret_file

    database, sealer = _database_and_sealer(_settings(args))
    try:
        secret = add_kiosk(database, sealer, args.kiosk_id, now=utc_now(), name=args.name, rotate=args.rotate)
    except KioskExists:
        print(f"kiosk {args.kiosk_id} exists; use --rotate to give it a new secret", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"add-kiosk: {exc}", file=sys.stderr)
        return 2
    if args.secret_file:
        write_secret_file(Path(args.secret_file), secret)
        print(f"kiosk {args.kiosk_id} registered; secret written to {args.secret_file} (mode 0600)")
    else:
        print(f"kiosk {args.kiosk_id} registered; put this secret in the kiosk's [central] secret_file:")
        print(secret)
    return 0


def cmd_add_staff(args: argparse.Namespace) -> int:
    from central.console.staff_auth import StaffAuth, StaffExists
    from central.context import utc_now

    database, _ = _database_and_sealer(_settings(args))
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != password:
            print("add-staff: the passwords differ", file=sys.stderr)
            return 2
    try:
        StaffAuth(database, utc_now).create_staff(args.username, password, args.display_name, replace=args.replace)
    except StaffExists:
        print(f"staff user {args.username} exists; use --replace to set a new password", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"add-staff: {exc}", file=sys.stderr)
        return 2
    print(f"staff user {args.username} can sign in at /console/login")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from central.context import local_today, utc_now
    from central.seed import KioskConfigError, demo_kiosk, seed_demo

    try:
        kiosk = demo_kiosk(args.config)
    except KioskConfigError as exc:
        print(f"seed-demo: kiosk configuration: {exc}", file=sys.stderr)
        return 2
    secret_file = Path(args.secret_file) if args.secret_file else kiosk.secret_file
    database, sealer = _database_and_sealer(_settings(args))
    try:
        result = seed_demo(database, sealer, kiosk_id=kiosk.kiosk_id, secret_file=secret_file, now=utc_now(),
                           today=local_today())
    except ValueError as exc:  # a kiosk id the registry refuses
        print(f"seed-demo: {exc}", file=sys.stderr)
        return 2
    print(f"demo kiosk {result.kiosk_id}: secret in {result.secret_file}")
    print(f"demo staff: user {result.staff_user!r}, password {result.staff_password!r}")
    print(f"notices added: {result.notices_added}; appointment slots added: {result.slots_added}")
    return 0


def _outreach_service(settings: CentralSettings):  # type: ignore[no-untyped-def]
    from central.applications import ApplicationService
    from central.context import local_today, utc_now
    from central.outreach import OutreachService
    from wire.outreach_keys import load_or_create_batch_key

    database, sealer = _database_and_sealer(settings)
    applications = ApplicationService(database, sealer, clock=utc_now, today=local_today)
    return OutreachService(database, sealer, applications, load_or_create_batch_key(settings.outreach_key_path),
                           clock=utc_now, today=local_today)


def cmd_outreach_key(args: argparse.Namespace) -> int:
    from wire.outreach_keys import key_id, load_or_create_batch_key, public_bytes, write_key_file

    settings = _settings(args)
    public = public_bytes(load_or_create_batch_key(settings.outreach_key_path))
    if args.public_key_file:
        write_key_file(Path(args.public_key_file), public, private=False)
        print(f"outreach batch key {key_id(public)}: public key written to {args.public_key_file} "
              "(the stations' [outreach] central_public_key_file)")
    else:
        print(f"outreach batch key {key_id(public)}; the stations' [outreach] central_public_key_file holds:")
        print(public.hex())
    return 0


def cmd_add_station(args: argparse.Namespace) -> int:
    from central.context import utc_now
    from central.kiosks import KioskExists, write_secret_file
    from central.outreach import register_station
    from wire.outreach_keys import KeyFileError, key_id, load_signing_public_key, public_bytes

    try:
        candidate = Path(args.public_key)
        key = load_signing_public_key(candidate if candidate.exists() else bytes.fromhex(args.public_key))
    except (KeyFileError, ValueError) as exc:
        print(f"add-station: --public-key: {exc or 'expected 64 hex digits or a key file'}", file=sys.stderr)
        return 2
    database, sealer = _database_and_sealer(_settings(args))
    try:
        secret = register_station(database, sealer, args.station_id, public_bytes(key), now=utc_now(),
                                  name=args.name, rotate=args.rotate)
    except KioskExists:
        print(f"{args.station_id} exists; use --rotate to give it a new secret and key", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"add-station: {exc}", file=sys.stderr)
        return 2
    where = "printed below"
    if args.secret_file:
        write_secret_file(Path(args.secret_file), secret)
        where = f"written to {args.secret_file} (mode 0600)"
    print(f"outreach station {args.station_id} registered with signing key {key_id(public_bytes(key))}; "
          f"its request secret is {where} (the station's [outreach] secret_file)")
    if not args.secret_file:
        print(secret)
    return 0


def cmd_import_batch(args: argparse.Namespace) -> int:
    from central.outreach import OutreachRefused

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"import-batch: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        report = _outreach_service(_settings(args)).import_file(data)
    except OutreachRefused as exc:
        print(f"import-batch: {args.file} REFUSED ({exc.code}): {exc}. Nothing was imported.", file=sys.stderr)
        return 3
    print(f"batch {report.batch_id} of station {report.station_id}: {report.entries} entries "
          f"({report.applications} applications, {report.refusals} refusals); {report.new} newly imported, "
          f"{report.already} already held")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help=f"database URL (default: ${ENV_DB}, else SQLite under --data-dir)")
    common.add_argument("--data-dir", help=f"data directory for SQLite and the key file (default: ${ENV_DATA_DIR} "
                                           "or var/central)")
    parser = argparse.ArgumentParser(prog="kiosk-central", description="Reference central service for the kiosks")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", parents=[common], help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL: one per core)")
    serve.add_argument("--catalogue", help="catalogue JSON served at /v1/catalogue (default config/catalogue.json)")
    serve.add_argument("--sms-sender", help="module:factory of an SMS sender (default: record only)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--no-access-log", action="store_true", help="do not log every request")
    serve.add_argument("--gateway", help="payment gateway file for mobile payment codes (central/gateway/config.py)")
    serve.set_defaults(func=cmd_serve)

    codes = commands.add_parser("code-payments", parents=[common], help="mobile payment codes: sweep, reconcile")
    codes.add_argument("action", choices=["sweep", "reconcile"])
    codes.add_argument("--gateway", help="payment gateway file (default: $KIOSK_CENTRAL_GATEWAY)")
    codes.add_argument("--day", help="reconcile: the day, YYYY-MM-DD (default: today)")
    codes.add_argument("--stale-minutes", type=float, default=5.0, help="sweep: unfinished for this long")
    codes.set_defaults(func=cmd_code_payments)

    migrate = commands.add_parser("migrate", parents=[common], help="bring the schema up to date")
    migrate.set_defaults(func=cmd_migrate)

    kiosk = commands.add_parser("add-kiosk", parents=[common], help="register a kiosk and create its secret")
    kiosk.add_argument("kiosk_id")
    kiosk.add_argument("--name", default="")
    kiosk.add_argument("--secret-file", help="write the secret here (mode 0600) instead of printing it")
    kiosk.add_argument("--rotate", action="store_true", help="give an existing kiosk a new secret")
    kiosk.set_defaults(func=cmd_add_kiosk)

    staff = commands.add_parser("add-staff", parents=[common], help="create a staff console user")
    staff.add_argument("username")
    staff.add_argument("--display-name", default="")
    staff.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    staff.add_argument("--replace", action="store_true", help="set a new password for an existing user")
    staff.set_defaults(func=cmd_add_staff)

    seed = commands.add_parser("seed-demo", parents=[common], help="demo kiosk, staff user, notices and slots")
    seed.add_argument("--config", action="append", metavar="FILE",
                      help="kiosk configuration naming the kiosk id and secret file (default: simulated)")
    seed.add_argument("--secret-file", help="write the demo kiosk's secret here instead")
    seed.set_defaults(func=cmd_seed_demo)

    key = commands.add_parser("outreach-key", parents=[common],
                              help="create (once) and show the key outreach batch files are encrypted for")
    key.add_argument("--public-key-file", help="write the public key here for the stations")
    key.set_defaults(func=cmd_outreach_key)

    station = commands.add_parser("add-station", parents=[common], help="register an outreach station")
    station.add_argument("station_id")
    station.add_argument("--public-key", required=True,
                         help="the station's Ed25519 public key: 64 hex digits or a file (kiosk-outreach station-key)")
    station.add_argument("--name", default="")
    station.add_argument("--secret-file", help="write the request secret here (mode 0600) instead of printing it")
    station.add_argument("--rotate", action="store_true", help="a new secret and key for an existing station")
    station.set_defaults(func=cmd_add_station)

    batch = commands.add_parser("import-batch", parents=[common],
                                help="import a sealed outreach batch file (USB stick); idempotent")
    batch.add_argument("file")
    batch.set_defaults(func=cmd_import_batch)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
