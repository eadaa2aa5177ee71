"""SMS encoding and segment count (kpi-spec "SMS segments and credits").

Written from the spec's rules: GSM-7 when every character is in the GSM 03.38 basic set or its
extension table, else UCS-2; one part holds 160 septets / 70 code units, longer bodies are cut
into parts of 153 septets / 67 code units, and a part never splits a grapheme cluster (escape
pairs and surrogate pairs are inside one cluster by construction).
"""

from __future__ import annotations

from functools import lru_cache

import regex

GSM_BASIC = frozenset(
    "\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
    "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")


def is_gsm7(body: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in body)


def _clusters(body: str) -> list[str]:
    # The calculator treats CR LF as two characters, not one cluster.
    out: list[str] = []
    for cluster in regex.findall(r"\X", body):
        out.extend(cluster if cluster == "\r\n" else [cluster])
    return out


def _size(cluster: str, gsm: bool) -> int:
    if gsm:
        return sum(2 if ch in GSM_EXTENSION else 1 for ch in cluster)
    return len(cluster.encode("utf-16-le")) // 2


@lru_cache(maxsize=65536)  # campaign bodies repeat: count each text once
def segment_count(body: str) -> int:
    """Segments of a present body; an empty body is 1 segment (spec: as the calculator says)."""
    gsm = is_gsm7(body)
    single, part = (160, 153) if gsm else (70, 67)
    total = (
        len(body) + sum(ch in GSM_EXTENSION for ch in body)
        if gsm
        else len(body.encode("utf-16-le")) // 2
    )
    if total <= single:  # one segment: no need to find where parts would split
        return 1
    sizes = [_size(c, gsm) for c in _clusters(body)]
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts
