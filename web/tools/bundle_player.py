#!/usr/bin/env python3
"""Builds the self-contained player template: one HTML file with the style, the engine (em++
output, WebAssembly inlined as base64 by -sSINGLE_FILE) and the player scripts inlined.

The scripts are concatenated, in the order given, into one strict-mode function scope, so they
share names without leaking globals; only the engine's factory (createPotokEngine) and the
config constant are global.

The result must contain the config placeholder exactly once: `potok stream` replaces it."""
import argparse
import pathlib
import re
import sys

CONFIG_PLACEHOLDER = "/*POTOK_CONFIG*/null"
MARKERS = ("<!--POTOK_STYLE-->", "<!--POTOK_ENGINE-->", "<!--POTOK_SCRIPT-->")


def fail(message):
    print(f"bundle_player.py: {message}", file=sys.stderr)
    sys.exit(1)


def checked_script(text, name):
    # Inside <script>, "</script" ends the element and "<!--" opens the HTML parser's escaped
    # states; neither may appear in an inlined script.
    for bad in ("</script", "<!--", "<script"):
        if bad in text.lower():
            fail(f"{name} contains {bad!r}, which cannot be inlined in a <script> element")
    if CONFIG_PLACEHOLDER in text:
        fail(f"{name} contains the config placeholder; only player.html may")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--html", required=True, type=pathlib.Path)
    parser.add_argument("--css", required=True, type=pathlib.Path)
    parser.add_argument("--engine", required=True, type=pathlib.Path, help="em++ output (.js)")
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("scripts", nargs="+", type=pathlib.Path, help="player scripts, in order")
    args = parser.parse_args()

    html = args.html.read_text(encoding="utf-8")
    for marker in MARKERS:
        if html.count(marker) != 1:
            fail(f"{args.html} must contain {marker} exactly once")
    css = args.css.read_text(encoding="utf-8")
    if "</style" in css.lower():
        fail(f"{args.css} contains '</style'")
    engine = checked_script(args.engine.read_text(encoding="utf-8"), args.engine.name)
    parts = []
    for script in args.scripts:
        parts.append(f"// ---- {script.name} ----\n" + checked_script(script.read_text(encoding="utf-8"), script.name))
    player = "(() => {\n'use strict';\n" + "\n".join(parts) + "\n})();\n"

    # Replacement functions, not strings: the inlined text is taken literally (no \1 escapes).
    html = html.replace(MARKERS[0], "<style>\n" + css + "</style>")
    html = re.sub(re.escape(MARKERS[1]), lambda _: "<script>\n" + engine + "\n</script>", html)
    html = re.sub(re.escape(MARKERS[2]), lambda _: "<script>\n" + player + "</script>", html)
    if html.count(CONFIG_PLACEHOLDER) != 1:
        fail(f"the page must contain {CONFIG_PLACEHOLDER} exactly once, found {html.count(CONFIG_PLACEHOLDER)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
