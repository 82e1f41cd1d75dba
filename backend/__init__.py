"""Citizen Portal backend."""

import os

# Piccolo finds its configuration through this variable; pointing it inside the package means
# the working directory never matters (see backend/piccolo_conf.py).
os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
