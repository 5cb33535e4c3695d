#!/usr/bin/env python3
"""Embeds a text file in C++ as a string constant: embed_text.py INPUT OUTPUT SYMBOL.

Used for data files the generator reads (runtime-tails.tsv), so the installed binary
needs no data directory. Rewrites OUTPUT only when its content changes.
"""
import os
import sys

src, out, symbol = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    text = f.read()
if ")syscribe\"" in text:
    sys.exit(f"{src}: contains the raw-string delimiter")
code = (f"// Generated from {os.path.basename(src)} by embed_text.py; do not edit.\n"
        f"namespace syscribe::gen {{\nextern const char* const {symbol};\n"
        f"const char* const {symbol} = R\"syscribe({text})syscribe\";\n}}\n")
if not os.path.exists(out) or open(out, encoding="utf-8").read() != code:
    with open(out, "w", encoding="utf-8") as f:
        f.write(code)
