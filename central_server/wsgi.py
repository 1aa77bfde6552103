"""The WSGI entry of a uWSGI worker (see workers.py): the central app made from the options the serving command
left in the environment, with signed requests' nonces shared through the database."""
from __future__ import annotations

import json
import os

from central_server.app import create_app
from central_server.workers import APP_OPTIONS

application = create_app(**{**json.loads(os.environ[APP_OPTIONS]), "shared_nonces": True})
