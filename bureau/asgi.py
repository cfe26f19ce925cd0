import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
os.environ.setdefault("BUREAU_DB_POOL", "1")

from bureau import embedded

# The event loop relays every streaming answer's tokens while the chat's database threads prepare
# other turns in Python. A thread that wants the GIL waits up to the switch interval for the one
# holding it (5 ms by default), and each such wait delays a token; 0.5 ms bounds that delay.
sys.setswitchinterval(float(os.environ.get("WEB_GIL_SWITCH_INTERVAL", "0.0005")))

embedded.ensure_services()
django.setup(set_prefix=False)  # as get_asgi_application() does

from bureau.runtime.asgi_handler import BureauASGIHandler  # noqa: E402 - after setup
from bureau.runtime.db_pool import hand_out_most_recent_first  # noqa: E402 - after setup
from bureau.runtime.startup_heap import freeze_startup_objects  # noqa: E402 - after setup

application = BureauASGIHandler()
hand_out_most_recent_first()
freeze_startup_objects()
