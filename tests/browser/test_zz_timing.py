import time, pytest
from tests.browser.conftest import log_in
pytestmark = pytest.mark.browser
def test_t(page):
    for i in range(3):
        t=time.time(); page.goto("/login"); print("goto", time.time()-t)
    t=time.time(); log_in(page, "coordinator@example.org"); print("login", time.time()-t)
    for i in range(3):
        t=time.time(); page.goto("/overzicht"); print("dash", time.time()-t)
