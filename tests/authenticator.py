"""The authenticator app of the tests: the code of a secret, as a person's app shows it.

The server accepts each code once, so a second login of the same person within one 30-second
step takes the next step's code (the server allows one step of clock drift); a third waits
until the next step begins. What was used is remembered per person, and forgotten between
tests (each test has a new database).
"""

from __future__ import annotations

import time

import pyotp

# The secret of the factories' and the browser tests' accounts that log in with a code.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class Authenticator:
    def __init__(self):
        self.last_step: dict[str, int] = {}

    def code(self, person: str, secret: str = TOTP_SECRET) -> str:
        """A code that the server has not accepted for ``person`` yet."""
        totp = pyotp.TOTP(secret)
        now = totp.timecode(time.time())
        step = max(now, self.last_step.get(person, now - 1) + 1)
        if step > now + 1:  # wait until ``step`` is the next one
            time.sleep(max(0.0, (step - 1) * totp.interval - time.time()) + 0.05)
        self.last_step[person] = step
        return totp.generate_otp(step)

    def forget(self) -> None:
        self.last_step.clear()


AUTHENTICATOR = Authenticator()
