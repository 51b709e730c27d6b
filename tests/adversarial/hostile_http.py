#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# hostile_http: an HTTP(S) server on 127.0.0.1 that plays WebDAV and S3
# servers gone bad, for tests/adversarial/test_hostile_*.sh. The first path
# segment picks the misbehaviour; everything else is a small good server
# that keeps what is PUT under STORE (so a document that gets through can
# be compared byte for byte):
#
#   /good/...        a good WebDAV/S3 store (PROPFIND, MKCOL, HEAD, GET,
#                    PUT with If-None-Match, S3 bucket listing)
#   /laughs/...      PROPFIND -> 207 with "billion laughs" entity expansion
#   /xxe/...         PROPFIND -> 207 whose quota is external entities (a
#                    local file, a document on this server); PUT -> 403
#                    with a Sabre error whose message is the local file
#   /xxepe/...       the same with an external parameter entity (a DTD on
#                    this server) in the internal subset
#   /hugexml/...     PROPFIND -> 207 with a 64 MiB multistatus
#   /malformed/...   PROPFIND -> 207 with truncated, mismatched XML
#   /ncerr/...       Nextcloud form: PROPFIND good, PUT -> 507 whose Sabre
#                    <s:message> is a billion-laughs entity
#   /r301/ /r302/    every request redirected (that status) to REDIRECT_TO
#   /r307/ /r308/    PUT redirected (method and body kept) to REDIRECT_TO
#   /drip/...        status and headers, then a body byte every 2 s
#   /stall/...       PUT: reads the request, never answers
#   /full/...        PUT -> 507 Insufficient Storage
#   /s3text/...      S3: listing good, PUT -> 403 with a plain-text body
#   /s3trunc/...     S3: 500 with a truncated XML error document
#   /s3huge/...      S3: 400 with an 8 MiB error document
#   /s3status/...    S3: listing good, HEAD 404, PUT -> 299 (no such status)
#   /s3mpu/...       S3: CreateMultipartUpload -> 200 whose UploadId is a
#                    billion-laughs entity
#
# A file STORE/heal makes every path good (the server "recovers"). Every
# request is logged to LOG as "METHOD PATH auth=yes|no"; TLS handshakes
# that fail as "tls-fail REASON".
#
#   hostile_http.py PORT_FILE LOG STORE [--port N] [--redirect-to URL]
#                   [--tls CERT KEY]
import argparse
import http.server
import os
import socketserver
import ssl
import threading
import time
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("port_file")
ap.add_argument("log")
ap.add_argument("store")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--redirect-to", default="http://127.0.0.1:1")
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
args = ap.parse_args()
log_lock = threading.Lock()


def log(line):
    with log_lock, open(args.log, "a") as f:
        f.write(line + "\n")


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE d:multistatus [\n'
          '<!ENTITY lol "lol">\n'
          + "".join('<!ENTITY lol%d "%s">\n' % (i, ("&lol%d;" % (i - 1) if i > 1
                                                     else "&lol;") * 10)
                    for i in range(1, 10)) + ']>\n')


def multistatus(quota, prologue='<?xml version="1.0"?>\n'):
    return (prologue + '<d:multistatus xmlns:d="DAV:"><d:response>'
            '<d:href>/</d:href><d:propstat><d:prop><d:resourcetype>'
            '<d:collection/></d:resourcetype><d:quota-available-bytes>'
            + quota + '</d:quota-available-bytes><d:quota-used-bytes>1'
            '</d:quota-used-bytes></d:prop><d:status>HTTP/1.1 200 OK'
            '</d:status></d:propstat></d:response></d:multistatus>')


def sabre(message, prologue='<?xml version="1.0"?>\n'):
    return (prologue + '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
            '<s:exception>Sabre\\DAV\\Exception\\InsufficientStorage'
            '</s:exception><s:message>' + message + '</s:message></d:error>')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(min(65536, n - len(data)))
            if not chunk:
                break
            data += chunk
        return data

    def send(self, code, body=b"", ctype="application/xml", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def local(self):
        path = urllib.parse.urlsplit(self.path).path
        rel = os.path.normpath(urllib.parse.unquote(path)).lstrip("/")
        return os.path.join(args.store, "files", rel)

    # --- the good server --------------------------------------------------
    def good(self, mode, data):
        f = self.local()
        q = urllib.parse.urlsplit(self.path).query
        if self.command == "PROPFIND":
            return self.send(207, multistatus("1073741824"))
        if self.command == "MKCOL":
            if os.path.isdir(f):
                return self.send(405)
            os.makedirs(f, exist_ok=True)
            return self.send(201)
        if self.command == "GET" and ("max-keys" in q or "list-type" in q):
            return self.send(200, '<?xml version="1.0"?><ListBucketResult '
                             'xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                             '<Name>b</Name></ListBucketResult>')
        if self.command in ("HEAD", "GET"):
            if not os.path.isfile(f):
                return self.send(404)
            with open(f, "rb") as fh:
                content = fh.read()
            return self.send(200, content, "application/octet-stream",
                             {"ETag": '"e"'})
        if self.command == "PUT":
            if self.headers.get("If-None-Match") == "*" and os.path.exists(f):
                return self.send(412)
            os.makedirs(os.path.dirname(f), exist_ok=True)
            with open(f + ".part", "wb") as fh:
                fh.write(data)
            os.replace(f + ".part", f)
            return self.send(200 if mode.startswith("s3") else 201,
                             extra={"ETag": '"e"'})
        if self.command == "DELETE":
            return self.send(204)
        return self.send(405)

    # --- the bad ones -----------------------------------------------------
    def bad(self, mode, data):
        cmd = self.command
        if mode == "laughs" and cmd == "PROPFIND":
            return self.send(207, multistatus("&lol9;", LAUGHS))
        if mode in ("xxe", "xxepe") and cmd == "PROPFIND":
            return self.send(207, multistatus("&xxe;&ext;", self.xxe_prologue(mode)))
        if mode in ("xxe", "xxepe") and cmd == "PUT":
            return self.send(403, sabre("&xxe;", self.xxe_prologue(mode)))
        if mode == "hugexml" and cmd == "PROPFIND":
            return self.huge(207, multistatus("1" * 64))
        if mode == "malformed" and cmd == "PROPFIND":
            return self.send(207, '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">'
                             '<d:response><d:propstat><d:prop><d:quota-available-bytes>'
                             '12</d:quota-used-bytes></d:propstat')
        if mode == "ncerr" and cmd == "PUT":
            return self.send(507, sabre("&lol9;", LAUGHS.replace("d:multistatus", "d:error")))
        if mode in ("r301", "r302") or (mode in ("r307", "r308") and cmd == "PUT"):
            return self.send(int(mode[1:]), "moved", "text/plain",
                             {"Location": args.redirect_to + self.path})
        if mode == "drip":
            self.send_response(207)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(2)
            except OSError:
                pass    # the client gave up: that is the point
            self.close_connection = True
            return None
        if mode == "stall" and cmd == "PUT":
            time.sleep(120)
            self.close_connection = True
            return None
        if mode == "full" and cmd == "PUT":
            return self.send(507, "Insufficient Storage", "text/plain")
        if mode == "s3text" and cmd == "PUT":
            return self.send(403, "Access denied. Go away.\n", "text/plain")
        if mode == "s3trunc":
            return self.send(500, '<?xml version="1.0"?><Error><Code>QuotaExc')
        if mode == "s3huge":
            return self.huge(400, '<?xml version="1.0"?><Error><Code>InternalError'
                             '</Code><Message>' + "x" * (8 << 20) + '</Message></Error>')
        if mode == "s3status" and cmd == "PUT":
            return self.send(299, "")
        if mode == "s3mpu" and cmd == "POST" and "uploads" in self.path:
            return self.send(200, LAUGHS.replace("d:multistatus", "InitiateMultipartUploadResult")
                             + '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>'
                             '<UploadId>&lol9;</UploadId></InitiateMultipartUploadResult>')
        return self.good(mode, data)

    def xxe_prologue(self, mode):
        host = self.headers.get("Host", "127.0.0.1")
        base = "%s://%s/good" % ("https" if args.tls else "http", host)
        pe = ('<!ENTITY % remote SYSTEM "' + base + '/remote.dtd">\n%remote;\n'
              if mode == "xxepe" else "")
        return ('<?xml version="1.0"?>\n<!DOCTYPE d:multistatus [\n'
                '<!ENTITY xxe SYSTEM "file://%s">\n'
                '<!ENTITY ext SYSTEM "%s/evil.xml">\n%s]>\n'
                % (os.path.join(args.store, "secret"), base, pe))

    def huge(self, code, text):
        """@text, or a body of at least 64 MiB made from it, streamed."""
        body = text.encode()
        total = max(len(body), 64 << 20)
        self.send_response(code)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        try:
            self.wfile.write(body)
            pad = b" " * 65536
            left = total - len(body)
            while left > 0:
                self.wfile.write(pad[:left])
                left -= min(left, len(pad))
        except OSError:
            pass    # the client hung up: that is the point
        self.close_connection = True

    def handle_any(self):
        data = self.body()
        mode = urllib.parse.urlsplit(self.path).path.split("/")[1:2]
        mode = mode[0] if mode else ""
        log("%s %s auth=%s" % (self.command, self.path,
                               "yes" if self.headers.get("Authorization") else "no"))
        if os.path.exists(os.path.join(args.store, "heal")) or mode == "good":
            return self.good(mode, data)
        return self.bad(mode, data)

    do_GET = do_PUT = do_HEAD = do_PROPFIND = do_MKCOL = do_DELETE = \
        do_POST = do_MOVE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    ctx = None

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ctx:
            try:
                sock.settimeout(10)
                sock = self.ctx.wrap_socket(sock, server_side=True)
                sock.settimeout(None)
            except (ssl.SSLError, OSError) as e:
                log("tls-fail %s" % e)
                sock.close()
                raise OSError("handshake failed") from e
        return sock, addr


os.makedirs(os.path.join(args.store, "files"), exist_ok=True)
srv = Server(("127.0.0.1", args.port), Handler)
if args.tls:
    srv.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.ctx.load_cert_chain(args.tls[0], args.tls[1])
with open(args.port_file + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.replace(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
