"""Entry point for `python -m kiosk`.

Delegates to the command-line interface in kiosk.cli."""
import sys

from kiosk.cli import main

sys.exit(main())
