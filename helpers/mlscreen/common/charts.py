"""One chart style for every report: figures without pyplot's global state, PNGs, HTML embedding."""

from __future__ import annotations

import base64
import html
import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 110
FONT_SIZE = 8


def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure drawn off screen (safe in worker threads and kernels) and its one axes."""
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=FONT_SIZE)
    return figure, axes


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, laid out tightly."""
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def img_tag(png: bytes, alt: str) -> str:
    """An `<img>` element carrying the PNG inline, so the HTML page is one self-contained file."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
