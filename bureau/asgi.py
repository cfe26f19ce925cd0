import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
os.environ.setdefault("BUREAU_DB_POOL", "1")

from bureau import embedded

embedded.ensure_services()
django.setup(set_prefix=False)  # as get_asgi_application() does

from django.conf import settings  # noqa: E402 - after setup

sys.setswitchinterval(settings.WEB_GIL_SWITCH_INTERVAL)  # why so short: bureau/settings.py

from bureau.runtime.asgi_handler import BureauASGIHandler  # noqa: E402 - after setup
from bureau.runtime.db_pool import hand_out_most_recent_first  # noqa: E402 - after setup
from bureau.runtime.startup_heap import freeze_startup_objects  # noqa: E402 - after setup

application = BureauASGIHandler()
hand_out_most_recent_first()
freeze_startup_objects()
