"""The staff screen behind the PIN: printer, spool, outbox, central, service mode, restart, logs.

Opened by the hidden gesture on the kiosk window; hall staff read and use it in Chinese."""
