"""USB printer discovery for technicians: ids of the printers present and the udev rule the kiosk needs.

Also lists printer device files (/dev/usb/lp*) and serial ports a `file` or `serial` connection can use."""
from __future__ import annotations

import glob

PRINTER_CLASS = 7


def _usb_devices() -> list[dict]:
    try:
        import usb.core
        import usb.util
    except ImportError:
        raise RuntimeError("USB support is missing: install the kiosk with the 'usb' extra (pyusb)") from None
    try:
        devices = list(usb.core.find(find_all=True))
    except usb.core.NoBackendError:
        raise RuntimeError("no USB backend: install libusb-1.0 (apt install libusb-1.0-0)") from None
    found = []
    for dev in devices:
        classes = set()
        try:
            for cfg in dev:
                for intf in cfg:
                    classes.add(intf.bInterfaceClass)
        except (usb.core.USBError, ValueError, NotImplementedError):
            pass   # no readable configuration: listed, but not recognised as a printer
        names = []
        for attr in ("manufacturer", "product"):
            try:
                names.append(getattr(dev, attr) or "")
            except (usb.core.USBError, ValueError, NotImplementedError):   # reading names needs permission
                names.append("")
        found.append({"vendor": dev.idVendor, "product": dev.idProduct, "printer": PRINTER_CLASS in classes,
                      "name": " ".join(n for n in names if n).strip() or "(name not readable)"})
    return found


def udev_rule(vendor: int, product: int, group: str) -> str:
    return (f'SUBSYSTEM=="usb", ATTRS{{idVendor}}=="{vendor:04x}", ATTRS{{idProduct}}=="{product:04x}", '
            f'MODE="0660", GROUP="{group}"')


def detect_printers(group: str = "kiosk") -> str:
    """A report for people: USB printers (class 7 first), device files, serial ports, and what to configure."""
    lines = []
    devices = _usb_devices()
    printers = [d for d in devices if d["printer"]]
    if printers:
        lines.append("USB printers:")
        for d in printers:
            lines.append(f"  {d['vendor']:04x}:{d['product']:04x}  {d['name']}")
            lines.append(f"    config:  [printer.usb] vendor_id = 0x{d['vendor']:04x}  product_id = 0x{d['product']:04x}")
            lines.append(f"    udev:    {udev_rule(d['vendor'], d['product'], group)}")
        lines.append("  put the udev line in /etc/udev/rules.d/60-kiosk-printer.rules, then run "
                     "`udevadm control --reload && udevadm trigger` and replug the printer")
    else:
        lines.append("USB printers: none found (is the printer on and its USB cable plugged in?)")
    others = [d for d in devices if not d["printer"]]
    if others:
        lines.append(f"other USB devices ({len(others)}): " +
                     ", ".join(f"{d['vendor']:04x}:{d['product']:04x}" for d in others))
    files = sorted(glob.glob("/dev/usb/lp*"))
    lines.append("printer device files (connection = \"file\"): " + (", ".join(files) if files else "none"))
    serial = sorted(glob.glob("/dev/ttyUSB*") + glob.glob("/dev/ttyACM*"))
    lines.append("serial ports (connection = \"serial\"): " + (", ".join(serial) if serial else "none"))
    return "\n".join(lines)
