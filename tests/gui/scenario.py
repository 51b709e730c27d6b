# SPDX-License-Identifier: GPL-2.0
"""scenario: a person uses mfpscan-panel (driven through AT-SPI).

Run by test_gui.sh as root with AT_SPI_BUS_ADDRESS set to alice's AT-SPI
bus. Prints "ok   NAME" or "FAIL NAME" plus a detail line per check; the
shell test counts them. Phases (argv[1]):

  desktop  the desktop-size screen: add an account, check it, scan, see
           "done"; add a WebDAV account on a full server, scan, see the
           notification and the waiting scan; free space, Retry Now, see
           it recovered.
  after-restart  the daemon was restarted: a scan to the full server
           is kept, the agent (reconnected) notifies, and a click on the
           notification opens the panel's waiting scans.
  kiosk    the 800x480 screen (--kiosk): with three notices listed the
           Scan button is wholly on the screen; the remembered choices, the
           pages, the scan kept at the end of "desktop", Discard asks
           first (Cancel keeps it, Discard removes it); deleting an
           account asks first too.
  bob      bob's panel on the same daemon: none of alice's accounts or
           waiting scans.
  background  the daemon retries every few seconds: a scan kept on the
           full server, space freed, the background retry delivers it;
           the Scan page's line and the notices follow, Dismiss All.

The daemon's notices (ListNotices) are listed above the pages: "desktop"
sees the kept scan's notice and its "sent after retry" one appear live
and dismisses them; "kiosk" finds the notice of the scan kept in
"after-restart" listed as the panel starts.

Environment: GUI_SHOTS (screenshot dir), GUI_XSHOT (the xshot program),
GUI_DISPLAY, ALICE_DIR (her folder), DAV_URL, DAV_USER, DAV_PASSWORD,
DAV_FULL (the full tmpfs), GUI_AS_ALICE (runs a command in her session),
GUI_PREFS (her panel.ini), GUI_HOME (her home), GUI_SPOOL (her spool
directory, to compare a saved copy with).
"""
import json
import os
import subprocess
import sys
import time

import a11y

ENV = os.environ
RESULTS = {"pass": 0, "fail": 0}


def ok(name):
    RESULTS["pass"] += 1
    print("ok   " + name, flush=True)


def fail(name, detail=""):
    RESULTS["fail"] += 1
    print("FAIL " + name, flush=True)
    if detail:
        print("     " + str(detail)[:1500], flush=True)


def check(name, cond, detail=""):
    if cond:
        ok(name)
    else:
        fail(name, detail)
    return cond


def step(name, fn, *args):
    """Do one thing a person does; a control that never shows up fails
    the check (and the scenario goes on where it can)."""
    try:
        r = fn(*args)
        ok(name)
        return r
    except Exception as e:  # NotFound, or the app went away
        fail(name, repr(e))
        return None


def shot(name):
    """Screenshot of the whole screen; xshot refuses a blank one."""
    path = os.path.join(ENV["GUI_SHOTS"], name + ".png")
    time.sleep(0.3)  # let the last change be drawn (not an assertion)
    r = subprocess.run([ENV["GUI_XSHOT"], path], capture_output=True, text=True,
                       env=dict(ENV, DISPLAY=ENV["GUI_DISPLAY"]))
    check("screenshot %s is not blank" % name, r.returncode == 0,
          r.stdout + r.stderr)


def as_alice(*cmd):
    return subprocess.run([ENV["GUI_AS_ALICE"]] + list(cmd),
                          capture_output=True, text=True)


def fill():
    """Fill the server's disk to the last byte (a real 507 follows)."""
    fd = os.open(os.path.join(ENV["DAV_FULL"], "filler"),
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for size in (65536, 4096, 512, 1):
        try:
            while True:
                os.write(fd, b"\0" * size)
        except OSError:
            pass
    os.close(fd)


def unfill():
    os.unlink(os.path.join(ENV["DAV_FULL"], "filler"))


MAIN = "Scan to Cloud"   # the panel window's title


def main_window():
    return a11y.window(a11y.app("mfpscan-panel"), MAIN)


def label_with(root, prefix):
    return a11y.find(root, role="label", prefix=prefix)


def label_containing(root, text):
    """The first showing label whose text contains text; waits for it."""
    for _ in range(a11y.TRIES):
        for node in a11y.find_all(root, role="label"):
            if text in (node.name or ""):
                return node
        time.sleep(a11y.PAUSE)
    raise a11y.NotFound("label containing %r" % text)


def go_to(win, name):
    """Press a page tab; returns the page once it is on the screen."""
    a11y.click(a11y.find(win, role="page tab", prefix=name))
    return on_page(win, name)


def on_page(win, name):
    """Wait until the page called name (or "name (N)") is on the screen."""
    for _ in range(a11y.TRIES):
        try:
            p = a11y.page(win, tries=1)
            if p.name.startswith(name):
                return p
        except a11y.NotFound:
            pass
        time.sleep(a11y.PAUSE)
    raise a11y.NotFound("page %r" % name)


def notifications_shown():
    """The notifications dunst has displayed or kept in its history."""
    r = as_alice("dunstctl", "history")
    try:
        hist = json.loads(r.stdout)["data"][0]
    except (ValueError, KeyError, IndexError):
        return []
    return [(n["summary"]["data"], n["body"]["data"]) for n in hist]


def wait_displayed():
    """Wait until dunst shows a notification (bounded, not asserted)."""
    for _ in range(a11y.TRIES):
        if as_alice("dunstctl", "count", "displayed").stdout.strip() not in ("", "0"):
            return
        time.sleep(a11y.PAUSE)


def close_notifications():
    as_alice("dunstctl", "close-all")


def wait_notification(prefix):
    """Wait until dunst has a notification whose summary starts so."""
    for _ in range(a11y.TRIES // 2):
        close_notifications()   # displayed ones move to the history
        for summary, body in notifications_shown():
            if summary.startswith(prefix):
                return summary, body
        time.sleep(a11y.PAUSE * 2)
    return None


def press_in_row(win, row_name, button):
    """Press a button of a list row; the row is looked up afresh, since a
    list drawn again leaves old references dead."""
    for _ in range(10):
        try:
            row = a11y.find(a11y.page(win), role="list item", name=row_name)
            a11y.click(a11y.find(row, role="push button", name=button))
            return
        except a11y.NotFound:
            raise
        except Exception:  # the row went away under our hands: again
            time.sleep(a11y.PAUSE)
    raise a11y.NotFound("%s in %r" % (button, row_name))


NOTICE_TRIES = 60   # x 0.1 s and a walk of the list: rows come and go


def notices_list(win):
    """The panel's list of the daemon's notices, above the pages (hidden
    while there is none: looked up hidden too). It stays while its rows
    are drawn again, so it is looked up once and only it is walked."""
    for _ in range(a11y.TRIES // 10):
        for n in a11y.find_all(win, name="Notices", only_showing=False):
            if n.getRoleName() in ("list box", "list"):
                return n
        time.sleep(a11y.PAUSE)
    raise a11y.NotFound("the list of notices")


def notice_titles(lst):
    try:
        return [r.name for r in a11y.find_all(lst, role="list item")]
    except Exception:  # drawn again under our hands
        return []


def notice_row(win, title, text=None):
    """The notice row called title (whose words contain text, if given)."""
    lst = notices_list(win)
    for _ in range(NOTICE_TRIES):
        try:
            for row in a11y.find_all(lst, role="list item", name=title):
                if text is None or any(text in w for w in a11y.texts(row)):
                    return row
        except Exception:  # the list drawn again under our hands
            pass
        time.sleep(a11y.PAUSE * 2)
    raise a11y.NotFound("notice %r with %r among %r" % (title, text, notice_titles(lst)))


def dismiss_notice(win, title, text=None):
    """Press Dismiss in a notice row (looked up afresh, as press_in_row)."""
    for _ in range(10):
        try:
            row = notice_row(win, title, text)
            a11y.click(a11y.find(row, role="push button", name="Dismiss"))
            return
        except a11y.NotFound:
            raise
        except Exception:
            time.sleep(a11y.PAUSE)
    raise a11y.NotFound("Dismiss in notice %r" % title)


def listed_titles(win):
    """The notices listed now; none when the bar is hidden (GTK then
    takes the list out of the AT-SPI tree)."""
    for n in a11y.find_all(win, name="Notices", only_showing=False):
        if n.getRoleName() in ("list box", "list"):
            return notice_titles(n)
    return []


def notices_gone(win, title=None):
    """Wait until no notice (called title) is listed."""
    for _ in range(NOTICE_TRIES // 2):
        titles = listed_titles(win)
        if (title is None and not titles) or (title is not None and title not in titles):
            return True
        time.sleep(a11y.PAUSE * 2)
    return False


def dismiss_all(win):
    lst = notices_list(win)
    bar = lst.parent
    while bar is not None and not a11y.find_all(bar, role="push button",
                                                 name="Dismiss All"):
        bar = bar.parent
    a11y.click(a11y.find(bar, role="push button", name="Dismiss All"))


def above_scan(page, node):
    """node is drawn in view above the Scan button: the settings and the
    status scroll, the button stays under them, and the details follow
    news (waited for: they scroll once laid out)."""
    scan = a11y.extents(a11y.find(page, role="push button", name="Scan"))
    box = None
    for _ in range(a11y.TRIES // 10):
        box = a11y.extents(node)
        if box[1] >= 0 and box[1] + box[3] <= scan[1]:
            return True, (box, scan)
        time.sleep(a11y.PAUSE)
    return False, (box, scan)


def add_account(app, win, name, fields, kind=None):
    """Accounts page -> Add an Account… -> fill in; returns the dialog."""
    page = go_to(win, "Accounts")
    a11y.click(a11y.find(page, role="push button", name="Add an Account…"))
    dialog = a11y.window(app, "Add an Account")
    if kind:
        a11y.click(a11y.find(dialog, name=kind))
    a11y.type_text(a11y.find(dialog, role="text", name="Name"), name)
    for label, value in fields:
        role = "password text" if label == "Password" else "text"
        a11y.type_text(a11y.find(dialog, role=role, name=label), value)
    return dialog


def press_add(app, dialog, what):
    step("press Add (%s)" % what, a11y.click,
         a11y.find(dialog, role="push button", name="Add"))
    check("the form closes once the daemon accepted %s" % what,
          a11y.window_gone(app, "Add an Account"))


def desktop():
    app = a11y.app("mfpscan-panel")
    win = main_window()
    page = a11y.page(win)
    check("with no account the Scan page says so",
          bool(a11y.find_all(page, role="label",
                             name="You have no place to send scans to yet.")),
          a11y.texts(page))
    shot("desktop-01-scan-no-account")

    dialog = add_account(app, win, "Home folder", [("Folder", ENV["ALICE_DIR"])])
    shot("desktop-02-add-account")
    press_add(app, dialog, "the folder")
    page = a11y.page(win)
    row = step("the new account is listed", a11y.find, page, "list item", "Home folder")
    if row:
        press_in_row(win, "Home folder", "Check")
        # the list is drawn again with the result under the account
        step("Check says the account works", label_with, a11y.page(win), "Works.")
    shot("desktop-03-accounts")

    page = go_to(win, "Scan")
    dest = step("the account is a destination", a11y.find, page, "list item",
                "Home folder")
    check("... and is chosen", dest is not None and a11y.is_selected(dest))
    check("the remembered resolution is offered first",
          bool(a11y.find_all(page, role="label", name="75 dpi")), a11y.texts(page))
    a11y.click(a11y.find(page, role="push button", name="Scan"))
    done = step("the scan ends with Done", label_with, page, "Done. Saved as")
    if done:
        fname = done.name.split("“")[1].split("”")[0]
        check("the file it names is in her folder",
              os.path.exists(os.path.join(ENV["ALICE_DIR"], fname)),
              os.listdir(ENV["ALICE_DIR"]))
    shot("desktop-04-scan-done")
    with open(ENV["GUI_PREFS"]) as f:
        prefs = f.read()
    check("the panel remembered the destination",
          "destination=/org/mfpscan/" in prefs, prefs)

    # A WebDAV account on a server whose disk is full.
    dialog = add_account(app, win, "Nextcloud", [
        ("Server address", ENV["DAV_URL"]), ("User name", ENV["DAV_USER"]),
        ("Password", ENV["DAV_PASSWORD"]), ("Folder", "full")], kind="WebDAV")
    pw = a11y.find(dialog, role="password text", name="Password")
    check("the password is not shown as typed",
          ENV["DAV_PASSWORD"] not in (pw.queryText().getText(0, -1) or ""))
    # The server is plain http://: the daemon refuses the login until the
    # form's box allows it, and the form says which setting that is.
    step("press Add without allowing plain http", a11y.click,
         a11y.find(dialog, role="push button", name="Add"))
    step("the form shows the refusal, naming allow-insecure-http",
         label_containing, dialog, "allow-insecure-http")
    box = step("the form offers to allow plain http", a11y.find, dialog,
               None, None, "Allow plain")
    if box:
        # that it took is shown by the daemon accepting the account below
        a11y.click(box)
    press_add(app, dialog, "the WebDAV account")
    fill()
    page = go_to(win, "Scan")
    step("choose Nextcloud", a11y.select,
         a11y.find(page, role="list item", name="Nextcloud"))
    a11y.click(a11y.find(page, role="push button", name="Scan"))
    kept = step("the scan is kept and says why", label_with, page,
                "Your scan is safe. ")
    check("... in the daemon's words: the storage is full",
          kept is not None and "storage is full" in kept.name,
          kept.name if kept else "")
    if kept:
        shown, boxes = above_scan(page, kept)
        check("... and that line is in view, above the Scan button", shown,
              "status, Scan (x, y, width, height): %r" % (boxes,))
        shown, boxes = above_scan(page, a11y.find(
            page, role="push button", name="Show Waiting Scans"))
        check("... and so is Show Waiting Scans", shown,
              "button, Scan (x, y, width, height): %r" % (boxes,))
    wait_displayed()
    shot("desktop-05-scan-kept")     # with dunst's pop-up on the screen
    note = wait_notification("“")
    check("a desktop notification says the scan was not uploaded",
          note is not None and "was not uploaded" in note[0] and
          "storage is full" in note[1], notifications_shown())
    # The daemon kept a notice of it too: the panel lists it at once.
    kept_note = step("the panel lists the daemon's notice: kept, will retry",
                     notice_row, win, "Kept — will retry",
                     "Kept: storage full — will retry.")
    if kept_note:
        check("... naming the account", any("for Nextcloud was not uploaded" in w
                                            for w in a11y.texts(kept_note)),
              a11y.texts(kept_note))
    step("press Show Waiting Scans", lambda: a11y.click(
        a11y.find(page, role="push button", name="Show Waiting Scans")))
    page = step("... which opens them", on_page, win, "Waiting Scans")
    entry = page and step("the waiting scan is listed", a11y.find, page, "list item", None,
                 "scan-")
    if entry:
        # the list is drawn again as the daemon's signals arrive: read the
        # row as it is now
        words = a11y.texts(a11y.find(a11y.page(win), role="list item", name=entry.name))
        check("it says the storage is full and it waits",
              "The storage is full — Waiting to be sent again" in words, words)
        check("it says how many attempts are left",
              any("automatic attempts left" in w for w in words), words)
        check("the tab counts it", bool(a11y.find_all(win, role="page tab",
                                                       name="Waiting Scans (1)")))
    shot("desktop-06-waiting")

    unfill()
    if entry:
        name = entry.name
        press_in_row(win, name, "Retry Now")
        step("after Retry Now it says the scan was uploaded", label_with,
             a11y.page(win), "“" + name + "” was uploaded")
        check("the waiting scan is gone",
              a11y.gone(a11y.page(win), role="list item", name=name))
        note = wait_notification("“" + name + "” was uploaded")
        check("a notification says it was uploaded", note is not None,
              notifications_shown())
        step("the panel lists the notice: sent after retry", notice_row, win,
             "Sent after retry", "Sent after retry: “%s” reached Nextcloud" % name)
        page = go_to(win, "Scan")
        step("the Scan page's line follows: sent after a retry", label_with,
             page, "Sent to Nextcloud after a retry. Saved as “%s”." % name)
        check("... and no longer offers the waiting scans",
              a11y.gone(page, role="push button", name="Show Waiting Scans"))
    shot("desktop-07-recovered")
    step("Dismiss removes one notice", dismiss_notice, win, "Kept — will retry")
    check("... that one is no longer listed",
          notices_gone(win, "Kept — will retry"))
    titles = listed_titles(win)
    check("... the other still is", "Sent after retry" in titles, titles)
    step("Dismiss All", dismiss_all, win)
    check("... and no notice is left", notices_gone(win))


def after_restart():
    """The daemon was restarted by the shell test: the panel and the agent
    still work with the new one."""
    win = main_window()
    # The notification's default action (a click on it) opens the panel's
    # waiting scans: notification daemon -> mfpscan-notify -> the panel.
    page = go_to(win, "Scan")
    close_notifications()
    before = [n for n in notifications_shown() if "was not uploaded" in n[0]]
    fill()
    a11y.click(a11y.find(page, role="push button", name="Scan"))
    step("the panel follows a job of the new daemon to its end", label_with,
         page, "Your scan is safe")
    wait_displayed()
    as_alice("dunstctl", "action", "0")
    step("clicking the notification opens the waiting scans", on_page, win,
         "Waiting Scans")
    close_notifications()
    after = [n for n in notifications_shown() if "was not uploaded" in n[0]]
    check("the agent, still connected, announced the new failure",
          len(after) == len(before) + 1, after)
    # the server stays full: this scan must still wait in the kiosk phase


def kiosk():
    app = a11y.app("mfpscan-panel")
    win = main_window()
    page = a11y.page(win)
    # The panel starts: the notice of the scan kept in "after-restart",
    # not seen in the panel yet, is listed above the pages.
    step("on start the panel lists the notice not yet seen", notice_row, win,
         "Kept — will retry", "Kept: storage full — will retry.")
    step("... and those of the files kept after an interruption", notice_row,
         win, "Files kept after an interruption", "leftover-2.doc")
    titles = listed_titles(win)
    check("three notices or more are listed", len(titles) >= 3, titles)
    scan = a11y.find(page, role="push button", name="Scan")
    box = a11y.extents(scan)
    check("the Scan button is wholly on the 800x480 screen with them",
          box[0] >= 0 and box[1] >= 0 and box[0] + box[2] <= 800 and
          box[1] + box[3] <= 480, "x, y, width, height: %r" % (box,))
    shot("kiosk-00-notice-on-start")
    step("Dismiss it", dismiss_notice, win, "Kept — will retry")
    check("... it is gone", notices_gone(win, "Kept — will retry"))
    step("Dismiss All the others", dismiss_all, win)
    check("... and no notice is left", notices_gone(win))
    dest = step("the remembered destination is listed", a11y.find, page,
                "list item", "Nextcloud")
    check("... and chosen again", dest is not None and a11y.is_selected(dest))
    shot("kiosk-01-scan")
    page = go_to(win, "Accounts")
    a11y.find(page, role="list item", name="Home folder")
    shot("kiosk-02-accounts")
    a11y.click(a11y.find(page, role="push button", name="Add an Account…"))
    dialog = a11y.window(app, "Add an Account")
    a11y.click(a11y.find(dialog, name="WebDAV"))
    shot("kiosk-03-add-account")
    a11y.click(a11y.find(dialog, role="push button", name="Cancel"))
    check("Cancel closes the form", a11y.window_gone(app, "Add an Account"))

    page = go_to(win, "Waiting Scans")
    entry = step("the scan kept earlier waits", a11y.find, page, "list item", None,
                 "scan-")
    shot("kiosk-04-waiting")
    if not entry:
        return
    name = entry.name

    # Save a Copy…: the daemon hands the document over (SpoolEntry.Open),
    # the file chooser offers its name in her home; the entry stays.
    press_in_row(win, name, "Save a Copy…")
    chooser = step("Save a Copy… opens a file chooser", a11y.window, app, "Save a Copy")
    shot("kiosk-05-save-copy")
    if chooser:
        a11y.click(a11y.find(chooser, role="push button", prefix="_Save"))
        step("the panel says the copy was saved", label_with, a11y.page(win),
             "A copy of “%s” was saved." % name)
        copy = os.path.join(ENV["GUI_HOME"], name)
        docs = [os.path.join(ENV["GUI_SPOOL"], f) for f in os.listdir(ENV["GUI_SPOOL"])
                if f.endswith(".doc")]
        check("the copy has the kept document's bytes",
              os.path.exists(copy) and len(docs) == 1 and
              open(copy, "rb").read() == open(docs[0], "rb").read(),
              (copy, docs))
        check("... and the scan still waits",
              bool(a11y.find_all(a11y.page(win), role="list item", name=name)))
    question = "Discard “%s”?" % name
    press_in_row(win, name, "Discard…")
    confirm = step("Discard asks first, naming the document", a11y.window, app,
                   question)
    shot("kiosk-06-discard-asks")
    if not confirm:
        return
    a11y.click(a11y.find(confirm, role="push button", name="Cancel"))
    check("Cancel keeps it", a11y.window_gone(app, question) and
          bool(a11y.find_all(a11y.page(win), role="list item", name=name)))
    press_in_row(win, name, "Discard…")
    confirm = a11y.window(app, question)
    a11y.click(a11y.find(confirm, role="push button", name="Discard"))
    step("Discard says so", label_with, a11y.page(win), "“%s” was discarded." % name)
    check("... and it is gone", a11y.gone(a11y.page(win), role="list item", name=name))
    shot("kiosk-07-discarded")

    # Deleting an account asks first, naming it.
    go_to(win, "Accounts")
    question = "Delete the account “Home folder”?"
    press_in_row(win, "Home folder", "Delete…")
    confirm = step("Delete asks first, naming the account", a11y.window, app,
                   question)
    shot("kiosk-08-delete-asks")
    if confirm:
        a11y.click(a11y.find(confirm, role="push button", name="Delete"))
        step("Delete says so", label_with, a11y.page(win),
             "The account “Home folder” was deleted.")
        check("... and it is no longer listed",
              a11y.gone(a11y.page(win), role="list item", name="Home folder"))
        check("... nor offered as a destination",
              not a11y.find_all(go_to(win, "Scan"), role="list item",
                                name="Home folder"))


def bob():
    win = main_window()
    page = a11y.page(win)
    check("bob's panel has no destination of alice's",
          bool(a11y.find_all(page, role="label",
                             name="You have no place to send scans to yet.")) and
          not a11y.find_all(win, role="list item", only_showing=False),
          a11y.texts(page))
    shot("kiosk-09-bob-scan")
    page = go_to(win, "Waiting Scans")
    check("... and none of her waiting scans",
          bool(a11y.find_all(page, role="label", prefix="No scans are waiting")))


def background():
    """The daemon retries every few seconds now: a scan kept on the full
    server is delivered by the background retry, with no click; the Scan
    page and the notices follow."""
    win = main_window()
    page = go_to(win, "Scan")
    dest = step("the remembered destination is listed", a11y.find, page,
                "list item", "Nextcloud")
    if dest and not a11y.is_selected(dest):
        a11y.select(dest)
    fill()
    a11y.click(a11y.find(page, role="push button", name="Scan"))
    step("the scan is kept", label_with, page, "Your scan is safe. ")
    step("the notice says so", notice_row, win, "Kept — will retry",
         "Kept: storage full — will retry.")
    shot("background-01-kept")
    unfill()
    sent = None
    for _ in range(4):  # the retry comes after a delay of its own
        try:
            sent = label_with(page, "Sent to Nextcloud after a retry. Saved as “")
            break
        except a11y.NotFound:
            pass
    check("the background retry delivers it and the Scan page says so",
          sent is not None, a11y.texts(page))
    check("... and no longer offers the waiting scans",
          a11y.gone(page, role="push button", name="Show Waiting Scans"))
    step("the notice: sent after retry", notice_row, win, "Sent after retry",
         "reached Nextcloud")
    shot("background-02-sent")
    step("Dismiss All", dismiss_all, win)
    check("... and no notice is left", notices_gone(win))


def main():
    try:
        {"desktop": desktop, "after-restart": after_restart, "kiosk": kiosk,
         "bob": bob, "background": background}[sys.argv[1]]()
    except Exception as e:  # a control missing mid-way: one failure, not a crash
        fail("the %s scenario ran to its end" % sys.argv[1], repr(e))
    print("%d passed, %d failed" % (RESULTS["pass"], RESULTS["fail"]))
    return 1 if RESULTS["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
