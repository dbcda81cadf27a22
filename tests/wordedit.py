"""Edit a built DOCX the way Word does: tracked insertions and deletions, inserted paragraphs, comments."""
from __future__ import annotations

import copy
import io
import zipfile

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS
AUTHOR, DATE = "Recensent Communicatie", "2024-07-10T09:30:00Z"
COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"


class WordEdit:
    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            self.entries = {name: package.read(name) for name in package.namelist()}
        self.root = etree.fromstring(self.entries["word/document.xml"])
        self.next_id = 9000
        self.comments: list[tuple[str, str]] = []

    def paragraph(self, contains: str):
        for p in self.root.iter(W + "p"):
            if contains in "".join(t.text or "" for t in p.iter(W + "t")):
                return p
        raise AssertionError(f"no paragraph holds {contains!r}")

    def _id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _run(self, text: str, deleted: bool = False):
        run = etree.Element(W + "r")
        t = etree.SubElement(run, W + ("delText" if deleted else "t"))
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return run

    def track(self, contains: str, old: str, new: str) -> None:
        """Replace old by new inside the paragraph as a tracked w:del + w:ins (plain text runs)."""
        p = self.paragraph(contains)
        text = "".join(t.text or "" for t in p.iter(W + "t"))
        before, _, after = text.partition(old)
        runs = [r for r in p if r.tag == W + "r"]
        anchor = runs[0]
        for piece in filter(None, [before]):
            anchor.addprevious(self._run(piece))
        mark = etree.Element(W + "del", {W + "id": self._id(), W + "author": AUTHOR, W + "date": DATE})
        mark.append(self._run(old, deleted=True))
        anchor.addprevious(mark)
        if new:
            ins = etree.Element(W + "ins", {W + "id": self._id(), W + "author": AUTHOR, W + "date": DATE})
            ins.append(self._run(new))
            anchor.addprevious(ins)
        if after:
            anchor.addprevious(self._run(after))
        for run in runs:
            p.remove(run)

    def direct(self, contains: str, old: str, new: str) -> None:
        """An edit made with tracking off: the text simply changes."""
        p = self.paragraph(contains)
        for t in p.iter(W + "t"):
            if old in (t.text or ""):
                t.text = t.text.replace(old, new, 1)
                return
        raise AssertionError(f"{old!r} is not inside one run")

    def insert_after(self, contains: str, text: str) -> None:
        """A new paragraph after the one holding contains, inserted with tracking on (mark and text w:ins)."""
        p = self.paragraph(contains)
        new = etree.Element(W + "p")
        ppr = p.find(W + "pPr")
        if ppr is not None:
            new_ppr = copy.deepcopy(ppr)
            rpr = new_ppr.find(W + "rPr")
            if rpr is None:
                rpr = etree.SubElement(new_ppr, W + "rPr")
            etree.SubElement(rpr, W + "ins", {W + "id": self._id(), W + "author": AUTHOR, W + "date": DATE})
            new.append(new_ppr)
        ins = etree.SubElement(new, W + "ins", {W + "id": self._id(), W + "author": AUTHOR, W + "date": DATE})
        ins.append(self._run(text))
        end = [c for c in p if c.tag == W + "bookmarkEnd"]
        p.addnext(new)
        for bookmark in end:  # Word keeps the end of a bookmark at the end of the text typed into it
            new.append(bookmark)

    def comment(self, contains: str, text: str) -> None:
        p = self.paragraph(contains)
        cid = str(len(self.comments))
        ppr = p.find(W + "pPr")
        start = etree.Element(W + "commentRangeStart", {W + "id": cid})
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
        etree.SubElement(p, W + "commentRangeEnd", {W + "id": cid})
        run = etree.SubElement(p, W + "r")
        etree.SubElement(run, W + "commentReference", {W + "id": cid})
        self.comments.append((cid, text))

    def save(self) -> bytes:
        self.entries["word/document.xml"] = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8",
                                                           standalone=True)
        if self.comments:
            root = etree.Element(W + "comments", nsmap={"w": W_NS})
            for cid, text in self.comments:
                comment = etree.SubElement(root, W + "comment", {W + "id": cid, W + "author": AUTHOR,
                                                                 W + "date": DATE, W + "initials": "RC"})
                etree.SubElement(etree.SubElement(comment, W + "p"), W + "r").append(self._run(text))
            self.entries["word/comments.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                               standalone=True)
            rels = self.entries["word/_rels/document.xml.rels"].decode()
            rels = rels.replace("</Relationships>", f'<Relationship Id="rIdComments9" Type="{COMMENTS_REL}" '
                                'Target="comments.xml"/></Relationships>')
            self.entries["word/_rels/document.xml.rels"] = rels.encode()
            types = self.entries["[Content_Types].xml"].decode()
            types = types.replace("</Types>", f'<Override PartName="/word/comments.xml" ContentType="{COMMENTS_CT}"/>'
                                  "</Types>")
            self.entries["[Content_Types].xml"] = types.encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            for name, data in self.entries.items():
                package.writestr(name, data)
        return buffer.getvalue()
