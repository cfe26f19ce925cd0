import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")

from bureau import embedded

embedded.ensure_services()
application = get_wsgi_application()
