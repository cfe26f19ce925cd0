import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
os.environ.setdefault("BUREAU_DB_POOL", "1")

from bureau import embedded

embedded.ensure_services()
application = get_asgi_application()
