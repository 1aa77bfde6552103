"""Printers: profiles, connections, status, the durable print spool and the service the UI calls.

Also the virtual printer and ESC/POS interpreter used by technicians and tests; nothing here imports Qt."""
