"""Bytes to text: a byte-order mark, an HTML charset, UTF-8, or a detected encoding."""

from __future__ import annotations

import codecs
import re


class Unreadable(Exception):
    """Raised inside the decoders and parsers; parse_bytes turns it into a Skipped."""


_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_UNDETECTED = "not UTF-8 and no encoding could be detected"


def decode(data: bytes, *, html: bool = False) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as error:
                raise Unreadable(f"starts with a {codec} byte-order mark but is not {codec}") from error
    if b"\x00" in data:
        raise Unreadable("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _guess_decode(data, html)
    if len(_CONTROL.findall(text[:100_000])) > max(2, len(text[:100_000]) // 100):
        raise Unreadable("binary file (control characters)")
    return text


def _guess_decode(data: bytes, html: bool) -> str:
    declared = _META_CHARSET.search(data[:4096]) if html else None
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; detect instead
    import charset_normalizer  # imported here: most files are UTF-8 and never need it

    matches = list(charset_normalizer.from_bytes(data))
    if not matches or matches[0].percent_chaos > 10:
        raise Unreadable(_UNDETECTED)
    # Short Western texts fit several 8-bit code pages equally well; cp1252 (a superset of
    # printable latin-1) is by far the most common one for news text, so it wins ties.
    # charset_normalizer often leaves cp1252 out of its list ("“we” – Größe" comes back as
    # cp775 or cp1250), so score the cp1252 reading with the library's own measure too.
    from charset_normalizer.md import mess_ratio

    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and mess_ratio(western) * 100 <= matches[0].percent_chaos + 1.0:
        return western
    best = min(m.percent_chaos for m in matches)
    tied = [m.encoding for m in matches if m.percent_chaos <= best + 1.0]
    encoding = "cp1252" if "cp1252" in tied else matches[0].encoding
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise Unreadable(_UNDETECTED) from error
