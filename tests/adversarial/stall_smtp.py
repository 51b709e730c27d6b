#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# stall_smtp: an SMTP server on 127.0.0.1:PORT that never gets anywhere,
# for tests/adversarial/test_hostile_smtp.sh. Each connection is logged
# ("connect N") to LOG.
#   silent  accepts the connection, then says nothing at all
#   drip    sends its greeting "220 stall ESMTP" one byte every 2 s, then
#           nothing
#
#   stall_smtp.py PORT LOG silent|drip
import socket
import sys
import threading
import time

port, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
count = 0
lock = threading.Lock()


def serve(conn):
    try:
        if mode == "drip":
            for ch in b"220 stall ESMTP\r\n":
                conn.sendall(bytes([ch]))
                time.sleep(2)
        time.sleep(600)
    except OSError:
        pass    # the client gave up: that is the point
    finally:
        conn.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
while True:
    conn, _ = srv.accept()
    with lock:
        count += 1
        with open(log, "a") as f:
            f.write("connect %d\n" % count)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
