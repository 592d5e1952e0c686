"""The feedback page as the student and the instructor open it: it holds what the student's notebook
and code produced (Markdown, HTML outputs), so :func:`secure_feedback` rebuilds nbgrader's page from an
allow-list (``nh3``) under a Content-Security-Policy that runs no script at all."""

from __future__ import annotations

import html as html_lib
import re

# no script, frame, plugin, form or request of any kind; the page's own inline CSS and data: images only
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; "
       "form-action 'none'; connect-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:")
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
        "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr"}
DROPPED = {"script", "style", "template", "textarea", "title", "noscript", "iframe", "object", "embed", "svg", "math"}
ATTRIBUTES = {"*": {"class", "id", "title", "lang", "dir", "align"}, "a": {"href", "name"},
              "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan", "scope"}, "ol": {"start", "type"}, "col": {"span"}, "colgroup": {"span"}}
SAFE_HREF = ("#", "http://", "https://", "mailto:")
SAFE_SRC = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    """Links only to anchors, the web and mail; images only from data: PNG/JPEG/GIF/WebP."""
    if name == "href":
        return value if value.strip().lower().startswith(SAFE_HREF) else None
    if name == "src":
        return value if value.strip().lower().startswith(SAFE_SRC) else None
    return value


def secure_feedback(page: str) -> str:
    """nbgrader's feedback page rebuilt so that it cannot run code: the template's own CSS (the
    ``<style>`` blocks of its ``<head>``, which nothing of the submission's reaches), then the body
    through an allow-list sanitiser (no script, event handler, ``javascript:`` link, frame, form,
    SVG or style block of the student's), under a Content-Security-Policy meta tag that comes first
    in ``<head>`` and forbids every script. MathJax does not run: formulas show as LaTeX source."""
    import nh3

    end = _HEAD_END.search(page)
    head, body = (page[:end.start()], page[end.end():]) if end else ("", page)
    title = _TITLE.search(head)
    name = html_lib.escape(html_lib.unescape(title.group(1).strip())) if title else "feedback"
    styles = "\n".join("<style>" + css.replace("</", "<\\/") + "</style>" for css in _STYLE.findall(head))
    clean = nh3.clean(body, tags=TAGS, clean_content_tags=DROPPED, attributes=ATTRIBUTES,
                      attribute_filter=_keep_attribute, strip_comments=True,
                      url_schemes={"http", "https", "mailto", "data"}, link_rel="noopener noreferrer nofollow")
    return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n<title>{name}</title>\n{styles}\n'
            f"</head>\n<body>\n{clean}\n</body>\n</html>\n")
