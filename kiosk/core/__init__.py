"""Qt-free core of the kiosk: session state, catalogue, durable storage.

Nothing in this package imports Qt; the UI sits on top of it."""
