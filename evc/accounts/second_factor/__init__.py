"""The second factor: a code from an authenticator app (TOTP, RFC 6238) and one-time recovery
codes, the login step that asks for one, and the enrolment that sets one up.

- ``models``: the app's secret (encrypted), the recovery codes (hashed), the pending login;
- ``services``: enrolment, checking a code, recovery codes, who must have a second factor;
- ``login``: the step between the password and the session, with its throttle;
- ``forms`` and ``views``: the screens (the code step, enrolment, the account's settings and
  the "confirm it's you" page of ``evc.accounts.reauth``).
"""
