"""Draws Kinmu's app icon (a clock on a blue rounded square) as a 1024x1024 PNG, stdlib only."""
import math, struct, sys, zlib

N = 1024
C = N / 2

def clamp(x): return 0.0 if x < 0 else 1.0 if x > 1 else x

def rounded_square(x, y, half, r):
    qx, qy = abs(x - C) - (half - r), abs(y - C) - (half - r)
    return math.hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - r

def capsule(x, y, ax, ay, bx, by, r):
    px, py, dx, dy = x - ax, y - ay, bx - ax, by - ay
    h = clamp((px * dx + py * dy) / (dx * dx + dy * dy))
    return math.hypot(px - dx * h, py - dy * h) - r

def over(dst, src, a):
    return tuple(d * (1 - a) + s * a for d, s in zip(dst, src))

top, bottom = (59, 110, 240), (30, 58, 138)
white, orange = (255, 255, 255), (249, 115, 22)
hands = [(C, C, C, C - 205, 30), (C, C, C + 175, C, 30)]
ticks = []
for k in range(12):
    a = k * math.pi / 6
    inner = 272 if k % 3 == 0 else 290
    ticks.append((C + inner * math.sin(a), C - inner * math.cos(a), C + 305 * math.sin(a), C - 305 * math.cos(a), 14 if k % 3 == 0 else 9))

rows = []
for j in range(N):
    y = j + 0.5
    row = bytearray([0])
    t = j / (N - 1)
    bg = tuple(a * (1 - t) + b * t for a, b in zip(top, bottom))
    for i in range(N):
        x = i + 0.5
        a_bg = clamp(0.5 - rounded_square(x, y, 462, 200))
        if a_bg == 0:
            row += b"\0\0\0\0"; continue
        col = bg
        d_face = math.hypot(x - C, y - C) - 360
        if d_face < 1:
            col = over(col, white, clamp(0.5 - d_face))
            if d_face < -20:
                d = min(capsule(x, y, *h) for h in ticks)
                col = over(col, bottom, clamp(0.5 - d))
                d = min(capsule(x, y, *h) for h in hands)
                col = over(col, bottom, clamp(0.5 - d))
                d = math.hypot(x - C, y - C) - 42
                col = over(col, orange, clamp(0.5 - d))
        row += bytes(int(round(v)) for v in col) + bytes([int(round(255 * a_bg))])
    rows.append(bytes(row))

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
