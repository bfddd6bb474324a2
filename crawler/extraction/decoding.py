"""Bytes of an HTTP response to text, the way a careful browser would.

Order of evidence (first usable one wins): the charset of the HTTP ``Content-Type``,
a byte-order mark, a ``<meta>`` declaration in the first bytes, then detection with
charset-normalizer. Labels are resolved as browsers resolve them (the WHATWG Encoding
standard): ``iso-8859-1``, ``latin1`` and ``us-ascii`` mean windows-1252.

Two guards keep mojibake out: a declaration the bytes violate (invalid UTF-8) is
skipped for the next piece of evidence, unless most of the page is valid UTF-8 (a
stretch pasted in another charset gets replacement marks, as in a browser), and a
single-byte Western declaration over a body that is valid multi-byte UTF-8 is taken for
the UTF-8 it is. Control characters no browser shows are removed.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Iterable

import brotli
from charset_normalizer import from_bytes

#: Labels that browsers decode as windows-1252.
_WINDOWS_1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp1252",
     "windows-1252", "x-cp1252", "iso_8859-1", "cp819", "ibm819", "iso-ir-100", "8859-1"}
)
_SINGLE_BYTE_WESTERN = frozenset({"windows-1252", "iso-8859-15"})
_LATIN_CODE_PAGES = frozenset(
    {"windows-1250", "windows-1254", "windows-1257", "iso-8859-2", "iso-8859-3",
     "iso-8859-4", "iso-8859-9", "iso-8859-10", "iso-8859-13", "iso-8859-15",
     "iso-8859-16", "mac-roman", "mac-latin2"}
)
#: The encodings browsers support (the WHATWG Encoding standard), as normalise_label
#: names them (windows-874 and x-mac-cyrillic by Python's names: cp874, mac-cyrillic).
_WEB_LABELS = (
    "utf-8", "ibm866", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5",
    "iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-10", "iso-8859-13", "iso-8859-14",
    "iso-8859-15", "iso-8859-16", "koi8-r", "koi8-u", "macintosh", "cp874",
    "windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254",
    "windows-1255", "windows-1256", "windows-1257", "windows-1258", "mac-cyrillic", "gbk",
    "gb18030", "big5", "euc-jp", "iso-2022-jp", "shift_jis", "euc-kr", "utf-16be",
    "utf-16le",
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE | re.DOTALL
)
_META_SCAN_BYTES = 4096
_C1 = re.compile("[\x80-\x9f]")
#: Characters no XML tree holds and no browser shows: C0 controls but tab and line ends,
#: DEL, and the two non-characters U+FFFE and U+FFFF.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
#: A numeric character reference to one of those ("&#8;", "&#x1b", "&#65535;"; the
#: semicolon optional, as in HTML); a form feed's (12, xc) becomes a space.
_CONTROL_REFERENCE = re.compile(
    r"&#(?:0*(?:[1-8]|1[124-9]|2[0-9]|3[01]|127|6553[45])(?![0-9])"
    r"|[xX]0*(?:[1-8bcefBCEF]|1[0-9a-fA-F]|7[fF]|[fF]{3}[eEfF])(?![0-9a-fA-F]));?"
)
_FORM_FEED_REFERENCE = re.compile(r"&#(?:0*12|[xX]0*[cC])\b")
#: Numeric references to 0x80-0x9F mean windows-1252 characters (HTML5 parsing rule).
_C1_TO_WINDOWS_1252 = {
    code: bytes([code]).decode("windows-1252", errors="ignore") or chr(code)
    for code in range(0x80, 0xA0)
}


class UndecodableBody(ValueError):
    """The payload is compressed with an unknown or broken content coding."""


def content_decode(body: bytes, content_encoding: str | None) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate, br; applied in reverse order)."""
    if not content_encoding:
        return body
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
        body = _undo_coding(body, coding)
    return body


def _undo_coding(body: bytes, coding: str) -> bytes:
    try:
        if coding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if coding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:  # raw deflate, as some servers send it
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if coding == "br":
            return brotli.decompress(body)
    except (zlib.error, brotli.error) as error:
        raise UndecodableBody(f"broken {coding} content coding: {error}") from error
    if coding in ("identity", ""):
        return body
    raise UndecodableBody(f"unknown content coding {coding!r}")


def normalise_label(label: str | None) -> str | None:
    """A charset label as browsers resolve it, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_LABELS:
        return "windows-1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("cp1252", "latin-1", "ascii"):
        return "windows-1252"
    return _web_name(name)


def _web_name(codec_name: str) -> str:
    """Python's codec name as the web names it: cp1251 -> windows-1251."""
    if codec_name in ("utf-8-sig", "utf_8"):
        return "utf-8"
    if re.fullmatch(r"cp12[0-9]{2}", codec_name):
        return "windows-" + codec_name[2:]
    if codec_name.startswith("iso8859-"):
        return "iso-" + codec_name[3:]
    return codec_name


_WEB_ENCODINGS = frozenset(filter(None, map(normalise_label, _WEB_LABELS)))


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return normalise_label(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    return normalise_label(match.group(1).decode("ascii", "ignore")) if match else None


def bom_charset(body: bytes) -> str | None:
    return next((name for bom, name in _BOMS if body.startswith(bom)), None)


def detect_charset(body: bytes) -> str:
    """Detection, last resort: valid UTF-8 is UTF-8; a Latin single-byte guess that
    windows-1252 also decodes is taken as windows-1252 (the browsers' default for
    Western pages; short samples make detectors waver between Latin code pages), and so
    is a guess no browser would make (a DOS code page, a Mac variant: not web encodings)."""
    if _is_multibyte_utf8(body):
        return "utf-8"
    best = from_bytes(body[:65536]).best()
    label = normalise_label(best.encoding if best else None) or "windows-1252"
    if label not in _WEB_ENCODINGS or (label in _LATIN_CODE_PAGES and _decodes(body, "cp1252")):
        return "windows-1252"
    return label


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML payload; returns ``(text, encoding used)``."""
    bom = bom_charset(body)
    for label in _candidates(body, content_type, bom):
        text = _try_decode(body, label, bom)
        if text is not None:
            return _without_controls(text), label
    label = detect_charset(body)
    return _without_controls(_decode_lenient(body, label, bom)), label


def _candidates(body: bytes, content_type: str | None, bom: str | None) -> Iterable[str]:
    for label in (header_charset(content_type), bom, meta_charset(body)):
        if label:
            yield label


def _try_decode(body: bytes, label: str, bom: str | None) -> str | None:
    """Strict decoding with ``label``; None when the bytes contradict it."""
    if label in _SINGLE_BYTE_WESTERN and _is_multibyte_utf8(body):
        return None
    if label.startswith("utf-16") and bom is None:
        return None
    try:
        return _strip_bom(body, bom).decode(_codec(label))
    except UnicodeDecodeError:
        if label == "utf-8" and _mostly_utf8(body):  # a pasted stretch in another charset
            return _decode_lenient(body, label, bom)
        return None if label == "utf-8" or label.startswith("utf-16") else _decode_lenient(
            body, label, bom
        )


def _decode_lenient(body: bytes, label: str, bom: str | None) -> str:
    return _strip_bom(body, bom).decode(_codec(label), errors="replace")


def _codec(label: str) -> str:
    return codecs.lookup(label).name


def _strip_bom(body: bytes, bom: str | None) -> bytes:
    if bom is None:
        return body
    return body[len(next(b for b, name in _BOMS if name == bom)):]


def _mostly_utf8(body: bytes) -> bool:
    """More characters decode as UTF-8 beyond ASCII than fail to: a UTF-8 page with a
    stretch pasted in another charset, which a browser shows with replacement marks.
    A page in a single-byte charset mislabelled UTF-8 has (almost) none that decode."""
    text = body.decode("utf-8", errors="replace")
    failed = text.count("\ufffd")
    return sum(1 for char in text if char > "\x7f") - failed > failed


def _is_multibyte_utf8(body: bytes) -> bool:
    """True when the body has non-ASCII bytes and all of them form valid UTF-8."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _without_controls(text: str) -> str:
    """Text without control characters, raw or as numeric references (a form feed is a
    space): the HTML parser drops NUL, a browser shows the others as nothing or a box,
    and no XML tree can hold them; C1 controls mapped to windows-1252."""
    if _CONTROLS.search(text):
        text = _CONTROLS.sub(_control_replacement, text)
    if "&#" in text:
        text = _CONTROL_REFERENCE.sub(_control_reference_replacement, text)
    return fix_c1_controls(text)


def _control_replacement(match: re.Match) -> str:
    return " " if match.group() == "\f" else ""


def _control_reference_replacement(match: re.Match) -> str:
    return " " if _FORM_FEED_REFERENCE.match(match.group()) else ""


def fix_c1_controls(text: str) -> str:
    """Map C1 control characters (from ``&#146;``-style references) to windows-1252."""
    return text.translate(_C1_TO_WINDOWS_1252) if _C1.search(text) else text
