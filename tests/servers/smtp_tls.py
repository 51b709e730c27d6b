# SPDX-License-Identifier: GPL-2.0
#
# A real SMTP server on 127.0.0.1 that insists on STARTTLS and AUTH
# (aiosmtpd, Maildir delivery), for the mail notification tests. The
# aiosmtpd command line cannot require TLS or check passwords, hence this
# small Controller script. Run with Debian's python3 (/usr/bin/python3):
#
#   smtp_tls.py PORT MAILDIR CERT KEY USER PASSWORD_FILE [implicit]
#
# Mail is accepted only after STARTTLS (or, with "implicit", on a TLS
# connection from the first byte: smtps://) and a successful AUTH
# PLAIN/LOGIN as USER with the password in PASSWORD_FILE; it is delivered
# into MAILDIR.
# Failed logins are counted in MAILDIR/../auth-failures. Runs until SIGTERM.
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    port, maildir, cert, key, user, pwfile = sys.argv[1:7]
    implicit = sys.argv[7:8] == ["implicit"]
    with open(pwfile, "rb") as f:
        password = f.read().rstrip(b"\n")
    failures = maildir.rstrip("/") + "/../auth-failures"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password)
        if not ok:
            with open(failures, "a") as f:
                f.write("1\n")
        # handled=False: aiosmtpd then answers 535 itself on failure.
        return AuthResult(success=ok, handled=False)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    if implicit:
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; with
        # implicit TLS every byte is encrypted anyway.
        tls = {"ssl_context": ctx, "auth_require_tls": False}
    else:
        tls = {"tls_context": ctx, "require_starttls": True,
               "auth_require_tls": True}
    controller = Controller(
        Mailbox(maildir), hostname="127.0.0.1", port=int(port),
        auth_required=True, authenticator=authenticator, **tls)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
