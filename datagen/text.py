"""Text material for the generator: names, template bodies, reply pools and a segment counter.

Every message body the generator writes comes from a small table built here (a template with a
first name substituted, or a pool phrase), so bodies are written as codes into these tables and
the platform's reported ``num_segments`` is computed once per table entry.
"""

from __future__ import annotations

# GSM 03.38 basic set and extension table, as kpi-spec.md lists them.
_GSM_BASIC = set(
    "\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
    "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"
)
_GSM_EXT = set("\f^{}\\[~]|€")


def is_gsm(text: str) -> bool:
    return all(ch in _GSM_BASIC or ch in _GSM_EXT for ch in text)


def segment_count(text: str) -> int:
    """Segments of one SMS body (GSM-7 or UCS-2; parts never split an escape or surrogate pair).

    Grapheme clusters are not handled: the generator's own bodies contain none that could
    straddle a part boundary, and the warehouse computes the exact count itself.
    """
    if is_gsm(text):
        units = [2 if ch in _GSM_EXT else 1 for ch in text]
        single, part = 160, 153
    else:
        units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        single, part = 70, 67
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for u in units:
        if used + u > part:
            parts += 1
            used = 0
        used += u
    return parts


FIRST_NAMES = [
    "Sam", "Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Karen",
    "Chris", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Ashley",
    "José", "Zoë", "Siobhán", "Chloé", "Nguyen", "Priya", "Mohammed", "Aaliyah", "Björn", "Renée",
]  # fmt: skip
LAST_NAMES = [
    "Lee", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
    "Taylor", "Moore", "Jackson", "Martin", "Perez", "Thompson", "White", "Harris", "O'Brien",
    "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
]  # fmt: skip
NO_NAME = "there"  # what the platform substitutes for a missing first name

# (name, body, kind, link) ; kind: intro | followup | spammy | keyword_reply
# {first_name} is substituted per contact. Bodies cover: single-segment GSM, long GSM (>160),
# emoji (UCS-2), GSM extension characters (€ [ ] { } ~ ^ | \), long UCS-2.
TEMPLATE_DEFS: list[tuple[str, str, str, str | None]] = [
    (
        "Cash offer intro",
        "Hi {first_name}, this is {agent} with Lakeside. Would you consider a cash offer for your"
        " home? Reply STOP to opt out.",
        "intro",
        None,
    ),
    (
        "Street sales long",
        "Hi {first_name}! Lakeside Realty here. Homes on your street sold 12% above asking last"
        " quarter. If you have been thinking about selling, we can send you a free, no-obligation"
        " valuation this week. Interested? Reply YES or STOP to opt out.",
        "intro",
        None,
    ),
    (
        "Owner check emoji",
        "Hi {first_name} 🏡 quick question: are you still the owner of the property? Reply STOP"
        " to opt out.",
        "intro",
        None,
    ),
    (
        "Fee note extension chars",
        "{first_name}, our fee is only 1% [min €2,500] - no {hidden} costs ~ ask us! Reply STOP to"
        " opt out.",
        "intro",
        None,
    ),
    (
        "Home value link",
        "Hi {first_name}, see what your home is worth in 60 seconds: https://lksd.co/value Reply"
        " STOP to opt out.",
        "intro",
        "https://lakesiderealty.example/valuation?utm_source=sms",
    ),
    (
        "FREE CASH blast",
        "CONGRATS {first_name}!!! You have been SELECTED for a FREE CASH OFFER $$$ Claim NOW before"
        " it expires: https://lksd.co/win Reply STOP to opt out",
        "spammy",
        "https://lakesiderealty.example/promo/cash-offer",
    ),
    (
        "Follow up 1",
        "Just following up, {first_name}. Still open to an offer this month?",
        "followup",
        None,
    ),
    (
        "Follow up 2 long emoji",
        "Last note from us, {first_name} 🙂 If now isn't the right time, no worries at all. We'll"
        " keep your details on file and you can text us any time when you are ready to talk"
        " about selling. Have a great week!",
        "followup",
        None,
    ),
    (
        "Open house",
        "Open house Sat 11-2, {first_name}! Details [map + photos] ^ | \\ https://lksd.co/oh"
        " Reply STOP to opt out.",
        "followup",
        "https://lakesiderealty.example/open-house",
    ),
    (
        "Keyword listings reply",
        "Thanks for texting us, {first_name}! Here is our current list of homes:"
        " https://lksd.co/list Reply STOP to opt out.",
        "keyword_reply",
        "https://lakesiderealty.example/listings",
    ),
]

AGENTS = ["Dana", "Chris", "Morgan", "Alex", "Jordan", "Taylor"]
KEYWORDS = ["HOMES", "VALUE", "OPENHOUSE"]

# Inbound reply pools by kind.
REPLY_ORDINARY = [
    "Maybe. What kind of offer? 🏠", "Who is this?", "How much?", "Not right now",
    "Yes please call me", "Call me tomorrow", "What's the address you have?",
    "Interested, send details", "I already sold it", "Wrong number", "lol no",
    "Can you do 300k?", "Sure, when?", "👍", "Ok", "How did you get my number?",
    "Maybe in the spring", "What does your fee include?", "Send me the valuation",
    "I'm at work, text later", "Is this a scam?", "We might sell next year",
    "My husband handles this, call him", "Yes", "stop please",
]  # fmt: skip
REPLY_STOP = [
    "STOP", "stop", "Stop", " STOP ", "Unsubscribe", "QUIT", "cancel", "END", "STOPALL",
    "optout", "Revoke", "STOP\n",
]  # fmt: skip
REPLY_OPTOUT_LANGUAGE = [
    "please remove me", "Stop texting me", "take me off your list", "Remove me from this list!!",
    "unsubscribe me please", "opt out", "STOP TEXTING ME!!!", "Please take me off",
]  # fmt: skip
REPLY_HELP = ["HELP", "help", "Info"]
REPLY_START = ["START", "unstop", "Start"]
REPLY_MMS = ["", "Here's the house", "photo of the roof damage", ""]
KEYWORD_TEXTS = ["HOMES", "homes", "Homes ", "VALUE", "value", "OPENHOUSE", "Openhouse"]

MANUAL_BODIES = [
    "Thanks for getting back to me! Would a quick call work tomorrow?",
    "Depends on condition. Can I call you tomorrow at 10?",
    "Great question. Our fee is 1% with a €2,500 minimum.",
    "No problem at all, I'll check back in a few months.",
    "Sorry about that! I'll update our records.",
    "We got your number from public property records. Happy to remove you if you prefer.",
    "Here is a quick summary 👇 We buy as-is, close in 2 weeks, no repairs needed.",
    "Absolutely. Based on recent sales nearby we'd estimate 280-310k, but I'd love to see it"
    " in person first to give you a firm number. Does Saturday morning work for a visit?",
    "👍",
    "Sounds good, talk soon!",
    "Can you share the best time to reach you?",
    "Hi! Just checking in on the offer we discussed. Any questions I can answer?",
]
AUTOMATION_BODIES = {
    "thanks": "Thanks for your reply! A team member will text you shortly.",
    "unsubscribed": "You have been unsubscribed and will receive no further messages."
    " Reply START to resubscribe.",
    "help": "Lakeside Realty: for help call (312) 555-0100. Msg&data rates may apply."
    " Reply STOP to opt out.",
    "resubscribed": "You are resubscribed to Lakeside Realty messages. Reply STOP to opt out.",
}

CALL_OUTCOMES_FREE_TEXT = [
    "Follow up next week", "Spoke with owner, wants 250k", " Lead ", "LEFT_VOICEMAIL",
    "Not Interested", "callback after 5pm", "Deal Closed", "voicemail full",
]  # fmt: skip
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 19_0 like Mac OS X)",
    "Mozilla/5.0 (Linux; Android 16; Pixel 9)",
    "Mozilla/5.0 (Linux; Android 15; SM-S921U)",
    "Mozilla/5.0 (iPad; CPU OS 18_4 like Mac OS X)",
    "facebookexternalhit/1.1",
]
USER_NAMES = [
    "Dana Ortiz", "Chris Park", "Morgan Reyes", "Alex Kim", "Jordan Blake", "Taylor Singh",
    "Casey Nguyen", "Riley Chen", "Jamie Fox", "Avery Stone", "Quinn Hale", "Drew Patel",
]  # fmt: skip
