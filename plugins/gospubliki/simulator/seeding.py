"""Hash-derived randomness: every value depends only on the seed and a key, never on call order,
global state or time, so a world and each page's state on any day are reproducible."""

from __future__ import annotations

import hashlib
import math
import random
import struct


def sub_seed(*parts: object) -> int:
    """A 64-bit seed derived from ``parts`` (e.g. ``(seed, "region", "43")``)."""
    digest = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=8).digest()
    return struct.unpack(">Q", digest)[0]


def rng(*parts: object) -> random.Random:
    """An independent ``random.Random`` for one part of the world."""
    return random.Random(sub_seed(*parts))


def unit(*parts: object) -> float:
    """A uniform number in [0, 1) keyed by ``parts`` (cheap: one hash, no Random object)."""
    return sub_seed(*parts) / 2.0**64


def lognormal_unit_mean(u1: float, u2: float, sigma: float) -> float:
    """A lognormal variate with mean 1 from two uniforms (Box–Muller)."""
    z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    return math.exp(sigma * z - sigma * sigma / 2.0)
