"""Extension objects, unbound; ``create_app`` calls ``init_app`` on each."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from evc.db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
