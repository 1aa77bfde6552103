"""Developer tools for the kiosk: the demo, the phone panel, the virtual printer and the ESC/POS decoder.

Installed beside the kiosk and found by entry point; the terminal itself never imports this package."""
