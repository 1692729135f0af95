#!/usr/bin/env python3
# A screenshot checked for report-check and serve-check: a PNG of the expected size that is not blank (enough
# colours, enough ink). Python's own modules only: the PNG is decoded here (RFC 2083).
# Usage: png-check.py PNG WIDTH HEIGHT NAME      (NAME prefixes the messages)
import struct
import sys
import zlib

path, want_w, want_h, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"{name}: FAIL: the screenshot is not a PNG")
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
if (width, height) != (want_w, want_h) or depth != 8 or ctype not in (2, 6):
    sys.exit(f"{name}: FAIL: unexpected PNG {width}x{height}, depth {depth}, colour type {ctype}")
bpp = 4 if ctype == 6 else 3
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours, ink = set(), 0
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    # PNG filters 1–4 undone in place (RFC 2083 §6).
    if f == 1:
        for i in range(bpp, stride): line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        for i in range(stride): line[i] = (line[i] + prev[i]) & 255
    elif f == 3:
        for i in range(stride): line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 3 == 0:
        for x in range(0, stride, bpp * 3):
            px = bytes(line[x:x + 3])
            colours.add(px)
            if sum(px) < 600:
                ink += 1
    prev = line
samples = (height // 3 + 1) * (width // 3 + 1)
if len(colours) < 40 or ink < samples // 50:
    sys.exit(f"{name}: FAIL: the screenshot looks blank ({len(colours)} colours, {ink} of {samples} samples inked)")
print(f"{name}: screenshot {width}x{height}, {len(colours)} colours, {100 * ink / samples:.1f}% ink")
