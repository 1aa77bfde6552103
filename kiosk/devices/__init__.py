"""Devices beside the printer: the second-generation resident ID card reader (SAM protocol over serial).

Qt-free; the reader is talked to through pyserial (a real port, or socket:// for the virtual reader)."""
