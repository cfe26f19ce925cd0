import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")

from bureau import embedded

embedded.ensure_services()
application = get_asgi_application()
