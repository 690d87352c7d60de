"""A real SMTP server on localhost for tests: it speaks just enough of the protocol for
``smtplib`` and keeps every message it receives, as a mailbox would."""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage


class _Session(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self._reply("220 localhost test mail server")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith("DATA"):
                self._reply("354 end with <CR><LF>.<CR><LF>")
                self.server.messages.append(self._read_message())  # type: ignore[attr-defined]
                self._reply("250 stored")
            elif command.startswith("QUIT"):
                self._reply("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP: all fine
                self._reply("250 ok")

    def _read_message(self) -> EmailMessage:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return message_from_bytes(b"".join(lines), policy=policy.default)  # type: ignore[return-value]

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")


class MailServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.messages: list[EmailMessage] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> MailServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.shutdown()
        self.server_close()

    def mailbox(self, address: str) -> list[str]:
        """The bodies of the messages sent to ``address``, oldest first."""
        return [
            m.get_content()
            for m in self.messages
            if address in m["To"]  # type: ignore[attr-defined]
        ]
