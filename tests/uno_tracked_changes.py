"""Run by LibreOffice's Python (python3-uno), not by pytest: what Writer makes of a DOCX's tracked changes.

    python3 uno_tracked_changes.py DOCX OUTDIR PROFILE_URL

Starts a headless soffice with a private profile, opens DOCX three times and writes to OUTDIR:
accepted.txt (all changes accepted), rejected.txt (all rejected) and redlines.json (the tracked
changes Writer reports: type, author, date). Exit code 0 on success.
"""
import json
import os
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

TIMEOUT = 90


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def load(desktop, path):
    url = uno.systemPathToFileUrl(os.path.abspath(path))
    return desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True), prop("ReadOnly", False)))


def store_text(document, path):
    url = uno.systemPathToFileUrl(os.path.abspath(path))
    document.storeToURL(url, (prop("FilterName", "Text (encoded)"), prop("FilterOptions", "UTF8,LF")))


def redlines(document):
    out = []
    enum = document.getRedlines().createEnumeration()
    while enum.hasMoreElements():
        redline = enum.nextElement()
        date = redline.getPropertyValue("RedlineDateTime")
        out.append({
            "type": redline.getPropertyValue("RedlineType"),
            "author": redline.getPropertyValue("RedlineAuthor"),
            "date": f"{date.Year:04d}-{date.Month:02d}-{date.Day:02d}T{date.Hours:02d}:{date.Minutes:02d}",
        })
    return out


def main(docx, outdir, profile):
    pipe = f"briefings-{uuid.uuid4().hex}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
         "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        context = connect(pipe)
        smgr = context.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)

        document = load(desktop, docx)
        with open(os.path.join(outdir, "redlines.json"), "w", encoding="utf-8") as out:
            json.dump(redlines(document), out)
        document.close(True)

        for command, name in ((".uno:AcceptAllTrackedChanges", "accepted.txt"),
                              (".uno:RejectAllTrackedChanges", "rejected.txt")):
            document = load(desktop, docx)
            document.setPropertyValue("RecordChanges", False)
            frame = document.getCurrentController().getFrame()
            dispatcher.executeDispatch(frame, command, "", 0, ())
            store_text(document, os.path.join(outdir, name))
            document.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge goes down with the office
            pass
        office.wait(timeout=TIMEOUT)
    finally:
        if office.poll() is None:
            office.kill()
            office.wait()


if __name__ == "__main__":
    main(*sys.argv[1:4])
