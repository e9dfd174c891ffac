"""Link parameters as data: how a page's settings are read from a shared link and written back.

A link (`/denoising?sigma=0.8&digits=10`) comes from strangers, so every value
is parsed by a small parser that either returns a valid value (clamped into
range, put on the slider's steps) or raises `ValueError`; a page never sees a
bad value. A page declares its parameters once as `Param`s; the app's link
layer (`app_pages/_urlstate.py`) reads, remembers and writes them. Nothing
here knows Streamlit, so the rules are unit-tested on their own.
"""

import dataclasses
import math
from collections.abc import Callable

MAX_TEXT = 2000  # Longer values are not ours: ignored unread (200 selected rows fit).


def snap(v, lo, hi, step=None):
    """Clamps `v` to [lo, hi] and puts it on the steps `lo + k * step`.

    The one snapping rule of the app: link values, the navigator's pins and the
    sliders all land on the same points.

    Args:
        v: a finite number.
        lo, hi: the bounds.
        step: the slider's step, or None for no steps.

    Returns:
        The snapped value (rounded to 10 decimals, so 0.30000000000000004 is 0.3 as a slider shows it).
    """
    v = min(max(v, lo), hi)
    if step:
        v = lo + round((v - lo) / step) * step
        v = min(max(v, lo), hi)
        v = round(v, 10)
    return v


# Parsers: text from the URL -> a valid value, or ValueError.


def choice(options):
    """A parser that accepts one of `options` (compared as text)."""
    by_text = {str(o): o for o in options}

    def parse(text):
        if text not in by_text:
            raise ValueError(f"expected one of {list(by_text)}. Received: {text!r}")
        return by_text[text]

    return parse


def number(lo, hi, step=None):
    """A parser for a finite number, clamped to [lo, hi] and put on the slider's steps."""

    def parse(text):
        v = float(text)
        if not math.isfinite(v):
            raise ValueError(f"expected a finite number. Received: {text!r}")
        return snap(v, lo, hi, step)

    return parse


def integer(lo, hi):
    """A parser for a whole number, clamped to [lo, hi]."""

    def parse(text):
        return int(min(max(int(text), lo), hi))

    return parse


def flag(text):
    """A parser for a switch: "true" or "false" (as Streamlit writes a bound toggle)."""
    value = {"true": True, "false": False}.get(text.lower())
    if value is None:
        raise ValueError(f"expected 'true' or 'false'. Received: {text!r}")
    return value


def pair(lo, hi, step=None):
    """A parser for "a,b": two numbers, clamped and in ascending order (a range slider's value)."""
    one = number(lo, hi, step)

    def parse(text):
        a, b = text.split(",")
        return tuple(sorted((one(a), one(b))))

    return parse


def point(bounds0, bounds1, step=None):
    """A parser for "z0,z1": a point, each coordinate clamped to its own bounds."""
    p0, p1 = number(*bounds0, step), number(*bounds1, step)

    def parse(text):
        a, b = text.split(",")
        return (p0(a), p1(b))

    return parse


def rows(n_rows, most):
    """A parser for "3,10,13": distinct row numbers in [0, n_rows), ascending, at most `most` of them.

    Rows out of range are dropped; anything that is not a whole number voids the lot.
    """

    def parse(text):
        out = sorted({int(t) for t in text.split(",") if t.strip()})
        return [r for r in out if 0 <= r < n_rows][:most]

    return parse


def parse(raw, parser, fallback):
    """`parser(raw)` for a present, short, valid value; `fallback` otherwise (never an error).

    Args:
        raw: the link's text for one parameter, or None when absent.
        parser: a parser from this module.
        fallback: the value without a (valid) link value.

    Returns:
        The parsed value or `fallback`.
    """
    if raw is None or len(raw) > MAX_TEXT:
        return fallback
    try:
        return parser(raw.strip())
    except (ValueError, TypeError, LookupError):  # A stranger's text: never an error, whatever the parser.
        return fallback


def text(v):
    """A value as the link writes it: "0.5", "3,10,13", "-1.5,2"."""
    if isinstance(v, bool):
        return "true" if v else "false"  # As Streamlit writes a bound toggle.
    if isinstance(v, (tuple, list)):
        return ",".join(text(e) for e in v)
    if isinstance(v, float):
        return f"{round(v, 6):g}"
    return str(v)


@dataclasses.dataclass(frozen=True)
class Param:
    """One link parameter of a page, declared once.

    Attributes:
        name: the query parameter ("noise", "seed").
        parse: a parser from this module (text -> valid value, or ValueError).
        default: the value without a valid link value.
        key: the widget it fills (its session key), or None for a value that is not a widget's.
        get, put: for a value that is not a widget's (a seed, the selected rows): how the page's
            state is read and set.
        when: other parameters the link must also carry for this one to apply, e.g.
            `{"model": "vae"}` for ranges in the VAE's units, `{"tab": "interpolate"}` for the ends of
            an interpolation: read only from such a link, and written only into one.
        to_widget: the parsed value as the widget holds it (a translated tab label); the identity by default.
        to_link: the page's value as the link carries it (English, never a shown label); the identity
            by default. A result of None leaves the parameter out of the link.
        bound: the widget is bound to the link by Streamlit itself (`bind="query-params"`); the link
            layer only clamps a stranger's value before the widget reads it.
    """

    name: str
    parse: Callable
    default: object = None
    key: str | None = None
    get: Callable | None = None
    put: Callable | None = None
    when: dict = dataclasses.field(default_factory=dict)
    to_widget: Callable = lambda v: v
    to_link: Callable = lambda v: v
    bound: bool = False

    def read(self, query):
        """This parameter's value from `query` (a dict of str -> str), or its default."""
        if not self.applies(query):
            return self.default
        return parse(query.get(self.name), self.parse, self.default)

    def applies(self, query):
        """Whether this parameter goes with a link of these other parameters (see `when`)."""
        return all(query.get(k) == v for k, v in self.when.items())


def link_text(table, values):
    """The link's parameters for a page's current values: English text, only what applies.

    Args:
        table: the page's `Param`s.
        values: name -> the page's current value (as its widget holds it), for the parameters
            this layer writes.

    Returns:
        A dict of parameter -> text.
    """
    out = {}
    for p in table:
        v = values.get(p.name)
        v = None if v is None else p.to_link(v)
        if v is not None:
            out[p.name] = text(v)
    return {name: t for name, t in out.items() if next(p for p in table if p.name == name).applies(out)}
