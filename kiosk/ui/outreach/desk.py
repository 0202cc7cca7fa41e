"""The officer's desk devices for the outreach screens (no Kivy here): the ID-card reader, the
camera with live compliance guidance, the receipt printer, and the station itself.

Every method that waits on a device blocks; the screens call them on the app's worker thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from drivers.camera.driver import Camera
from drivers.idcard.driver import CardRead, CardRemoved, IdCardReader, ReaderFault
from drivers.payment.results import TxnResult
from kiosk.domain.person import Person
from kiosk.outreach.photo import PhotoChecker, take_photo
from kiosk.outreach.service import FiledApplication, OutreachStation, open_store, payments_from_config
from kiosk.photo import PhotoAnalyser, PhotoRules
from kiosk.services.identity_mapping import person_from_card

log = logging.getLogger("kiosk.outreach.ui")


@dataclass(frozen=True)
class Preview:
    """One camera frame with the compliance check's words (empty: compliant)."""

    seq: int
    image: np.ndarray
    guidance: dict[str, list[str]]   # language -> sentences


class Desk:
    """The station and its devices, opened from the config. ``close()`` releases all of them."""

    def __init__(self, config: Any, station: OutreachStation | None = None) -> None:
        self.config = config
        photo = config.photo
        self.analyser = PhotoAnalyser(PhotoRules.from_config(photo.width, photo.height, photo.jpeg_min_kb,
                                                             photo.jpeg_max_kb))
        self.compliant_frames = photo.compliant_frames
        if station is None:
            store = open_store(config)
            station = OutreachStation.from_config(config, store=store, payments=payments_from_config(config, store),
                                                  photo_checker=PhotoChecker(self.analyser))
        self.station = station
        self.events: queue.Queue[Any] = queue.Queue()
        self.card_present = False
        section = config.devices.idcard
        self.reader = IdCardReader(section.port, self._on_reader, poll_interval=section.poll_interval,
                                   read_fingerprint=False).start()
        cam = config.devices.camera
        self.camera = Camera(cam.source, width=cam.width, height=cam.height, fps=cam.fps).start(wait=10)
        self._preview: Preview | None = None
        self._preview_lock = threading.Lock()
        self._previewing = threading.Event()
        self._stop = threading.Event()
        self._preview_thread = threading.Thread(target=self._preview_loop, name="outreach-preview", daemon=True)
        self._preview_thread.start()

    # -- ID card ------------------------------------------------------------------------------------

    def _on_reader(self, event: Any) -> None:  # the reader's thread
        if isinstance(event, CardRead):
            self.card_present = True
        elif isinstance(event, CardRemoved):
            self.card_present = False
        self.events.put(event)

    def read_card(self, timeout: float = 60.0) -> Person:
        """Wait for a card laid on the reader (a card already there counts) and return the person."""
        while True:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError("no card was read") from None
            if isinstance(event, ReaderFault) and not event.card_level:
                raise OSError(f"reader fault {event.reason}")
            if isinstance(event, CardRead):
                return person_from_card(event.record)

    def forget_cards(self) -> None:
        """Drop reader events already queued (a new applicant starts from an empty reader)."""
        while not self.events.empty():
            self.events.get_nowait()

    # -- camera -------------------------------------------------------------------------------------

    def start_preview(self) -> None:
        self._previewing.set()

    def stop_preview(self) -> None:
        self._previewing.clear()

    def preview(self) -> Preview | None:
        with self._preview_lock:
            return self._preview

    def _preview_loop(self) -> None:
        seq = -1
        while not self._stop.is_set():
            if not self._previewing.wait(0.2):
                continue
            frame = self.camera.wait_frame(seq, timeout=0.5)
            if frame is None:
                continue
            seq = frame.seq
            try:
                verdict = self.analyser.analyse(frame.image)
                words = {"zh_CN": verdict.guidance("zh_CN"), "en": verdict.guidance("en")}
            except Exception:  # a bad frame must not stop the preview
                log.exception("outreach: preview analysis failed")
                words = {}
            with self._preview_lock:
                self._preview = Preview(seq, frame.image, words)
            self._stop.wait(0.15)

    def take_photo(self, timeout: float = 30.0) -> bytes:
        return take_photo(self.camera, self.analyser, compliant_frames=self.compliant_frames, timeout=timeout).jpeg

    # -- receipt ------------------------------------------------------------------------------------

    def print_receipt(self, filed: FiledApplication, person: Person, language: str,
                      card: TxnResult | None = None) -> bool:
        """The applicant's receipt in the kiosk's own layout (number, fees, how paid, ready date,
        progress QR); ``card``: the terminal's answer when the applicant paid there. False if it
        did not print."""
        from drivers.printer.driver import ReceiptPrinter
        from kiosk.services.printing.layouts import (
            ApplicationReceipt,
            CardPayment,
            HallHeader,
            ReceiptCollection,
            ReceiptItem,
            receipt_commands,
        )
        from kiosk.services.printing.receipt_building import slip_language

        now = datetime.now().replace(microsecond=0)
        total = filed.fees.total_fen
        if card is not None:
            payment = CardPayment(total, card.pan_masked, card.trace_no, card.rrn, card.ecr_ref, now,
                                  terminal_id=card.terminal_id, auth_code=card.auth_code)
        else:
            payment = CardPayment(total, "", "", "", filed.batch_id, now, method="group")
        kiosk = self.config.kiosk
        hall = HallHeader(kiosk.hall_name_zh, kiosk.hall_name_en, self.config.outreach.station_id)
        receipt = ApplicationReceipt(
            application_no=filed.application_no, language=slip_language(language),
            applicant_name=person.name, id_number=person.document_number,
            items=tuple(ReceiptItem(line.name.zh, line.name.en, line.amount_fen) for line in filed.fees.lines),
            payment=payment, collection=ReceiptCollection("pickup"), expected_date=filed.expected_ready,
            progress_payload=filed.progress_payload, issued_at=now)
        section = self.config.devices.printer
        printer = ReceiptPrinter(section.port, baudrate=section.baudrate)
        try:
            printer.start(wait=5)
            job = receipt_commands(receipt, hall, paper_width_dots=section.paper_width_dots)
            return bool(printer.print(job).outcome == "printed")
        except Exception:
            log.exception("outreach: the receipt did not print")
            return False
        finally:
            printer.stop()

    def close(self) -> None:
        self._stop.set()
        self._preview_thread.join(timeout=2)
        self.reader.stop()
        self.camera.stop()
        self.station.close()
