# SPDX-License-Identifier: GPL-2.0
"""symlink_swapper: the attacker of test_symlink_race.sh, run as the
destination's owner. It swaps the account's folder (FOLDER) or its parent
(BOX) for a symbolic link to one of TARGETS and back, over and over, as
fast as it can, until STOPFILE exists and at least MIN swaps were done.
It watches the real folder for the daemon's temporary file (.NAME.xxxxxx):
while one is there an upload is running and it swaps at once, again and
again (those swaps are counted as "mid": the race entered); otherwise it
swaps blindly every 10th look and keeps the link for up to 30 ms, so that
a check made on the real folder is often followed by a write on the link. After each swap back it lists every target:
anything new there is a breach (printed at once). Prints one summary line:
"swaps=N mid=M breaches=B".
"""
import os
import random
import re
import sys
import time

box, folder, stop, minimum = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
targets = sys.argv[5:]
temp_re = re.compile(r"^\..+\.[0-9a-f]{6}$")


def listing(d):
    out = set()
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            out.add(os.path.join(root, n))
    return out


before = {t: listing(t) for t in targets}
swaps = mid = breaches = 0
i = 0
looks = 0
while swaps < minimum or not os.path.exists(stop):
    try:
        busy = any(temp_re.match(n) for n in os.listdir(folder))
    except OSError:
        busy = False
    looks += 1
    if not busy and looks % 10:
        time.sleep(0.0005)
        continue
    victim = folder if i % 2 == 0 else box
    target = targets[(i // 2) % len(targets)]
    i += 1
    try:
        os.rename(victim, victim + ".real")
    except OSError:
        time.sleep(0.001)
        continue
    try:
        os.symlink(target, victim)
        swaps += 1
        mid += busy
        time.sleep(0.001 if busy else random.uniform(0.001, 0.03))
        os.unlink(victim)
    finally:
        os.rename(victim + ".real", victim)
    if i % 10 == 0:
        for t in targets:
            new = listing(t) - before[t]
            if new:
                breaches += 1
                print("BREACH in %s: %s" % (t, sorted(new)[:5]), flush=True)
                before[t] |= new
print("swaps=%d mid=%d breaches=%d" % (swaps, mid, breaches), flush=True)
