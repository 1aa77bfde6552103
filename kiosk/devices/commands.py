"""`kiosk reader status` and `kiosk reader test`: for technicians installing an ID card reader.

Both name the device and say in words what the reader answered; neither prints a card's number in full."""
from __future__ import annotations

import datetime as dt
import sys

from kiosk.errors import KioskError

DEFAULT_DEVICE = "/dev/ttyUSB0"


def register(subparsers) -> None:
    reader = subparsers.add_parser("reader", help="ID card reader tools: status, test")
    sub = reader.add_subparsers(dest="reader_command", metavar="ACTION")
    for name, help_text, func in (("status", "is the reader there and its security module ready?", _status),
                                  ("test", "read the card on the reader and show it masked", _test)):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--device", default=DEFAULT_DEVICE,
                             help=f"serial device or pyserial URL (default {DEFAULT_DEVICE}; "
                                  "socket://127.0.0.1:PORT for the virtual reader)")
        command.add_argument("--baudrate", type=int, default=115200, help="115200 for most readers")
        command.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each answer")
        command.set_defaults(func=func)
    reader.set_defaults(func=lambda args: (reader.print_help(), 2)[1])


def _open(args):
    from kiosk.devices.reader import SamReader, open_port

    return SamReader(open_port(args.device, args.baudrate, args.timeout), args.device)


def _status(args) -> int:
    try:
        ready = _open(args).status()
    except KioskError as exc:
        print(f"reader: NOT USABLE: {exc}", file=sys.stderr)
        return 1
    print(f"reader at {args.device}: {'ready' if ready else 'its security module reports a fault'}")
    return 0 if ready else 1


def _test(args) -> int:
    from kiosk.devices.id_card import CardExpired
    from kiosk.devices.reader import NoCard

    try:
        card = _open(args).read_card(dt.date.today())
    except NoCard:
        print("reader: no card on the reader: place a resident ID card on it and try again", file=sys.stderr)
        return 1
    except CardExpired as exc:
        print(f"reader: the card was read but {exc}", file=sys.stderr)
        return 1
    except KioskError as exc:
        print(f"reader: {exc}", file=sys.stderr)
        return 1
    valid = "长期" if card.valid_to is None else f"{card.valid_to:%Y-%m-%d}"
    print(f"card read: {card} · valid until {valid} · photo {len(card.photo)} bytes")
    return 0
