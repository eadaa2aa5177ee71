"""The page of the executive report: inline CSS, system fonts, no script, nothing fetched."""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
  :root { --ink: #2b2d42; --muted: #6b7280; --line: #e6e9ef; --bg: #f5f7fa; --navy: #1d3557;
          --good: #1a7f5a; --bad: #c0392b; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink);
         font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
  .page { max-width: 1200px; margin: 0 auto; padding: 28px 32px 40px; }
  header { background: var(--navy); color: #fff; border-radius: 10px; padding: 22px 28px;
           display: flex; justify-content: space-between; align-items: flex-end; gap: 24px; }
  header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
  header .sub { opacity: 0.85; font-size: 13.5px; }
  header .period { text-align: right; }
  header .period b { display: block; font-size: 18px; font-weight: 600; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 10px;
            padding: 20px 24px; margin-top: 18px; }
  h2 { margin: 0 0 14px; font-size: 17px; font-weight: 650; }
  h2 .muted, .muted { color: var(--muted); font-weight: 400; font-size: 13px; }
  .tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
  .tile { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: #fff; }
  .tile.wide { grid-column: span 4; display: flex; align-items: center; gap: 24px; }
  .tile.wide .value { font-size: 24px; }
  .tile .label { color: var(--muted); font-size: 12.5px; text-transform: uppercase;
                 letter-spacing: 0.04em; }
  .tile .value { font-size: 28px; font-weight: 650; margin: 2px 0 2px;
                 font-variant-numeric: tabular-nums; }
  .tile .note { color: var(--muted); font-size: 12px; }
  .delta { font-size: 13px; font-weight: 600; }
  .delta.good { color: var(--good); } .delta.bad { color: var(--bad); }
  .delta.flat { color: var(--muted); }
  .delta .was { color: var(--muted); font-weight: 400; }
  .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
  .chart h3 { margin: 0 0 2px; font-size: 14px; font-weight: 600; }
  .chart p { margin: 0 0 4px; color: var(--muted); font-size: 12.5px; }
  .chart svg { display: block; max-width: 100%; height: auto; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px;
       text-transform: uppercase; letter-spacing: 0.03em; border-bottom: 1px solid var(--line);
       padding: 6px 8px; }
  td { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: middle; }
  .num { text-align: right; white-space: nowrap; }
  tr.flag td { background: #fff5f2; }
  .tname { font-weight: 600; }
  .snippet { color: var(--muted); font-size: 12px; }
  .pill { display: inline-block; background: #e76f51; color: #fff; border-radius: 10px;
          font-size: 11px; padding: 0 8px; margin-left: 6px; font-weight: 600; }
  .barcell { position: relative; min-width: 120px; text-align: right; }
  .barcell .bar { position: absolute; left: 0; top: 2px; bottom: 2px; background: #fbd3c7;
                  border-radius: 3px; }
  .barcell b { position: relative; }
  .lead { margin: 0 0 12px; font-size: 14.5px; }
  .lead.compliance { margin-top: 18px; }
  .advice { margin-top: 14px; background: #f1f5fb; border-left: 4px solid var(--navy);
            padding: 10px 14px; border-radius: 4px; font-size: 13.5px; }
  .advice b { display: block; margin-bottom: 2px; }
  footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
  @media print { body { background: #fff; } section { break-inside: avoid; } }
</style>
</head>
<body data-account-id="$account_id" data-date-from="$date_from" data-date-to="$date_to"
      data-previous-from="$previous_from" data-previous-to="$previous_to">
<div class="page">
<header>
  <div>
    <h1>$account_name</h1>
    <div class="sub">Weekly messaging &amp; calling report · $scope · account $account_id</div>
  </div>
  <div class="period"><span class="sub">Report period (local days, $time_zone)</span>
    <b>$period</b><span class="sub">compared with $previous</span></div>
</header>

<section>
  <h2>Headline <span class="muted">last 7 days vs the 7 days before · $freshness</span></h2>
  <div class="tiles">$tiles</div>
</section>

<section>
  <h2>Messaging trends
    <span class="muted">daily since $trend_from · shaded: report period</span></h2>
  <div class="grid2">
    <div class="chart"><h3>Messages and segments</h3><p>Outbound SMS/MMS sent and SMS segments
      billed.</p>$messages_chart</div>
    <div class="chart"><h3>Delivery and carrier block rate</h3><p>Delivery: first message of
      each enrollment. Block: campaign messages blocked by carriers.</p>$rates_chart</div>
    <div class="chart"><h3>Reply rate</h3><p>Contacts who replied / contacts enrolled, over the
      7 days ending each day.</p>$reply_chart</div>
    <div class="chart"><h3>Median response time</h3><p>Time for a person on the team to answer
      an inbound text.</p>$response_chart</div>
  </div>
</section>

<section>
  <h2>Calling
    <span class="muted">funnel for the report period, daily volume since $trend_from</span></h2>
  <div class="grid2">
    <div class="chart"><h3>Funnel</h3><p>$funnel_note</p>$funnel_chart</div>
    <div class="chart"><h3>Calls by day</h3><p>Outbound calls dialed, answered, and conversations
      (answered calls over 90 seconds).</p>$calls_chart</div>
  </div>
</section>

<section>
  <h2>Templates by carrier block rate
    <span class="muted">last 30 days, campaign messages</span></h2>
  $templates
</section>

$alerts

<section>
  <h2>Credits <span class="muted">current billing period</span></h2>
  $credits
</section>

$accounts

<footer>Generated $generated from the published marts. Rates are ratios of counts
(numerator / denominator over the period), never averages of daily rates; the figures equal
those of the reporting API (<code>comms-warehouse report</code>) for the same account, sub-accounts
and dates.</footer>
</div>
</body>
</html>
"""
