"""Run by LibreOffice's Python (python3-uno), not by pytest: a reviewer editing a DOCX in Writer.

    python3 uno_edit_answer.py DOCX OUT_DOCX PROFILE_URL OLD NEW

Starts a headless soffice with a private profile, opens DOCX, switches change tracking on, replaces the
first occurrence of OLD by NEW (as a tracked change, author "LibreOffice-recensent") and saves the result
as Word 2007-365 to OUT_DOCX. Exit code 0 on success, 3 when OLD is not in the document.
"""
import os
import sys

import uno

from uno_tracked_changes import TIMEOUT, connect, load, prop

import subprocess
import uuid


def main(docx, out, profile, old, new):
    pipe = f"briefings-{uuid.uuid4().hex}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
         "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = False
    try:
        context = connect(pipe)
        smgr = context.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        settings = smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", context)
        access = settings.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationUpdateAccess",
            (prop("nodepath", "/org.openoffice.UserProfile/Data"),))
        access.setPropertyValue("givenname", "LibreOffice-recensent")
        access.commitChanges()
        document = load(desktop, docx)
        document.setPropertyValue("RecordChanges", True)
        search = document.createSearchDescriptor()
        search.SearchString = old
        search.SearchCaseSensitive = True
        match = document.findFirst(search)
        if match is not None:
            found = True
            match.setString(new)
            url = uno.systemPathToFileUrl(os.path.abspath(out))
            document.storeToURL(url, (prop("FilterName", "MS Word 2007 XML"),))
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
    sys.exit(0 if found else 3)


if __name__ == "__main__":
    main(*sys.argv[1:6])
