"""Building blocks shared by every layer of the kiosk: the SQLite store and personal-data masking.

Nothing here imports another kiosk package except config and errors."""
