"""A corpus of cross-site scripting payloads, each with an effect a browser test can observe.

Every payload carries its own number (written `§` in the templates below, replaced when the
corpus is built): if it ever ran, it would open a dialog (`alert`, `confirm`, `prompt`), log
`XSS-<n>` to the console, set the document title to `XSS-<n>`, or leave an element marked
`data-xss`. So "never runs" is provable, and a failure names the payload.

`{b64:...}` is replaced by the base64 of the text it holds (after numbering), for data: URLs.
Each payload fits in 80 characters, the longest a display name may be, so that every payload
can be placed in every field a user fills.
"""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import unquote

MAX_LENGTH = 80
MARK = "§"
EFFECTS = ("alert", "confirm", "prompt", "console.log", "document.title", "data-xss")

TEMPLATES: list[str] = [
    # --- script tags: plain, casings, nested, with attributes, unclosed, broken ---
    "<script>alert('XSS-§')</script>",
    "<SCRIPT>alert('XSS-§')</SCRIPT>",
    "<ScRiPt>console.log('XSS-§')</sCrIpT>",
    "<scr<script>ipt>alert('XSS-§')</scr</script>ipt>",
    '<script type="text/javascript">alert(\'XSS-§\')</script>',
    "<script src=data:,alert('XSS-§')></script>",
    "<script>alert('XSS-§')",
    "<script\n>console.log('XSS-§')</script\n>",
    "<<script>alert('XSS-§');//<</script>",
    "<script/x>alert('XSS-§')</script>",
    "<script defer async>document.title='XSS-§'</script>",
    "<script>/*</script><script>*/alert('XSS-§')</script>",
    # --- closing the surrounding element first ---
    "\"><script>alert('XSS-§')</script>",
    "'><script>alert('XSS-§')</script>",
    "</textarea><script>alert('XSS-§')</script>",
    "</title><script>alert('XSS-§')</script>",
    "</script><script>alert('XSS-§')</script>",
    "</style><script>alert('XSS-§')</script>",
    "</noscript><script>alert('XSS-§')</script>",
    "</option></select><img src=x onerror=alert('XSS-§')>",
    "</a><a href=\"javascript:alert('XSS-§')\">x",
    "--></p><svg onload=alert('XSS-§')>",
    # --- comments, CDATA, conditional comments ---
    "<!--<script>-->alert('XSS-§')<!--</script>-->",
    "<!--><script>alert('XSS-§')</script>-->",
    "<!-- --!><script>alert('XSS-§')</script> -->",
    "<![CDATA[<script>alert('XSS-§')</script>]]>",
    "<![CDATA[><script>alert('XSS-§')</script>]]>",
    "<!--[if gte IE 4]><script>alert('XSS-§')</script><![endif]-->",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('XSS-§')>\">",
    # --- event handlers ---
    "<img src=x onerror=alert('XSS-§')>",
    "<IMG SRC=x OnErRoR=alert('XSS-§')>",
    "<img src=x onerror=\"console.log('XSS-§')\">",
    "<img src=\"x\" onerror='document.title=\"XSS-§\"'>",
    "<img/src/onerror=alert('XSS-§')>",
    "<img src=x onerror=alert&#40;'XSS-§'&#41;>",
    "<img src=x onerror=\\u0061lert('XSS-§')>",
    "<img srcset=\",,,,x\" onerror=alert('XSS-§')>",
    "<svg onload=alert('XSS-§')>",
    "<svg/onload=confirm('XSS-§')>",
    "<body onload=alert('XSS-§')>",
    "<body onpageshow=prompt('XSS-§')>",
    "<details open ontoggle=alert('XSS-§')>",
    "<input autofocus onfocus=alert('XSS-§')>",
    "<select autofocus onfocus=alert('XSS-§')>",
    "<textarea autofocus onfocus=alert('XSS-§')>",
    "<keygen autofocus onfocus=alert('XSS-§')>",
    "<video><source onerror=alert('XSS-§')></video>",
    "<audio src=x onerror=alert('XSS-§')>",
    "<video src=x onerror=prompt('XSS-§')>",
    "<iframe onload=alert('XSS-§')>",
    "<marquee onstart=alert('XSS-§')>x</marquee>",
    "<div onmouseover=alert('XSS-§')>survol</div>",
    "<a onmouseover=alert('XSS-§')>lien</a>",
    "<p onclick=alert('XSS-§')>clic</p>",
    "<b onfocus=alert('XSS-§') tabindex=0 autofocus>gras</b>",
    "<div contenteditable autofocus onfocus=alert('XSS-§')>",
    "<object onerror=alert('XSS-§')>",
    "<style onload=alert('XSS-§')></style>",
    "<link rel=stylesheet href=x onerror=alert('XSS-§')>",
    "<input type=image src=x onerror=alert('XSS-§')>",
    "<isindex type=image src=1 onerror=alert('XSS-§')>",
    "<frameset onload=alert('XSS-§')>",
    "<picture><source srcset=x><img onerror=alert('XSS-§')></picture>",
    "<template><img src=x onerror=alert('XSS-§')></template>",
    "<xmp><img src=x onerror=alert('XSS-§')></xmp>",
    "<plaintext><img src=x onerror=alert('XSS-§')>",
    "<a href=\"https://ok.example\" onfocus=\"alert('XSS-§')\" autofocus>x</a>",
    "<h1 onclick=alert('XSS-§')>Titre</h1>",
    "<table><tr><td onclick=alert('XSS-§')>cellule</td></tr></table>",
    # --- SVG and MathML ---
    "<svg><script>alert('XSS-§')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('XSS-§')\"><text y=9>x</text></a></svg>",
    "<svg><animate onbegin=alert('XSS-§') attributeName=x dur=1s>",
    "<svg><set onbegin=alert('XSS-§') attributeName=x to=1>",
    "<svg><image href=x onerror=alert('XSS-§')></svg>",
    "<svg><foreignObject><img src=x onerror=alert('XSS-§')>",
    "<svg><style><img src=x onerror=alert('XSS-§')></style></svg>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert('XSS-§')>\">",
    "<svg><use href=\"#x\"/><g id=x onload=alert('XSS-§')></g></svg>",
    "<math><mtext><script>alert('XSS-§')</script></mtext></math>",
    "<math href=\"javascript:alert('XSS-§')\">x</math>",
    "<math><mi><table><mglyph><style><img src=x onerror=alert('XSS-§')>",
    "<math><mtext><table><mglyph><svg><mtext><img src onerror=alert('XSS-§')>",
    # --- javascript: and data: URLs in markdown ---
    "[x](javascript:alert('XSS-§'))",
    "[x](JaVaScRiPt:alert('XSS-§'))",
    "[x](&#106;avascript:alert('XSS-§'))",
    "[x](&#x6A;&#x61;vascript:alert('XSS-§'))",
    "[x](java\tscript:alert('XSS-§'))",
    "[x](java\nscript:alert('XSS-§'))",
    "[x]( javascript:alert('XSS-§'))",
    "[x](javascript&colon;alert('XSS-§'))",
    "[x](jAvAsCrIpT&#58;alert('XSS-§'))",
    "[x](<javascript:alert('XSS-§')>)",
    "[x](javascript://%0aalert('XSS-§'))",
    "[x](data:text/html;base64,{b64:<script>alert('XSS-§')</script>})",
    "[x](data:text/html,<script>alert('XSS-§')</script>)",
    "![x](javascript:alert('XSS-§'))",
    "![x](data:image/svg+xml;base64,{b64:<svg onload=alert('XSS-§')>})",
    "![x\"onerror=\"alert('XSS-§')](x)",
    "![x](x\"onerror=\"alert('XSS-§'))",
    "[x][r]\n\n[r]: javascript:alert('XSS-§')",
    "[x][R]\n\n[R]: JAVASCRIPT:alert('XSS-§') \"t\"",
    "<javascript:alert('XSS-§')>",
    "<JaVaScRiPt:alert('XSS-§')>",
    # --- javascript:, data:, vbscript: URLs in raw HTML ---
    "<a href=\"javascript:alert('XSS-§')\">x</a>",
    "<a href=\" &#14;javascript:alert('XSS-§')\">x</a>",
    "<a href=\"jav&#x09;ascript:alert('XSS-§')\">x</a>",
    "<a href=\"&#x6A;avascript&#x3A;alert('XSS-§')\">x</a>",
    "<a href=\"javascript&colon;alert('XSS-§')\">x</a>",
    "<a href=\"vbscript:alert('XSS-§')\">x</a>",
    "<a href=data:text/html,<script>alert('XSS-§')</script>>x</a>",
    "<a href=\"https://ok.example\" onmouseover=\"alert('XSS-§')\">survol</a>",
    # --- frames, objects, embeds, meta, base, forms ---
    "<iframe src=\"javascript:alert('XSS-§')\">",
    "<iframe srcdoc=\"<script>alert('XSS-§')</script>\">",
    "<iframe srcdoc=\"&lt;img src=x onerror=alert('XSS-§')&gt;\">",
    "<object data=\"javascript:alert('XSS-§')\">",
    "<object data=\"data:text/html,<script>alert('XSS-§')</script>\">",
    "<embed src=\"javascript:alert('XSS-§')\">",
    "<embed src=\"data:image/svg+xml,<svg onload=alert('XSS-§')>\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert('XSS-§')\">",
    "<base href=\"javascript:alert('XSS-§')//\">",
    "<base href=\"https://evil.example/\"><b data-xss=§>x</b>",
    "<form action=\"javascript:alert('XSS-§')\"><input type=submit></form>",
    "<form id=f§></form><button form=f§ formaction=javascript:alert('XSS-§')>x",
    "<form><button formaction=javascript:alert('XSS-§')>envoyer</button></form>",
    # --- CSS ---
    "<div style=\"background:url(javascript:alert('XSS-§'))\">fond</div>",
    "<style>@import 'javascript:alert(\"XSS-§\")';</style>",
    "<style>*{background:url(\"javascript:alert('XSS-§')\")}</style>",
    "<div style=\"width:expression(alert('XSS-§'))\">",
    "<link rel=stylesheet href=\"javascript:alert('XSS-§')\">",
    "<p style=\"position:fixed;inset:0\" data-xss=§>voile</p>",
    # --- markers only: any element or attribute that survives is visible ---
    "<x data-xss=§>marqueur</x>",
    "<span data-xss=\"§\">marqueur</span>",
    "<a href=\"https://ok.example\" data-xss=§>lien marqué</a>",
    # --- markdown link tricks ---
    "[a](http://x.example \"onmouseover=alert('XSS-§')\")",
    "[a](http://x.example \"\\\"onmouseover=\\\"alert('XSS-§')\")",
    "[a](http://x.example 'x' onmouseover='alert(\"XSS-§\")')",
    "[[x](javascript:alert('XSS-§'))](http://ok.example)",
    "[<img src=x onerror=alert('XSS-§')>](http://ok.example)",
    "[x](http://a.example/\"onmouseover=\"alert('XSS-§'))",
    "[x](https://ok.example?a=<script>alert('XSS-§')</script>)",
    "<http://a.example/\"onmouseover=\"alert('XSS-§')>",
    "[x](#\" onmouseover=\"alert('XSS-§'))",
    "`<script>alert('XSS-§')</script>`",
    "    <script>alert('XSS-§')</script>",
    # --- attribute breakouts ---
    "\" onmouseover=\"alert('XSS-§')",
    "' autofocus onfocus='alert(\"XSS-§\")",
    "\" autofocus onfocus=\"alert('XSS-§')\" x=\"",
    "\"><img src=x onerror=alert('XSS-§')>",
    "'><svg onload=alert('XSS-§')>",
    "` onmouseover=alert('XSS-§') x=`",
    "\"/><input autofocus onfocus=alert('XSS-§')>",
    # --- template-injection style strings (Jinja, JS template literals, others) ---
    "{{7*7}}{{'<b data-xss=§>'|safe}}",
    "${alert('XSS-§')}",
    "{{constructor.constructor(\"alert('XSS-§')\")()}}",
    "{% print('<b data-xss=§>') %}",
    "#{alert('XSS-§')}",
    "<%= alert('XSS-§') %>",
    # --- encodings that must stay text ---
    "&lt;script&gt;alert('XSS-§')&lt;/script&gt;",
    "%3Cscript%3Ealert('XSS-§')%3C/script%3E",
    "\\u003cscript\\u003ealert('XSS-§')\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert('XSS-§')\uff1c/script\uff1e",
    # --- polyglots ---
    "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */alert('XSS-§') )//",
    "'\"--></style></script><svg onload=alert('XSS-§')>",
    "\"'><img src=x onerror=alert('XSS-§')>{{7*7}}${7*7}<!--",
    "-->\"'></textarea></title><script>alert('XSS-§')</script>",
    "\"'`><\\x3Cscript>alert('XSS-§')</script>",
    # --- names as in CVE-2026-23891 (a display name shown unescaped) ---
    "Ève<svg/onload=alert('XSS-§')>",
    "Jean <b onmouseover=alert('XSS-§')>Dupont</b>",
]

_B64 = re.compile(r"\{b64:(.*?)\}")


def _build(template: str, number: int) -> str:
    text = template.replace(MARK, str(number))
    return _B64.sub(lambda m: base64.b64encode(m.group(1).encode()).decode(), text)


# Numbered from 1: the payload of index i carries XSS-<i + 1>.
PAYLOADS: list[str] = [_build(template, i + 1) for i, template in enumerate(TEMPLATES)]


def revealed(payload: str) -> str:
    """The payload with its encodings undone (entities, %-escapes, base64 data), for checks."""
    text = payload
    for chunk in re.findall(r"base64,([A-Za-z0-9+/=]+)", text):
        text += " " + base64.b64decode(chunk).decode()
    return html.unescape(unquote(text))


def marker(number: int) -> str:
    """The text a payload logs or writes when it runs."""
    return f"XSS-{number}"
