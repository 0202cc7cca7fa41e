"""The outreach station as a process of its own, for the day-long test that kills it with SIGKILL.

Run as ``python -m tests.outreach.station_child --site SITE.ini --plan PLAN.json``. It opens the
real station (store, payment service on the terminal's pty, the ID-card reader on its simulated
chip, the camera) exactly as a restarted laptop would: recovery first, then it carries on with
whoever is not done yet (an applicant whose payment was cut off pays again; one not yet filed is
served from the card read on), refuses the walk-in, takes the organiser's payment, and stops.
Every step is one JSON line on standard output, flushed before the next begins (the parent kills
the process on a line of its choosing). ``KIOSK_CRASH_AT`` kills it at a labelled point.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import DEFAULTS_FILE, SIMULATED_FILE, load_config
from kiosk.outreach import ApplicantDetails, BatchDetails, OutreachStation
from kiosk.outreach.service import open_store, payments_from_config
from tests.outreach.harness import OFFICER_ID, OFFICER_PIN, checker_for, desk, phone_of, student_card

PAY_TRIES = 4


def say(event: str, **data: Any) -> None:
    print(json.dumps({"event": event, **data}, ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", required=True, type=Path)
    parser.add_argument("--plan", type=Path)
    parser.add_argument("--seal", metavar="BATCH", help="seal BATCH as the supervisor, and stop")
    parser.add_argument("--sync", metavar="BATCH", help="sync BATCH to the configured central service, and stop")
    args = parser.parse_args(argv)
    config = load_config([DEFAULTS_FILE, SIMULATED_FILE, args.site])
    if args.seal or args.sync:
        return close_the_day(config, args.seal, args.sync)
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    store = open_store(config)
    station = OutreachStation.from_config(config, store=store, payments=payments_from_config(config, store),
                                          photo_checker=checker_for(config))
    resumed = station.resume()
    say("resumed", awaiting=[a.application_no for a in resumed.awaiting_payment],
        groups=list(resumed.group_payments_awaited))
    officer = station.desk.sign_in(OFFICER_ID, OFFICER_PIN).officer
    assert officer is not None
    open_batches = [b for b in store.batches() if b.state == "open"]
    if open_batches:
        batch_id = open_batches[0].batch_id
    else:
        from kiosk.domain.catalogue import ItemChoice

        batch_id = station.create_batch(officer, BatchDetails(
            plan["name"], "周老师", "13800138000", ItemChoice("passport"), destination="英国", purpose="study",
            occupation="student")).batch_id
        imported = station.import_roster(officer, batch_id, Path(plan["roster"]).read_bytes(), "roster.csv")
        say("batch", batch_id=batch_id, added=imported.added, problems=[p.reason for p in imported.problems])

    def pay(number: str) -> None:
        for _ in range(PAY_TRIES):
            outcome = station.pay(officer, number)
            say("payment", application_no=number, status=outcome.status)
            if outcome.status == "paid" or store.application(number).state != "awaiting_payment":  # type: ignore[union-attr]
                return
            if outcome.status == "unknown":
                station.payments.recover()  # type: ignore[union-attr]
        raise SystemExit(f"{number}: not paid after {PAY_TRIES} tries")

    with desk(config) as devices:
        for n, mode in plan["applicants"]:
            card = student_card(n)
            row = store.find_roster_row(batch_id, card.id_number)
            assert row is not None, f"student {n} is not on the roster"
            if row.state == "filed":
                continue
            if row.state == "awaiting_payment":
                say("resuming", position=row.position, application_no=row.application_no)
                pay(row.application_no)  # type: ignore[arg-type]
                continue
            person = devices.present(card)
            match = station.match_card(batch_id, person)
            assert match.row is not None and match.refusal is None and match.name_matches
            filed = station.file_application(officer, batch_id, match.row.row_id, person,
                                             ApplicantDetails(phone_of(n), "张三", "13912345678"),
                                             photo_jpeg=devices.photo(), consent=True, payment_mode=mode)
            say("filed", position=row.position, application_no=filed.application_no, mode=mode,
                receipt=filed.progress_payload)
            if mode == "pos":
                pay(filed.application_no)
        walk_in = student_card(plan["walk_in"], valid_until="20240101", name="过期卡")
        if store.find_roster_row(batch_id, walk_in.id_number) is None:
            person = devices.present(walk_in)
            match = station.match_card(batch_id, person)
            assert match.refusal is not None
            row = station.add_walk_in(officer, batch_id, person)
            station.refuse(officer, batch_id, row.row_id, match.refusal.code)
            say("refused", position=row.position, reason=match.refusal.code)
    batch = store.batch(batch_id)
    assert batch is not None
    for _ in range(PAY_TRIES):
        batch = store.batch(batch_id)
        assert batch is not None
        if batch.group_state == "paid":
            break
        outcome = station.pay_group(officer, batch_id)
        say("group_payment", status=outcome.status, amount_fen=outcome.amount_fen)
        if outcome.status == "unknown":
            station.payments.recover()  # type: ignore[union-attr]
    say("day_done", batch_id=batch_id)
    station.close()
    return 0


def close_the_day(config: Any, seal: str | None, sync: str | None) -> int:
    from kiosk.services.api import ApiClient, read_secret
    from tests.outreach.harness import SUPERVISOR_ID, SUPERVISOR_PIN

    station = OutreachStation.from_config(config)
    if seal:
        sealed = station.seal(seal, SUPERVISOR_ID, SUPERVISOR_PIN)
        say("sealed", batch_id=sealed.batch_id, sha256=sealed.sha256, filed=sealed.filed)
    if sync:
        api = ApiClient(config.central.url, config.outreach.station_id,
                        read_secret(config.resolve(config.outreach.secret_file)))
        report = station.sync(api, sync)
        say("synced", sent=report.sent, already=report.already_received, complete=report.complete)
    station.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
