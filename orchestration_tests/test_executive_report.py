"""The executive report: written by the refresh, self-contained, the API's numbers, renders."""

import os
import re
import struct
import subprocess
import zlib
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import pytest

from orchestration.executive_report.assets import reports_dir
from orchestration.executive_report.data import MIN_TEMPLATE_MESSAGES, PERIOD_DAYS, TEMPLATE_DAYS
from orchestration.executive_report.render import TILES
from orchestration.publishing import published_path
from orchestration.refresh import dagster_home, prepare_dbt
from orchestration.reporting.api import connect, report

END_DATE = date(2026, 11, 20)
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def refreshed(built_warehouse):
    """The session's warehouse (conftest: one refresh of a small generated landing), whose
    refresh ran the publish and the report: (warehouse, report folder)."""
    summary = built_warehouse.summary
    assert summary.ok, (summary.failure, summary.dbt_failures, summary.failed_blocking_checks)
    return built_warehouse.path, reports_dir(built_warehouse.path)


@pytest.fixture(scope="module")
def roots(refreshed) -> list[str]:
    warehouse, _ = refreshed
    with connect(published_path(warehouse)) as con:
        return [
            r[0]
            for r in con.execute(
                "select account_id from marts.dim_accounts where parent_account_id is null"
            ).fetchall()
        ]


def test_report_and_published_copy_are_in_the_refresh_job():
    dagster_home()
    prepare_dbt()
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    published, report_key = dg.AssetKey("published_marts"), dg.AssetKey("executive_report")
    parents = graph.get(published).parent_keys
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts and marts <= parents
    assert dg.AssetKey(["reference", "delivery_error_codes"]) in parents
    assert graph.get(report_key).parent_keys == {published}
    job = defs.resolve_job_def("refresh")
    assert {published, report_key} <= set(job.asset_layer.executable_asset_keys)


def test_one_report_per_top_level_account(refreshed, roots):
    _, folder = refreshed
    assert roots
    assert sorted(p.stem for p in folder.glob("*.html")) == sorted(roots)
    assert not list(folder.glob(".*.tmp"))


def test_report_is_self_contained(refreshed, roots):
    _, folder = refreshed
    for account in roots:
        html = (folder / f"{account}.html").read_text()
        # Nothing to fetch: no src/href/url() pointing anywhere (message text may mention links).
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
        assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I)
        assert "url(" not in html and "@import" not in html
        assert html.count("<svg") >= 6  # 5 trend/funnel charts + credit bars


class _Tiles(HTMLParser):
    """Reads the headline tiles' data-key / data-value and the body's date range."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.body: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if "data-key" in a:
            self.values[a["data-key"]] = a.get("data-value") or ""


def _parse(html: str) -> _Tiles:
    parser = _Tiles()
    parser.feed(html)
    return parser


def _same(shown: str, expected) -> bool:
    if expected is None:
        return shown == ""
    return float(shown) == pytest.approx(float(expected), rel=1e-12, abs=1e-12)


def test_headline_numbers_equal_the_reporting_api(refreshed, roots):
    warehouse, folder = refreshed
    for account in roots:
        tiles = _parse((folder / f"{account}.html").read_text())
        period = (tiles.body["data-date-from"], tiles.body["data-date-to"])
        # The last 7 local days with data (the generated landing ends on END_DATE).
        start = END_DATE - timedelta(days=PERIOD_DAYS - 1)
        assert period == (start.isoformat(), END_DATE.isoformat())
        # Against the live warehouse (not only the published copy the report was made from).
        kpis = {}
        for view in ("messaging", "calling"):
            kpis |= report(
                view, warehouse=warehouse, account_id=account, include_sub_accounts=True,
                date_range=period,
            ).kpis  # fmt: skip
        kpis |= report(
            "credits", warehouse=warehouse, account_id=account, include_sub_accounts=True,
            date_range=(period[1], period[1]),
        ).kpis  # fmt: skip
        keys = [key for _, key, *_ in TILES] + ["credits_used"]
        assert set(keys) <= set(tiles.values)
        mismatched = {
            k: (tiles.values[k], kpis[k]) for k in keys if not _same(tiles.values[k], kpis[k])
        }
        assert not mismatched, mismatched
        assert kpis["sms_sent"] > 0 and kpis["calls_dialed"] > 0


def test_templates_are_ranked_by_the_api_carrier_block_rate(refreshed, roots):
    warehouse, folder = refreshed
    for account in roots:
        html = (folder / f"{account}.html").read_text()
        templates = re.findall(r'data-template="([^"]+)"', html)
        assert templates, "no template ranked"
        rates = []
        for template in templates:
            kpis = report(
                "messaging", warehouse=warehouse, account_id=account, include_sub_accounts=True,
                date_range=(END_DATE - timedelta(days=TEMPLATE_DAYS - 1), END_DATE),
                template_ids=[template],
            ).kpis  # fmt: skip
            rates.append(
                (
                    kpis["campaign_messages_sent"] >= MIN_TEMPLATE_MESSAGES,
                    kpis["carrier_block_rate"],
                )
            )
        assert rates == sorted(rates, key=lambda r: (not r[0], -(r[1] or 0)))
        assert "carriers sometimes classify certain wording or links as spam" in html


def test_alerts_list_the_api_anomalies_and_the_period_violations(refreshed, roots):
    """The Alerts section: exactly the templates and numbers the carrier-block-anomalies view
    flags, and the compliance view's violations in the report period."""
    warehouse, folder = refreshed
    for account in roots:
        html = (folder / f"{account}.html").read_text()
        scope = {"warehouse": warehouse, "account_id": account, "include_sub_accounts": True}
        flagged = [r for r in report("carrier-block-anomalies", **scope).rows if r["is_anomaly"]]
        assert re.findall(r'data-anomaly="([^"]+)"', html) == [r["dimension_id"] for r in flagged]
        period = (END_DATE - timedelta(days=PERIOD_DAYS - 1), END_DATE)
        violations = report("compliance", date_range=period, **scope).kpis
        shown = re.findall(r'data-violations="(\d+)"', html)
        assert shown == [str(violations["compliance_violations"])]


# --------------------------------------------------------------------------- rendering


def _png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes): (w, h, rows)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color_type, _, _, interlace = header
    assert depth == 8 and color_type in (2, 6) and interlace == 0, header
    bpp = 3 if color_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(b for j, b in enumerate(line) if j % 4 != 3))
        previous = line
    return width, height, rows


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium_with_its_charts(refreshed, roots, tmp_path):
    _, folder = refreshed
    page = folder / f"{roots[0]}.html"
    png = tmp_path / "report.png"
    subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}", "--window-size=1280,2400", page.as_uri(),
        ],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    assert png.exists() and png.stat().st_size > 50_000
    width, height, rows = _png_pixels(png)
    assert (width, height) == (1280, 2400)
    colours: dict[bytes, int] = {}
    for row in rows[::2]:
        for x in range(0, len(row), 6):  # every other pixel
            colour = row[x : x + 3]
            colours[colour] = colours.get(colour, 0) + 1
    assert len(colours) > 200  # text, tiles, lines, fills: far from a blank page

    def near(rgb: tuple[int, int, int]) -> int:
        return sum(
            n
            for c, n in colours.items()
            if all(abs(a - b) <= 12 for a, b in zip(c, rgb, strict=True))
        )

    # The chart series' colours are drawn (teal delivery/segments, orange block rate, navy
    # header and SMS line): the SVG charts rendered, not only the text.
    assert near((0x2A, 0x9D, 0x8F)) > 200
    assert near((0xE7, 0x6F, 0x51)) > 50
    assert near((0x1D, 0x35, 0x57)) > 2000
    keep = os.environ.get("EXEC_REPORT_SCREENSHOT")
    if keep:
        Path(keep).write_bytes(png.read_bytes())
