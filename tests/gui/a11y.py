# SPDX-License-Identifier: GPL-2.0
"""a11y: what a person does, through AT-SPI (pyatspi).

The GUI test reads and drives the panel as assistive technology does: it
finds controls by role and accessible name, presses buttons through their
"click" action, types into text fields through EditableText, and reads
labels' text. Nothing here knows the panel's code.

Waiting is bounded by a number of tries, never asserted as a time.
"""
import time

import pyatspi

TRIES = 300          # x 0.1 s: how long the person is willing to wait
PAUSE = 0.1


class NotFound(Exception):
    """A control the person looked for is not on the screen."""


def _walk(node, depth=0):
    """Every accessible under node (depth first)."""
    yield node
    try:
        count = node.childCount if depth <= 40 else 0
    except Exception:  # the widget was destroyed (a list drawn again)
        return
    for i in range(count):
        try:
            child = node.getChildAtIndex(i)
        except Exception:  # a widget went away while we looked
            continue
        if child is not None:
            yield from _walk(child, depth + 1)


def app(name, tries=TRIES):
    """The application whose accessible name is name."""
    for _ in range(tries):
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            a = desktop.getChildAtIndex(i)
            if a is not None and a.name == name:
                return a
        time.sleep(PAUSE)
    raise NotFound("application %r" % name)


def showing(node):
    """True when node is not hidden. GTK 4.8 sets no SHOWING state and
    marks every page of a stack VISIBLE: search inside page() to see only
    the page on the screen."""
    try:
        return node.getState().contains(pyatspi.STATE_VISIBLE)
    except Exception:
        return False


def window(app, title):
    """The application's top-level window (or dialog) with this title."""
    for _ in range(TRIES):
        for i in range(app.childCount):
            w = app.getChildAtIndex(i)
            if w is not None and w.name == title:
                return w
        time.sleep(PAUSE)
    raise NotFound("window %r" % title)


def window_gone(app, title, tries=TRIES):
    """Wait until the window with this title has closed."""
    for _ in range(tries):
        names = [app.getChildAtIndex(i).name for i in range(app.childCount)]
        if title not in names:
            return True
        time.sleep(PAUSE)
    return False


def page(win, tries=TRIES):
    """The page of a tabbed window that is on the screen: the panel named
    like the selected page tab."""
    for _ in range(tries):
        tabs = [t for t in find_all(win, role="page tab") if is_selected(t)]
        if tabs:
            pages = [p for p in find_all(win, role="panel", name=tabs[0].name)
                     if p.parent is not None and p.parent.getRoleName() == "panel"]
            if pages:
                return pages[0]
        time.sleep(PAUSE)
    raise NotFound("the page on the screen")


def find_all(root, role=None, name=None, prefix=None, only_showing=True):
    """Controls under root by role name ("push button") and name (exact,
    or starting with prefix)."""
    found = []
    for n in _walk(root):
        try:
            if role and n.getRoleName() != role:
                continue
            if name is not None and n.name != name:
                continue
            if prefix is not None and not (n.name or "").startswith(prefix):
                continue
            if only_showing and not showing(n):
                continue
        except Exception:
            continue
        found.append(n)
    return found


def find(root, role=None, name=None, prefix=None, tries=TRIES):
    """The first showing control matching; waits for it to appear."""
    for _ in range(tries):
        hits = find_all(root, role, name, prefix)
        if hits:
            return hits[0]
        time.sleep(PAUSE)
    raise NotFound("%s %r%s" % (role or "control", name if name is not None else prefix,
                                " (prefix)" if prefix is not None else ""))


def gone(root, role=None, name=None, prefix=None, tries=TRIES):
    """Wait until no showing control matches; True when that happened."""
    for _ in range(tries):
        if not find_all(root, role, name, prefix):
            return True
        time.sleep(PAUSE)
    return False


def click(node):
    """Press a button (its first action, "click")."""
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate"):
            action.doAction(i)
            return
    action.doAction(0)


def type_text(node, text):
    """Replace the text of an entry, as typing it would."""
    node.queryEditableText().setTextContents(text)


def select(item):
    """Select a list item, as a tap on it would (its list's Selection)."""
    item.parent.querySelection().selectChild(item.getIndexInParent())


def is_selected(node):
    return node.getState().contains(pyatspi.STATE_SELECTED)


def is_checked(node):
    s = node.getState()
    return s.contains(pyatspi.STATE_CHECKED) or s.contains(pyatspi.STATE_PRESSED)


def texts(root):
    """The names of every showing label under root (what is written)."""
    return [n.name for n in find_all(root, role="label") if n.name]


def extents(node):
    """Where node is drawn, (x, y, width, height) in its window's pixels."""
    return tuple(node.queryComponent().getExtents(pyatspi.WINDOW_COORDS))


def ancestor(node, role):
    """The nearest ancestor of node with this role."""
    p = node.parent
    while p is not None and p.getRoleName() != role:
        p = p.parent
    if p is None:
        raise NotFound("no %s around %r" % (role, node.name))
    return p
