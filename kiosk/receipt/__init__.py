"""Receipts: a central document becomes a masked `Receipt`, laid out, rendered to ESC/POS bytes and a preview.

Nothing here imports Qt; printing them is kiosk.printing's job."""
