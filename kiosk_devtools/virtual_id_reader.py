"""A virtual resident ID card reader on TCP (pyserial's socket:// URL reaches it like a serial port).

It answers the SAM protocol as a real reader does; `set_card` puts a card on it (present, absent, damaged,
expired) and `fault` makes it misbehave (garbage, a wrong check byte, unplugged mid-answer, silent)."""
from __future__ import annotations

import datetime as dt
import os
import socket
import threading

from kiosk.devices.id_card import PHOTO_BYTES, card_text
from kiosk.devices.sam_frames import PREAMBLE, Command, Status, answer_frame

# The card of the reference central's sample citizen 李秀英 (retired, 77), so an assisted login finds her record.
SAMPLE_CARD = {"name": "李秀英", "sex": "2", "nation": "01", "birth": "19480817", "address": "示范市示范区幸福路8号",
               "id_number": "340104194808172022", "issuer": "示范市公安局示范分局", "valid_from": "20150101",
               "valid_to": "长期"}
CARDS = ("present", "absent", "damaged", "expired")
FAULTS = ("none", "garbage", "checksum", "unplug", "silent")


class VirtualIdReader:
    """Serves one client at a time on 127.0.0.1; `url` is what the kiosk's reader setting takes."""

    def __init__(self, port: int = 0):
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(0.2)            # so that stop() is noticed at once
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.card = "present"
        self.fault = "none"
        self.fields = dict(SAMPLE_CARD)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="virtual-id-reader", daemon=True)

    def start(self) -> "VirtualIdReader":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)
        self.server.close()

    def set_card(self, state: str) -> None:
        if state not in CARDS:
            raise ValueError(f"card state must be one of {', '.join(CARDS)}, got {state!r}")
        self.card = state

    def answer(self, command: tuple[int, int]) -> bytes:
        """The frame a real reader sends back for `command` in the current state."""
        if command == Command.SAM_STATUS.value:
            return answer_frame(Status.OK)
        if self.card == "absent" and command in (Command.FIND_CARD.value, Command.SELECT_CARD.value):
            return answer_frame(Status.NO_CARD if command == Command.FIND_CARD.value else Status.SELECT_FAILED)
        if command == Command.FIND_CARD.value:
            return answer_frame(Status.CARD_FOUND, bytes(4))
        if command == Command.SELECT_CARD.value:
            return answer_frame(Status.OK, bytes(8))
        if command == Command.READ_BASE.value:
            if self.card == "damaged":
                return answer_frame(Status.READ_FAILED)
            fields = dict(self.fields)
            if self.card == "expired":
                fields.update(valid_from="20060101", valid_to=f"{dt.date.today().year - 1}0101")
            text, photo = card_text(fields), os.urandom(PHOTO_BYTES)
            lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
            return answer_frame(Status.OK, lengths + text + photo)
        return answer_frame(Status.LENGTH_ERROR)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(0.2)
            with client:
                self._talk(client)

    def _talk(self, client: socket.socket) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                data = client.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            buffer += data
            while PREAMBLE in buffer and len(buffer) >= buffer.index(PREAMBLE) + 10:
                start = buffer.index(PREAMBLE)
                frame, buffer = buffer[start:start + 10], buffer[start + 10:]
                reply = self.answer((frame[7], frame[8]))
                if self.fault == "silent":
                    continue
                if self.fault == "garbage":
                    reply = os.urandom(200)
                elif self.fault == "checksum":
                    reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
                elif self.fault == "unplug":
                    client.sendall(reply[: len(reply) // 2])
                    return                     # the cable is pulled in the middle of the answer
                client.sendall(reply)

