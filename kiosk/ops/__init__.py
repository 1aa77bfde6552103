"""Running a fleet of terminals: staff PIN, audit log, remote commands, heartbeat, status file, sd_notify.

Qt-free: the staff screen and the application call into these modules; nothing here imports Qt."""
